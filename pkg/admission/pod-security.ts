// The PodSecurity admission plugin: refuses pod settings that let a workload
// escape onto the host unless the cluster admin has enabled them — privileged
// containers, the host's network/PID/IPC namespaces, capabilities beyond
// Kubernetes' "baseline" set, and hostPath volumes outside an allow-list.
// Kubernetes' baseline Pod Security Standard, enforced on pods and on every
// pod template (Deployment, ReplicaSet, DaemonSet, StatefulSet, Job, CronJob),
// so a bad template is refused at apply time rather than by a controller later.
//
// Runs before validation, so every read tolerates malformed input.
import { posix } from "node:path";
import type { KubeObject } from "../api/types.js";
import type { AdmissionAttributes, AdmissionPlugin } from "../apiserver/registry.js";
import { jsonEqual } from "../util/json-equal.js";
import { forbidden } from "./forbidden.js";

export interface PodSecurityOptions {
  /** Allow privileged containers, host namespaces and any capability (default false; env SKIFF_ALLOW_PRIVILEGED=1). */
  allowPrivileged?: boolean;
  /**
   * Host directories hostPath volumes may use (the path or anything under it).
   * Default: none; env SKIFF_ALLOWED_HOST_PATHS (colon-separated).
   */
  allowedHostPaths?: string[];
}

/** Kubernetes' baseline policy: capabilities a container may add without being privileged. */
export const BASELINE_CAPABILITIES: readonly string[] = [
  "AUDIT_WRITE", "CHOWN", "DAC_OVERRIDE", "FOWNER", "FSETID", "KILL", "MKNOD",
  "NET_BIND_SERVICE", "SETFCAP", "SETGID", "SETPCAP", "SETUID", "SYS_CHROOT",
];

type Rec = Record<string, unknown>;
const isRec = (v: unknown): v is Rec => v !== null && typeof v === "object" && !Array.isArray(v);
const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

/** Where each kind keeps its pod spec, as a field path. */
const POD_SPEC_PATHS: Record<string, string[]> = {
  Pod: ["spec"],
  Deployment: ["spec", "template", "spec"],
  ReplicaSet: ["spec", "template", "spec"],
  DaemonSet: ["spec", "template", "spec"],
  StatefulSet: ["spec", "template", "spec"],
  Job: ["spec", "template", "spec"],
  CronJob: ["spec", "jobTemplate", "spec", "template", "spec"],
};

function podSpecOf(kind: string, obj: KubeObject | undefined): { spec: Rec; path: string } | undefined {
  const path = POD_SPEC_PATHS[kind];
  if (!path || !obj) return undefined;
  let cur: unknown = obj;
  for (const k of path) cur = isRec(cur) ? cur[k] : undefined;
  return isRec(cur) ? { spec: cur, path: path.join(".") } : undefined;
}

export function optionsFromEnv(env: NodeJS.ProcessEnv = process.env): PodSecurityOptions {
  return {
    allowPrivileged: env.SKIFF_ALLOW_PRIVILEGED === "1" || env.SKIFF_ALLOW_PRIVILEGED === "true",
    allowedHostPaths: (env.SKIFF_ALLOWED_HOST_PATHS ?? "").split(":").filter((p) => p !== ""),
  };
}

/** True when `p` is one of the allowed directories or inside one (after resolving "..", path-component-wise). */
export function hostPathAllowed(p: string, allowed: readonly string[]): boolean {
  if (!p.startsWith("/")) return false;
  const norm = posix.normalize(p).replace(/\/+$/, "") || "/";
  return allowed.some((a) => {
    const base = posix.normalize(a).replace(/\/+$/, "") || "/";
    return base === "/" || norm === base || norm.startsWith(base + "/");
  });
}

/** Every baseline violation in one pod spec, as "field.path: why" lines. */
export function podSpecViolations(spec: Rec, path: string, opts: Required<PodSecurityOptions>): string[] {
  const out: string[] = [];
  const hint = "the cluster admin can allow it (SKIFF_ALLOW_PRIVILEGED=1 when starting skiff)";
  if (!opts.allowPrivileged) {
    for (const f of ["hostNetwork", "hostPID", "hostIPC"]) {
      if (spec[f] === true) out.push(`${path}.${f}: sharing the host's ${f.slice(4)} namespace is not allowed; ${hint}`);
    }
    for (const field of ["initContainers", "containers", "ephemeralContainers"]) {
      list(spec[field]).forEach((c, i) => {
        if (!isRec(c) || !isRec(c.securityContext)) return;
        const sc = c.securityContext;
        const at = `${path}.${field}[${i}].securityContext`;
        if (sc.privileged === true) out.push(`${at}.privileged: privileged containers are not allowed; ${hint}`);
        const add = isRec(sc.capabilities) ? list(sc.capabilities.add) : [];
        const extra = add.filter((cap) => !BASELINE_CAPABILITIES.includes(String(cap).toUpperCase().replace(/^CAP_/, "")));
        if (extra.length > 0) {
          out.push(`${at}.capabilities.add: adding ${extra.map((x) => JSON.stringify(x)).join(", ")} is not allowed (allowed: ${BASELINE_CAPABILITIES.join(", ")}); ${hint}`);
        }
      });
    }
  }
  list(spec.volumes).forEach((v, i) => {
    if (!isRec(v) || v.hostPath === undefined) return;
    const hp = isRec(v.hostPath) ? v.hostPath.path : undefined;
    if (typeof hp === "string" && hostPathAllowed(hp, opts.allowedHostPaths)) return;
    const allowedText = opts.allowedHostPaths.length > 0 ? `allowed: ${opts.allowedHostPaths.join(", ")}` : "no host paths are allowed";
    out.push(
      `${path}.volumes[${i}].hostPath.path: hostPath volume ${JSON.stringify(hp)} is not allowed (${allowedText}); ` +
        "the cluster admin can allow directories (SKIFF_ALLOWED_HOST_PATHS=/dir1:/dir2 when starting skiff)",
    );
  });
  return out;
}

export class PodSecurity implements AdmissionPlugin {
  readonly name = "PodSecurity";
  private readonly opts: Required<PodSecurityOptions>;

  constructor(opts: PodSecurityOptions = {}) {
    this.opts = { allowPrivileged: opts.allowPrivileged ?? false, allowedHostPaths: opts.allowedHostPaths ?? [] };
  }

  admit(a: AdmissionAttributes): void {
    if (a.operation === "DELETE" || a.subresource) return;
    const found = podSpecOf(a.info.kind, a.object);
    if (!found) return;
    // An update that leaves the pod spec alone is not re-judged: objects admitted
    // under a looser policy can still be scaled, labelled and deleted.
    if (a.operation === "UPDATE" && jsonEqual(found.spec, podSpecOf(a.info.kind, a.oldObject)?.spec)) return;
    const violations = podSpecViolations(found.spec, found.path, this.opts);
    if (violations.length > 0) {
      throw forbidden(a.info, a.name ?? a.object?.metadata?.name, `violates PodSecurity "baseline": ${violations.join("; ")}`);
    }
  }
}
