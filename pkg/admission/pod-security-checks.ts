// The Pod Security Standards' checks (k8s.io/pod-security-admission/policy),
// version "latest": each check has Kubernetes' ID, the reason and detail
// wording kubectl shows, and the level it belongs to. Restricted runs every
// baseline check too, except the two it replaces with stricter versions
// (capabilities, seccompProfile).
//
// Runs before validation, so every read tolerates malformed input.

export type Level = "privileged" | "baseline" | "restricted";
export const LEVELS: readonly Level[] = ["privileged", "baseline", "restricted"];

export interface Violation {
  /** Kubernetes' check ID; violations are reported sorted by it, as Kubernetes does. */
  id: string;
  reason: string;
  detail: string;
}

export interface CheckOptions {
  /** Admin exemption: hostPath volumes under these directories pass the baseline hostPath check. */
  allowedHostPaths?: readonly string[];
  /** Whether a host path is under one of the allowed directories. */
  hostPathAllowed?: (path: string, allowed: readonly string[]) => boolean;
}

type Rec = Record<string, unknown>;
const isRec = (v: unknown): v is Rec => v !== null && typeof v === "object" && !Array.isArray(v);
const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const rec = (v: unknown): Rec => (isRec(v) ? v : {});

interface Container {
  name: string;
  sc: Rec;
  raw: Rec;
}

/** Kubernetes' baseline policy: capabilities a container may add without being privileged. */
export const BASELINE_CAPABILITIES: readonly string[] = [
  "AUDIT_WRITE", "CHOWN", "DAC_OVERRIDE", "FOWNER", "FSETID", "KILL", "MKNOD",
  "NET_BIND_SERVICE", "SETFCAP", "SETGID", "SETPCAP", "SETUID", "SYS_CHROOT",
];
const SAFE_SYSCTLS = new Set([
  "kernel.shm_rmid_forced", "net.ipv4.ip_local_port_range", "net.ipv4.ip_unprivileged_port_start", "net.ipv4.tcp_syncookies",
  "net.ipv4.ping_group_range", "net.ipv4.ip_local_reserved_ports", "net.ipv4.tcp_keepalive_time", "net.ipv4.tcp_fin_timeout",
  "net.ipv4.tcp_keepalive_intvl", "net.ipv4.tcp_keepalive_probes",
]);
const RESTRICTED_VOLUME_TYPES = new Set(["configMap", "csi", "downwardAPI", "emptyDir", "ephemeral", "persistentVolumeClaim", "projected", "secret"]);
const SELINUX_TYPES = new Set(["", "container_t", "container_init_t", "container_kvm_t", "container_engine_t"]);

function containersOf(spec: Rec): Container[] {
  const out: Container[] = [];
  for (const field of ["initContainers", "containers", "ephemeralContainers"]) {
    for (const c of list(spec[field])) if (isRec(c)) out.push({ name: String(c.name ?? ""), sc: rec(c.securityContext), raw: c });
  }
  return out;
}

const quoted = (xs: readonly string[]) => xs.map((x) => JSON.stringify(x)).join(", ");
/** `container "a"` / `containers "a", "b"`. */
const containersText = (cs: readonly Container[]) => `${cs.length === 1 ? "container" : "containers"} ${quoted(cs.map((c) => c.name))}`;
const pluralVerb = (n: number, one: string, many: string) => (n === 1 ? one : many);
const uniqueSorted = (xs: Iterable<string>) => [...new Set(xs)].sort();

type Check = (spec: Rec, meta: Rec, cs: Container[], opts: CheckOptions) => Violation | undefined;

const baseline: Record<string, Check> = {
  appArmorProfile(spec, meta, cs) {
    const bad: string[] = [];
    const badType = (p: unknown) => isRec(p) && p.type !== undefined && p.type !== "RuntimeDefault" && p.type !== "Localhost";
    const podProfile = rec(spec.securityContext).appArmorProfile;
    if (badType(podProfile)) bad.push(`pod must not set securityContext.appArmorProfile.type to ${JSON.stringify(rec(podProfile).type)}`);
    const badCs = cs.filter((c) => badType(c.sc.appArmorProfile));
    if (badCs.length > 0) bad.push(`${containersText(badCs)} must not set securityContext.appArmorProfile.type to ${quoted(uniqueSorted(badCs.map((c) => String(rec(c.sc.appArmorProfile).type))))}`);
    for (const [k, v] of Object.entries(rec(meta.annotations))) {
      if (!k.startsWith("container.apparmor.security.beta.kubernetes.io/")) continue;
      const value = String(v);
      if (value !== "runtime/default" && !value.startsWith("localhost/")) bad.push(`${k}=${JSON.stringify(value)}`);
    }
    return bad.length > 0 ? { id: "appArmorProfile", reason: pluralVerb(bad.length, "forbidden AppArmor profile", "forbidden AppArmor profiles"), detail: bad.join(", ") } : undefined;
  },
  capabilities_baseline(_spec, _meta, cs) {
    const bad = cs.filter((c) => list(rec(c.sc.capabilities).add).some((cap) => !BASELINE_CAPABILITIES.includes(String(cap))));
    if (bad.length === 0) return undefined;
    const caps = uniqueSorted(bad.flatMap((c) => list(rec(c.sc.capabilities).add).map(String).filter((cap) => !BASELINE_CAPABILITIES.includes(cap))));
    return { id: "capabilities_baseline", reason: "non-default capabilities", detail: `${containersText(bad)} must not include ${quoted(caps)} in securityContext.capabilities.add` };
  },
  hostNamespaces(spec) {
    const set = ["hostNetwork", "hostPID", "hostIPC"].filter((f) => spec[f] === true);
    return set.length > 0 ? { id: "hostNamespaces", reason: "host namespaces", detail: set.map((f) => `${f}=true`).join(", ") } : undefined;
  },
  hostPathVolumes(spec, _meta, _cs, opts) {
    const bad = list(spec.volumes)
      .filter(isRec)
      .filter((v) => v.hostPath !== undefined)
      .filter((v) => {
        const p = rec(v.hostPath).path;
        return !(typeof p === "string" && opts.allowedHostPaths?.length && opts.hostPathAllowed?.(p, opts.allowedHostPaths));
      })
      .map((v) => String(v.name ?? ""));
    return bad.length > 0 ? { id: "hostPathVolumes", reason: "hostPath volumes", detail: `${pluralVerb(bad.length, "volume", "volumes")} ${quoted(bad)}` } : undefined;
  },
  hostPorts(_spec, _meta, cs) {
    const ports = (c: Container) => list(c.raw.ports).filter(isRec).map((p) => Number(p.hostPort ?? 0)).filter((p) => p !== 0);
    const bad = cs.filter((c) => ports(c).length > 0);
    if (bad.length === 0) return undefined;
    const all = [...new Set(bad.flatMap(ports))].sort((a, b) => a - b);
    const verb = pluralVerb(bad.length, "uses", "use");
    return { id: "hostPorts", reason: "hostPort", detail: `${containersText(bad)} ${verb} ${pluralVerb(all.length, "hostPort", "hostPorts")} ${all.join(", ")}` };
  },
  privileged(_spec, _meta, cs) {
    const bad = cs.filter((c) => c.sc.privileged === true);
    return bad.length > 0 ? { id: "privileged", reason: "privileged", detail: `${containersText(bad)} must not set securityContext.privileged=true` } : undefined;
  },
  procMount(_spec, _meta, cs) {
    const bad = cs.filter((c) => c.sc.procMount !== undefined && c.sc.procMount !== "Default");
    if (bad.length === 0) return undefined;
    return { id: "procMount", reason: "procMount", detail: `${containersText(bad)} must not set securityContext.procMount to ${quoted(uniqueSorted(bad.map((c) => String(c.sc.procMount))))}` };
  },
  seLinuxOptions(spec, _meta, cs) {
    const badOpts = (o: unknown) => isRec(o) && (!SELINUX_TYPES.has(String(o.type ?? "")) || o.user !== undefined || o.role !== undefined);
    const podBad = badOpts(rec(spec.securityContext).seLinuxOptions);
    const bad = cs.filter((c) => badOpts(c.sc.seLinuxOptions));
    if (!podBad && bad.length === 0) return undefined;
    const who = [podBad ? "pod" : "", bad.length > 0 ? containersText(bad) : ""].filter(Boolean).join(" and ");
    return { id: "seLinuxOptions", reason: "seLinuxOptions", detail: `${who} set forbidden securityContext.seLinuxOptions` };
  },
  seccompProfile_baseline(spec, _meta, cs) {
    const unconfined = (p: unknown) => isRec(p) && p.type === "Unconfined";
    const parts: string[] = [];
    if (unconfined(rec(spec.securityContext).seccompProfile)) parts.push('pod must not set securityContext.seccompProfile.type to "Unconfined"');
    const bad = cs.filter((c) => unconfined(c.sc.seccompProfile));
    if (bad.length > 0) parts.push(`${containersText(bad)} must not set securityContext.seccompProfile.type to "Unconfined"`);
    return parts.length > 0 ? { id: "seccompProfile_baseline", reason: "seccompProfile", detail: parts.join("; ") } : undefined;
  },
  sysctls(spec) {
    const bad = list(rec(spec.securityContext).sysctls)
      .filter(isRec)
      .map((s) => String(s.name ?? ""))
      .filter((n) => !SAFE_SYSCTLS.has(n));
    return bad.length > 0 ? { id: "sysctls", reason: "forbidden sysctls", detail: bad.join(", ") } : undefined;
  },
  windowsHostProcess(spec, _meta, cs) {
    const podBad = rec(rec(spec.securityContext).windowsOptions).hostProcess === true;
    const bad = cs.filter((c) => rec(c.sc.windowsOptions).hostProcess === true);
    if (!podBad && bad.length === 0) return undefined;
    const who = [podBad ? "pod" : "", bad.length > 0 ? containersText(bad) : ""].filter(Boolean).join(" and ");
    return { id: "windowsHostProcess", reason: "hostProcess", detail: `${who} must not set securityContext.windowsOptions.hostProcess=true` };
  },
};

const restricted: Record<string, Check> = {
  allowPrivilegeEscalation(_spec, _meta, cs) {
    const bad = cs.filter((c) => c.sc.allowPrivilegeEscalation !== false);
    return bad.length > 0
      ? { id: "allowPrivilegeEscalation", reason: "allowPrivilegeEscalation != false", detail: `${containersText(bad)} must set securityContext.allowPrivilegeEscalation=false` }
      : undefined;
  },
  capabilities_restricted(_spec, _meta, cs) {
    const parts: string[] = [];
    const noDrop = cs.filter((c) => !list(rec(c.sc.capabilities).drop).some((d) => d === "ALL"));
    if (noDrop.length > 0) parts.push(`${containersText(noDrop)} must set securityContext.capabilities.drop=["ALL"]`);
    const adds = (c: Container) => list(rec(c.sc.capabilities).add).map(String).filter((cap) => cap !== "NET_BIND_SERVICE");
    const badAdd = cs.filter((c) => adds(c).length > 0);
    if (badAdd.length > 0) parts.push(`${containersText(badAdd)} must not include ${quoted(uniqueSorted(badAdd.flatMap(adds)))} in securityContext.capabilities.add`);
    return parts.length > 0 ? { id: "capabilities_restricted", reason: "unrestricted capabilities", detail: parts.join("; ") } : undefined;
  },
  restrictedVolumes(spec) {
    const bad: Array<[string, string]> = [];
    for (const v of list(spec.volumes).filter(isRec)) {
      const type = Object.keys(v).find((k) => k !== "name");
      if (type !== undefined && !RESTRICTED_VOLUME_TYPES.has(type)) bad.push([String(v.name ?? ""), type]);
    }
    if (bad.length === 0) return undefined;
    const types = uniqueSorted(bad.map(([, t]) => t));
    const n = bad.length;
    return {
      id: "restrictedVolumes",
      reason: "restricted volume types",
      detail: `${pluralVerb(n, "volume", "volumes")} ${quoted(bad.map(([name]) => name))} ${pluralVerb(n, "uses", "use")} ${pluralVerb(types.length, "restricted volume type", "restricted volume types")} ${quoted(types)}`,
    };
  },
  runAsNonRoot(spec, _meta, cs) {
    const pod = rec(spec.securityContext).runAsNonRoot;
    const parts: string[] = [];
    if (pod === false) parts.push("pod must not set securityContext.runAsNonRoot=false");
    const explicitFalse = cs.filter((c) => c.sc.runAsNonRoot === false);
    if (explicitFalse.length > 0) parts.push(`${containersText(explicitFalse)} must not set securityContext.runAsNonRoot=false`);
    if (pod !== true) {
      const unset = cs.filter((c) => c.sc.runAsNonRoot === undefined);
      if (unset.length > 0) parts.push(`pod or ${containersText(unset)} must set securityContext.runAsNonRoot=true`);
    }
    return parts.length > 0 ? { id: "runAsNonRoot", reason: "runAsNonRoot != true", detail: parts.join("; ") } : undefined;
  },
  runAsUser(spec, _meta, cs) {
    const parts: string[] = [];
    if (rec(spec.securityContext).runAsUser === 0) parts.push("pod must not set runAsUser=0");
    const bad = cs.filter((c) => c.sc.runAsUser === 0);
    if (bad.length > 0) parts.push(`${containersText(bad)} must not set runAsUser=0`);
    return parts.length > 0 ? { id: "runAsUser", reason: "runAsUser=0", detail: parts.join("; ") } : undefined;
  },
  seccompProfile_restricted(spec, _meta, cs) {
    const valid = (p: unknown) => isRec(p) && (p.type === "RuntimeDefault" || p.type === "Localhost");
    const podProfile = rec(spec.securityContext).seccompProfile;
    const parts: string[] = [];
    if (isRec(podProfile) && !valid(podProfile)) parts.push(`pod must not set securityContext.seccompProfile.type to ${JSON.stringify(podProfile.type)}`);
    const explicitBad = cs.filter((c) => isRec(c.sc.seccompProfile) && !valid(c.sc.seccompProfile));
    if (explicitBad.length > 0) {
      parts.push(`${containersText(explicitBad)} must not set securityContext.seccompProfile.type to ${quoted(uniqueSorted(explicitBad.map((c) => String(rec(c.sc.seccompProfile).type))))}`);
    }
    if (!valid(podProfile)) {
      const unset = cs.filter((c) => c.sc.seccompProfile === undefined);
      if (unset.length > 0) parts.push(`pod or ${containersText(unset)} must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost"`);
    }
    return parts.length > 0 ? { id: "seccompProfile_restricted", reason: "seccompProfile", detail: parts.join("; ") } : undefined;
  },
};

/** Checks restricted replaces rather than adds to. */
const REPLACED_BY_RESTRICTED = new Set(["capabilities_baseline", "seccompProfile_baseline"]);

/** Every violation of `level` by one pod (metadata + spec), sorted by check ID. */
export function checkPod(meta: unknown, spec: unknown, level: Level, opts: CheckOptions = {}): Violation[] {
  if (level === "privileged") return [];
  const s = rec(spec);
  const m = rec(meta);
  const cs = containersOf(s);
  const checks = Object.entries(baseline).filter(([id]) => level === "baseline" || !REPLACED_BY_RESTRICTED.has(id));
  if (level === "restricted") checks.push(...Object.entries(restricted));
  checks.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const out: Violation[] = [];
  for (const [, check] of checks) {
    const v = check(s, m, cs, opts);
    if (v) out.push(v);
  }
  return out;
}

/** `host namespaces (hostNetwork=true), privileged (container "c" must not set …)`. */
export function violationsText(vs: readonly Violation[]): string {
  return vs.map((v) => `${v.reason} (${v.detail})`).join(", ");
}

/** The least strict level that still refuses nothing here: what a namespace label must say to allow the pod. */
export function levelAllowing(meta: unknown, spec: unknown, opts: CheckOptions = {}): Level {
  if (checkPod(meta, spec, "restricted", opts).length === 0) return "restricted";
  if (checkPod(meta, spec, "baseline", opts).length === 0) return "baseline";
  return "privileged";
}
