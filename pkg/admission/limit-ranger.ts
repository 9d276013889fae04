// The LimitRanger admission plugin (Kubernetes' plugin/pkg/admission/limitranger):
// on pod creation, containers without requests or limits get the namespace's
// LimitRange defaults (default → limits, defaultRequest → requests), then every
// Container and Pod min/max/maxLimitRequestRatio is enforced with Kubernetes'
// messages (`maximum memory usage per Container is 1Gi, but limit is 2Gi`).
//
// Only pod creation is handled: containers cannot be added or resized later,
// so an update has nothing new to default or check (Kubernetes skips it too).
import { R, resourceKey } from "../api/kinds.js";
import { Quantity, quantityFrom } from "../api/quantity.js";
import type { KubeObject } from "../api/types.js";
import { qosClass } from "../api/qos.js";
import type { AdmissionAttributes, AdmissionPlugin } from "../apiserver/registry.js";
import type { Store } from "../store/store.js";
import { aggregateMessage, forbidden } from "./forbidden.js";

type Raw = Record<string, string | number>;

export interface LimitRangeItem {
  type?: string;
  max?: Raw;
  min?: Raw;
  default?: Raw;
  defaultRequest?: Raw;
  maxLimitRequestRatio?: Raw;
}

export interface LimitRangeLike extends KubeObject {
  spec?: { limits?: LimitRangeItem[] };
}

interface Container {
  name?: string;
  resources?: { requests?: Raw; limits?: Raw };
}

interface PodShape {
  metadata: KubeObject["metadata"];
  spec?: { containers?: Container[]; initContainers?: Container[] };
  status?: Record<string, unknown>;
}

export const LIMIT_RANGER_ANNOTATION = "kubernetes.io/limit-ranger";

function q(v: string | number | undefined): Quantity | undefined {
  if (v === undefined || v === null) return undefined;
  try {
    return quantityFrom(v);
  } catch {
    return undefined;
  }
}

/** The defaults every container gets (defaultContainerResourceRequirements): later LimitRanges win. */
function containerDefaults(ranges: LimitRangeLike[]): { requests: Raw; limits: Raw } {
  const requests: Raw = {};
  const limits: Raw = {};
  for (const lr of ranges) {
    for (const item of lr.spec?.limits ?? []) {
      if (item.type !== "Container") continue;
      Object.assign(requests, item.defaultRequest ?? {});
      Object.assign(limits, item.default ?? {});
    }
  }
  return { requests, limits };
}

/** mergeContainerResources: fill what the container left out; returns the annotation fragments. */
function mergeDefaults(c: Container, defaults: { requests: Raw; limits: Raw }, what: string): string[] {
  const setRequests: string[] = [];
  const setLimits: string[] = [];
  const resources = (c.resources ??= {});
  for (const [k, v] of Object.entries(defaults.limits)) {
    resources.limits ??= {};
    if (resources.limits[k] === undefined) {
      resources.limits[k] = String(v);
      setLimits.push(k);
    }
  }
  for (const [k, v] of Object.entries(defaults.requests)) {
    resources.requests ??= {};
    if (resources.requests[k] === undefined) {
      resources.requests[k] = String(v);
      setRequests.push(k);
    }
  }
  const out: string[] = [];
  if (setRequests.length > 0) out.push(`${setRequests.sort().join(", ")} request for ${what} ${c.name ?? ""}`);
  if (setLimits.length > 0) out.push(`${setLimits.sort().join(", ")} limit for ${what} ${c.name ?? ""}`);
  return out;
}

/** Apply the namespace's defaults to a pod in place (mergePodResourceRequirements). */
export function applyLimitRangeDefaults(pod: KubeObject, ranges: LimitRangeLike[]): void {
  const defaults = containerDefaults(ranges);
  if (Object.keys(defaults.requests).length === 0 && Object.keys(defaults.limits).length === 0) return;
  const p = pod as PodShape;
  const notes: string[] = [];
  for (const c of p.spec?.containers ?? []) notes.push(...mergeDefaults(c, defaults, "container"));
  for (const c of p.spec?.initContainers ?? []) notes.push(...mergeDefaults(c, defaults, "init container"));
  if (notes.length > 0) {
    p.metadata.annotations = { ...(p.metadata.annotations ?? {}), [LIMIT_RANGER_ANNOTATION]: `LimitRanger plugin set: ${notes.join("; ")}` };
  }
}

function minConstraint(type: string, resource: string, enforced: Quantity, requests: Raw, limits: Raw): string | undefined {
  const req = q(requests[resource]);
  const lim = q(limits[resource]);
  if (!req) return `minimum ${resource} usage per ${type} is ${enforced}.  No request is specified`;
  if (req.cmp(enforced) < 0) return `minimum ${resource} usage per ${type} is ${enforced}, but request is ${req}`;
  if (lim && lim.cmp(enforced) < 0) return `minimum ${resource} usage per ${type} is ${enforced}, but limit is ${lim}`;
  return undefined;
}

function maxConstraint(type: string, resource: string, enforced: Quantity, requests: Raw, limits: Raw): string | undefined {
  const req = q(requests[resource]);
  const lim = q(limits[resource]);
  if (!lim) return `maximum ${resource} usage per ${type} is ${enforced}.  No limit is specified`;
  if (lim.cmp(enforced) > 0) return `maximum ${resource} usage per ${type} is ${enforced}, but limit is ${lim}`;
  if (req && req.cmp(enforced) > 0) return `maximum ${resource} usage per ${type} is ${enforced}, but request is ${req}`;
  return undefined;
}

function ratioConstraint(type: string, resource: string, enforced: Quantity, requests: Raw, limits: Raw): string | undefined {
  const req = q(requests[resource]);
  const lim = q(limits[resource]);
  if (!req || req.isZero()) return `${resource} max limit to request ratio per ${type} is ${enforced}, but no request is specified or request is 0`;
  if (!lim || lim.isZero()) return `${resource} max limit to request ratio per ${type} is ${enforced}, but no limit is specified or limit is 0`;
  const ratio = Number(lim.milliValue()) / Number(req.milliValue());
  if (ratio * 1000 > Number(enforced.milliValue())) {
    return `${resource} max limit to request ratio per ${type} is ${enforced}, but provided ratio is ${ratio.toFixed(6)}`;
  }
  return undefined;
}

function checkItem(item: LimitRangeItem, type: string, requests: Raw, limits: Raw): string[] {
  const errs: string[] = [];
  const each = (raw: Raw | undefined, fn: typeof minConstraint) => {
    for (const k of Object.keys(raw ?? {}).sort()) {
      const enforced = q(raw![k]);
      const e = enforced && fn(type, k, enforced, requests, limits);
      if (e) errs.push(e);
    }
  };
  each(item.min, minConstraint);
  each(item.max, maxConstraint);
  each(item.maxLimitRequestRatio, ratioConstraint);
  return errs;
}

/** Σ containers, at least each init container (the pod's effective requests or limits). */
function podTotals(p: PodShape, which: "requests" | "limits"): Raw {
  const sum = new Map<string, Quantity>();
  for (const c of p.spec?.containers ?? []) {
    for (const [k, v] of Object.entries(c.resources?.[which] ?? {})) {
      const x = q(v);
      if (x) sum.set(k, (sum.get(k) ?? Quantity.zero).add(x));
    }
  }
  for (const c of p.spec?.initContainers ?? []) {
    for (const [k, v] of Object.entries(c.resources?.[which] ?? {})) {
      const x = q(v);
      if (x && (!sum.has(k) || sum.get(k)!.cmp(x) < 0)) sum.set(k, x);
    }
  }
  return Object.fromEntries([...sum].map(([k, v]) => [k, v.toString()]));
}

/** The violations of one LimitRange by a pod (PodValidateLimitFunc), in a stable order. */
export function limitRangeViolations(pod: KubeObject, lr: LimitRangeLike): string[] {
  const p = pod as PodShape;
  const errs: string[] = [];
  for (const item of lr.spec?.limits ?? []) {
    if (item.type === "Container") {
      for (const c of [...(p.spec?.containers ?? []), ...(p.spec?.initContainers ?? [])]) {
        errs.push(...checkItem(item, "Container", c.resources?.requests ?? {}, c.resources?.limits ?? {}));
      }
    } else if (item.type === "Pod") {
      errs.push(...checkItem(item, "Pod", podTotals(p, "requests"), podTotals(p, "limits")));
    }
  }
  return errs;
}

export class LimitRanger implements AdmissionPlugin {
  readonly name = "LimitRanger";

  constructor(private readonly store: Store) {}

  async admit(a: AdmissionAttributes): Promise<void> {
    if (a.operation !== "CREATE" || a.info.kind !== "Pod" || a.info.group !== "" || a.subresource || !a.object || !a.namespace) return;
    const ranges = (await this.store.list(resourceKey(R.limitranges), { namespace: a.namespace })).items as LimitRangeLike[];
    if (ranges.length === 0) return;
    const pod = a.object;
    applyLimitRangeDefaults(pod, ranges);
    // The QoS class was worked out before the defaults landed; it follows the final resources.
    const status = (pod.status ?? {}) as Record<string, unknown>;
    if (status.qosClass !== undefined) status.qosClass = qosClass(pod.spec);
    for (const lr of ranges) {
      const errs = limitRangeViolations(pod, lr);
      if (errs.length > 0) throw forbidden(a.info, a.name, aggregateMessage(errs));
    }
  }
}
