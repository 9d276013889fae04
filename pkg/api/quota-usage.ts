// What an object consumes of a ResourceQuota, as Kubernetes' quota evaluators
// compute it (pkg/quota/v1/evaluator/core/pods.go, services.go, and the generic
// object-count evaluator). Shared by the ResourceQuota admission plugin and the
// quota controller, so "used" means the same thing in both places. Pure: reads
// objects, never the cluster.
import { byGroupPlural, RESOURCES, resourceKey, type ResourceInfo } from "./kinds.js";
import { Quantity, quantityFrom } from "./quantity.js";
import type { KubeObject } from "./types.js";

/** Resource name → amount ("requests.cpu" → 500m). */
export type ResourceList = Record<string, Quantity>;

interface ContainerShape {
  name?: string;
  resources?: { requests?: Record<string, string | number>; limits?: Record<string, string | number> };
  restartPolicy?: string;
}

interface PodShape {
  spec?: { containers?: ContainerShape[]; initContainers?: ContainerShape[]; overhead?: Record<string, string | number> };
  status?: { phase?: string };
}

/** Legacy quota names that count objects like count/<resource> does. */
const LEGACY_COUNT: Record<string, string> = {
  configmaps: "configmaps",
  secrets: "secrets",
  resourcequotas: "resourcequotas",
  persistentvolumeclaims: "persistentvolumeclaims",
  replicationcontrollers: "replicationcontrollers",
};

/** The names whose presence on a quota makes every container declare requests or limits. */
const CONTAINER_CONSTRAINED = new Set(["cpu", "memory", "requests.cpu", "requests.memory", "limits.cpu", "limits.memory"]);

/** "count/pods", "count/deployments.apps": the object-count name for a resource. */
export function countName(info: Pick<ResourceInfo, "group" | "plural">): string {
  return `count/${info.plural}${info.group ? `.${info.group}` : ""}`;
}

function qty(v: string | number | undefined): Quantity | undefined {
  if (v === undefined || v === null) return undefined;
  try {
    return quantityFrom(v);
  } catch {
    return undefined; // validation rejects bad quantities; usage just ignores them
  }
}

function addTo(list: ResourceList, name: string, q: Quantity): void {
  list[name] = list[name] ? list[name].add(q) : q;
}

/** Sum of two lists (every name in either). */
export function addLists(a: ResourceList, b: ResourceList): ResourceList {
  const out: ResourceList = { ...a };
  for (const [k, v] of Object.entries(b)) addTo(out, k, v);
  return out;
}

/** Only the names in `names`. */
export function maskList(list: ResourceList, names: Iterable<string>): ResourceList {
  const out: ResourceList = {};
  for (const n of names) if (list[n]) out[n] = list[n];
  return out;
}

/** Parse a quota's spec.hard (bad entries are skipped; validation reports them). */
export function parseResourceList(raw: Record<string, string | number> | undefined): ResourceList {
  const out: ResourceList = {};
  for (const [k, v] of Object.entries(raw ?? {})) {
    const q = qty(v);
    if (q) out[k] = q;
  }
  return out;
}

/** Render as the API stores it. */
export function listToStrings(list: ResourceList): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of Object.keys(list).sort()) out[k] = list[k].toString();
  return out;
}

/** "a=1,b=2", sorted by name: how quota errors print lists (quota.prettyPrint). */
export function prettyPrint(list: ResourceList): string {
  return Object.keys(list)
    .sort()
    .map((k) => `${k}=${list[k].toString()}`)
    .join(",");
}

/**
 * QuotaV1Pod: pods that finished (or are past their deletion grace period) no
 * longer hold compute resources; they still count in count/pods while stored.
 */
export function podHoldsCompute(pod: KubeObject, nowMs: number): boolean {
  const phase = (pod as PodShape).status?.phase;
  if (phase === "Succeeded" || phase === "Failed") return false;
  const del = pod.metadata.deletionTimestamp;
  const grace = pod.metadata.deletionGracePeriodSeconds;
  if (del && grace !== undefined && grace !== null) {
    const deadline = Date.parse(del) + grace * 1000;
    if (Number.isFinite(deadline) && nowMs > deadline) return false;
  }
  return true;
}

/** Requests or limits of a pod: Σ app containers, at least each init container's, plus overhead (PodRequests). */
function podResources(pod: PodShape, which: "requests" | "limits"): ResourceList {
  const sum: ResourceList = {};
  for (const c of pod.spec?.containers ?? []) {
    for (const [k, v] of Object.entries(c.resources?.[which] ?? {})) {
      const q = qty(v);
      if (q) addTo(sum, k, q);
    }
  }
  // Sidecars (restartPolicy Always) run alongside the app containers: they add up.
  for (const c of pod.spec?.initContainers ?? []) {
    if (c.restartPolicy !== "Always") continue;
    for (const [k, v] of Object.entries(c.resources?.[which] ?? {})) {
      const q = qty(v);
      if (q) addTo(sum, k, q);
    }
  }
  for (const c of pod.spec?.initContainers ?? []) {
    if (c.restartPolicy === "Always") continue;
    for (const [k, v] of Object.entries(c.resources?.[which] ?? {})) {
      const q = qty(v);
      if (q && (!sum[k] || sum[k].cmp(q) < 0)) sum[k] = q;
    }
  }
  for (const [k, v] of Object.entries(pod.spec?.overhead ?? {})) {
    const q = qty(v);
    if (q && sum[k]) addTo(sum, k, q);
  }
  return sum;
}

/** podComputeUsageHelper: the quota names one set of requests and limits uses. */
function computeUsage(requests: ResourceList, limits: ResourceList): ResourceList {
  const out: ResourceList = { pods: Quantity.fromValue(1) };
  for (const r of ["cpu", "memory", "ephemeral-storage"]) {
    if (requests[r]) {
      if (r !== "ephemeral-storage") out[r] = requests[r];
      out[`requests.${r}`] = requests[r];
    }
    if (limits[r]) out[`limits.${r}`] = limits[r];
  }
  // Extended resources can only be quota'd by their requests.* name.
  for (const [k, v] of Object.entries(requests)) {
    if (!["cpu", "memory", "ephemeral-storage"].includes(k) && k.includes("/")) out[`requests.${k}`] = v;
  }
  return out;
}

/** What one pod uses (PodUsageFunc). */
export function podUsage(pod: KubeObject, nowMs: number): ResourceList {
  const out: ResourceList = { "count/pods": Quantity.fromValue(1) };
  if (!podHoldsCompute(pod, nowMs)) return out;
  const p = pod as PodShape;
  return { ...out, ...computeUsage(podResources(p, "requests"), podResources(p, "limits")) };
}

function serviceUsage(svc: KubeObject): ResourceList {
  const spec = (svc.spec ?? {}) as { type?: string; ports?: Array<{ nodePort?: number }> };
  const out: ResourceList = { services: Quantity.fromValue(1), "count/services": Quantity.fromValue(1) };
  const type = spec.type ?? "ClusterIP";
  if (type === "LoadBalancer") out["services.loadbalancers"] = Quantity.fromValue(1);
  if (type === "NodePort" || type === "LoadBalancer") out["services.nodeports"] = Quantity.fromValue((spec.ports ?? []).length);
  return out;
}

/** What one object of kind `info` uses of a quota. */
export function objectUsage(info: ResourceInfo, obj: KubeObject, nowMs: number): ResourceList {
  if (info.kind === "Pod" && info.group === "") return podUsage(obj, nowMs);
  if (info.kind === "Service" && info.group === "") return serviceUsage(obj);
  const out: ResourceList = { [countName(info)]: Quantity.fromValue(1) };
  if (info.group === "" && LEGACY_COUNT[info.plural]) out[LEGACY_COUNT[info.plural]] = Quantity.fromValue(1);
  return out;
}

/** The resource a quota name is about ("requests.cpu" → pods, "count/deployments.apps" → deployments). */
export function resourceForQuotaName(name: string): ResourceInfo | undefined {
  if (name.startsWith("count/")) {
    const [plural, ...group] = name.slice("count/".length).split(".");
    const g = group.join(".");
    return RESOURCES.find((r) => r.plural === plural && r.group === g);
  }
  if (name === "pods" || CONTAINER_CONSTRAINED.has(name) || name.startsWith("requests.") || name.startsWith("limits.")) {
    return byGroupPlural("", "v1", "pods");
  }
  if (name === "services" || name.startsWith("services.")) return byGroupPlural("", "v1", "services");
  if (LEGACY_COUNT[name]) return RESOURCES.find((r) => r.group === "" && r.plural === name);
  return undefined;
}

/** The kinds whose objects must be counted to know the usage of these quota names. */
export function resourcesForQuota(names: Iterable<string>): ResourceInfo[] {
  const out = new Map<string, ResourceInfo>();
  for (const n of names) {
    const info = resourceForQuotaName(n);
    if (info) out.set(resourceKey(info), info);
  }
  return [...out.values()];
}

/** Σ usage of `objects` (all of kind `info`), masked to `names`. */
export function usageOf(info: ResourceInfo, objects: readonly KubeObject[], names: ReadonlySet<string>, nowMs: number): ResourceList {
  const out: ResourceList = {};
  for (const o of objects) {
    for (const [k, v] of Object.entries(objectUsage(info, o, nowMs))) if (names.has(k)) addTo(out, k, v);
  }
  return out;
}

/**
 * The "must specify" check (podEvaluator.Constraints): when a quota limits cpu
 * or memory, each container must declare that request or limit. Returns the
 * message ("must specify limits.cpu for: web; requests.memory for: web,db") or
 * undefined when the pod complies.
 */
export function podConstraintViolation(pod: KubeObject, quotaNames: Iterable<string>): string | undefined {
  const required = [...quotaNames].filter((n) => CONTAINER_CONSTRAINED.has(n));
  if (required.length === 0) return undefined;
  const missing = new Map<string, Set<string>>();
  const p = pod as PodShape;
  for (const c of [...(p.spec?.containers ?? []), ...(p.spec?.initContainers ?? [])]) {
    const have = computeUsage(parseResourceList(c.resources?.requests), parseResourceList(c.resources?.limits));
    for (const r of required) {
      if (have[r]) continue;
      let names = missing.get(r);
      if (!names) missing.set(r, (names = new Set()));
      names.add(c.name ?? "");
    }
  }
  if (missing.size === 0) return undefined;
  const parts = [...missing.keys()].sort().map((r) => `${r} for: ${[...missing.get(r)!].sort().join(",")}`);
  return `must specify ${parts.join("; ")}`;
}

/** Names in `usage` above `hard` (quota.LessThanOrEqual's "exceeded"), sorted. */
export function exceededNames(usage: ResourceList, hard: ResourceList): string[] {
  return Object.keys(usage)
    .filter((k) => hard[k] && usage[k].cmp(hard[k]) > 0)
    .sort();
}
