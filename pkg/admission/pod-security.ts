// Pod Security Admission as Kubernetes has it (k8s.io/pod-security-admission):
// each namespace picks a Pod Security Standard level per mode with labels
//
//   pod-security.kubernetes.io/enforce: privileged|baseline|restricted   (+ enforce-version)
//   pod-security.kubernetes.io/warn:    …                                 (+ warn-version)
//   pod-security.kubernetes.io/audit:   …                                 (+ audit-version)
//
// and a namespace without a label gets the cluster's default (`skiff up
// --pod-security LEVEL`). enforce refuses pods (403, Kubernetes' message);
// warn answers with a Warning header kubectl prints; audit adds an annotation
// to the request's audit log line. Workload templates (Deployment, Job, …)
// are never refused — as on Kubernetes, their pods are, when the controller
// creates them — but get warnings at the enforce and warn levels.
//
// skiff's default is baseline, not Kubernetes' privileged: skiff runs on a
// workstation, and a privileged or host-namespace pod on the Docker runtime is
// a pod on the user's own machine. The refusal says which label allows it.
import { posix } from "node:path";
import { resourceKey, R } from "../api/kinds.js";
import type { KubeObject } from "../api/types.js";
import type { AdmissionAttributes, AdmissionPlugin } from "../apiserver/registry.js";
import type { Store } from "../store/store.js";
import { jsonEqual } from "../util/json-equal.js";
import { forbidden } from "./forbidden.js";
import { checkPod, levelAllowing, LEVELS, violationsText, type CheckOptions, type Level } from "./pod-security-checks.js";

export { BASELINE_CAPABILITIES, checkPod, levelAllowing, type Level } from "./pod-security-checks.js";

export const LABEL_PREFIX = "pod-security.kubernetes.io/";
export const DEFAULT_LEVEL: Level = "baseline";
type Mode = "enforce" | "warn" | "audit";

export interface PodSecurityOptions {
  /** Level for namespaces without a label, every mode (default baseline; env SKIFF_ALLOW_PRIVILEGED=1 means privileged). */
  defaultLevel?: Level;
  /**
   * Admin exemption kept from skiff's earlier policy: hostPath volumes under
   * these directories pass baseline's hostPath check (restricted still refuses
   * every hostPath, as a volume type). Env SKIFF_ALLOWED_HOST_PATHS=/a:/b.
   */
  allowedHostPaths?: string[];
  /** Reads Namespace objects for their labels; without one every namespace gets the default. */
  store?: Store;
}

type Rec = Record<string, unknown>;
const isRec = (v: unknown): v is Rec => v !== null && typeof v === "object" && !Array.isArray(v);

/** Where each kind keeps its pod template (metadata + spec), as a path. */
const TEMPLATE_PATHS: Record<string, string[]> = {
  Pod: [],
  Deployment: ["spec", "template"],
  ReplicaSet: ["spec", "template"],
  ReplicationController: ["spec", "template"],
  DaemonSet: ["spec", "template"],
  StatefulSet: ["spec", "template"],
  Job: ["spec", "template"],
  CronJob: ["spec", "jobTemplate", "spec", "template"],
  PodTemplate: ["template"],
};

function templateOf(kind: string, obj: KubeObject | undefined): { metadata: unknown; spec: unknown } | undefined {
  const path = TEMPLATE_PATHS[kind];
  if (!path || !obj) return undefined;
  let cur: unknown = obj;
  for (const k of path) cur = isRec(cur) ? cur[k] : undefined;
  return isRec(cur) ? { metadata: cur.metadata, spec: cur.spec } : undefined;
}

export function optionsFromEnv(env: NodeJS.ProcessEnv = process.env): PodSecurityOptions {
  const privileged = env.SKIFF_ALLOW_PRIVILEGED === "1" || env.SKIFF_ALLOW_PRIVILEGED === "true";
  return {
    ...(privileged ? { defaultLevel: "privileged" as const } : {}),
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

export function isLevel(v: unknown): v is Level {
  return typeof v === "string" && (LEVELS as readonly string[]).includes(v);
}

interface ModePolicy {
  level: Level;
  /** "latest" or "v1.32": shown in messages. */
  version: string;
}

/**
 * One mode's level from the namespace labels. An invalid level counts as
 * restricted (Kubernetes: fail closed); an absent one is the default.
 */
export function policyFor(labels: Readonly<Record<string, string>> | undefined, mode: Mode, defaultLevel: Level): ModePolicy {
  const raw = labels?.[`${LABEL_PREFIX}${mode}`];
  const level = raw === undefined ? defaultLevel : isLevel(raw) ? raw : "restricted";
  const v = labels?.[`${LABEL_PREFIX}${mode}-version`];
  const version = v && /^v1\.\d+$/.test(v) ? v : "latest";
  return { level, version };
}

export class PodSecurity implements AdmissionPlugin {
  readonly name = "PodSecurity";
  private readonly defaultLevel: Level;
  private readonly checkOpts: CheckOptions;

  constructor(private readonly opts: PodSecurityOptions = {}) {
    this.defaultLevel = opts.defaultLevel ?? DEFAULT_LEVEL;
    this.checkOpts = { allowedHostPaths: opts.allowedHostPaths ?? [], hostPathAllowed };
  }

  async admit(a: AdmissionAttributes): Promise<void> {
    if (a.operation === "DELETE" || a.subresource) return;
    const kind = a.info.kind;
    const tpl = templateOf(kind, a.object);
    if (!tpl) return;
    // An update that leaves the pod spec alone is not judged again: objects
    // admitted under a looser policy can still be labelled, scaled and deleted.
    if (a.operation === "UPDATE" && jsonEqual(tpl.spec, templateOf(kind, a.oldObject)?.spec)) return;
    const labels = await this.namespaceLabels(a.namespace);
    const isPod = kind === "Pod";
    const judged = new Map<string, string>();
    const judge = (p: ModePolicy) => {
      const key = `${p.level}:${p.version}`;
      let text = judged.get(key);
      if (text === undefined) judged.set(key, (text = violationsText(checkPod(tpl.metadata, tpl.spec, p.level, this.checkOpts))));
      return text;
    };

    const enforce = policyFor(labels, "enforce", this.defaultLevel);
    const enforced = judge(enforce);
    if (isPod && enforced !== "") {
      const allowing = levelAllowing(tpl.metadata, tpl.spec, this.checkOpts);
      const ns = a.namespace ?? "default";
      throw forbidden(
        a.info,
        a.name ?? a.object?.metadata?.name,
        // Kubernetes' message word for word, then how to allow the pod the Kubernetes way.
        `violates PodSecurity "${enforce.level}:${enforce.version}": ${enforced}. ` +
          `The namespace label ${LABEL_PREFIX}enforce=${allowing} allows it: kubectl label --overwrite namespace ${ns} ${LABEL_PREFIX}enforce=${allowing}`,
      );
    }
    // Templates: what enforce would refuse in their pods is a warning now.
    if (!isPod && enforced !== "") a.ctx.warnings.push(`would violate PodSecurity "${enforce.level}:${enforce.version}": ${enforced}`);
    const warn = policyFor(labels, "warn", this.defaultLevel);
    const warned = judge(warn);
    if (warned !== "" && (isPod || warn.level !== enforce.level || warn.version !== enforce.version)) {
      a.ctx.warnings.push(`would violate PodSecurity "${warn.level}:${warn.version}": ${warned}`);
    }
    const audit = policyFor(labels, "audit", this.defaultLevel);
    const audited = judge(audit);
    if (audited !== "") {
      a.ctx.auditAnnotations = { ...a.ctx.auditAnnotations, "pod-security.kubernetes.io/audit-violations": `would violate PodSecurity "${audit.level}:${audit.version}": ${audited}` };
    }
  }

  private async namespaceLabels(namespace: string | undefined): Promise<Readonly<Record<string, string>> | undefined> {
    if (!namespace || !this.opts.store) return undefined;
    const ns = await this.opts.store.get({ resource: resourceKey(R.namespaces), namespace: "", name: namespace });
    return ns?.metadata.labels;
  }
}
