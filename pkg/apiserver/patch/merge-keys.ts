// Which lists a strategic merge patch merges, and by what key. In Kubernetes this
// lives in Go struct tags (`patchStrategy:"merge" patchMergeKey:"name"`); here it is
// one table. Every list not listed is atomic: a patch replaces it wholesale, which
// is also what Kubernetes does for untagged lists such as args, command, envFrom
// and tolerations.

/** How a list field is patched. */
export type ListStrategy =
  | { type: "merge"; key: string } // list of objects merged by a key field
  | { type: "set" } // list of primitives merged as a set (patchStrategy=merge, no key)
  | { type: "atomic" }; // replaced wholesale

export interface ListRule {
  /**
   * Dotted field names matched against the *end* of the field path (list indices
   * dropped), so "spec.containers" covers a Pod's spec.containers and a
   * Deployment's spec.template.spec.containers alike. The longest match wins.
   */
  path: string;
  strategy: ListStrategy;
  /** Restricts the rule to these kinds (e.g. Service's spec.ports). */
  kinds?: readonly string[];
}

const byKey = (key: string): ListStrategy => ({ type: "merge", key });
const SET: ListStrategy = { type: "set" };
const ATOMIC: ListStrategy = { type: "atomic" };

const CONTAINER_LISTS = ["containers", "initContainers", "ephemeralContainers"];

/** The built-in table, after k8s.io/api core/v1, apps/v1 and meta/v1 struct tags. */
export const LIST_RULES: readonly ListRule[] = [
  // PodSpec (inside Pods, PodTemplates and every workload's spec.template.spec)
  ...CONTAINER_LISTS.flatMap((list): ListRule[] => [
    { path: `spec.${list}`, strategy: byKey("name") },
    { path: `${list}.ports`, strategy: byKey("containerPort") },
    { path: `${list}.env`, strategy: byKey("name") },
    { path: `${list}.volumeMounts`, strategy: byKey("mountPath") },
    { path: `${list}.volumeDevices`, strategy: byKey("devicePath") },
  ]),
  { path: "spec.volumes", strategy: byKey("name") },
  { path: "spec.imagePullSecrets", strategy: byKey("name") },
  { path: "spec.hostAliases", strategy: byKey("ip") },
  { path: "spec.topologySpreadConstraints", strategy: byKey("topologyKey") },
  { path: "spec.schedulingGates", strategy: byKey("name") },
  { path: "spec.resourceClaims", strategy: byKey("name") },
  { path: "spec.tolerations", strategy: ATOMIC },
  // ObjectMeta (top level and pod templates)
  { path: "metadata.ownerReferences", strategy: byKey("uid") },
  { path: "metadata.finalizers", strategy: SET },
  // Status of Pods, Nodes, Deployments, ReplicaSets, Jobs, Namespaces …
  { path: "status.conditions", strategy: byKey("type") },
  { path: "status.podIPs", strategy: byKey("ip"), kinds: ["Pod"] },
  { path: "status.hostIPs", strategy: byKey("ip"), kinds: ["Pod"] },
  { path: "status.addresses", strategy: byKey("type"), kinds: ["Node"] },
  { path: "spec.podCIDRs", strategy: SET, kinds: ["Node"] },
  { path: "spec.ports", strategy: byKey("port"), kinds: ["Service"] },
  // Endpoints subsets stay atomic (no tag in Kubernetes either).
  { path: "subsets", strategy: ATOMIC, kinds: ["Endpoints"] },
];

/** Caller-supplied lookup (e.g. from OpenAPI x-kubernetes-patch-merge-key); undefined falls back to the table. */
export type MergeKeyLookup = (path: string[]) => string | undefined;

interface CompiledRule {
  segments: string[];
  rule: ListRule;
}

function compile(rules: readonly ListRule[]): CompiledRule[] {
  return rules.map((rule) => ({ segments: rule.path.split("."), rule }));
}

const BUILT_IN = compile(LIST_RULES);

/**
 * The strategy for the list at `path` (field names from the object root, list
 * indices dropped, e.g. ["spec","template","spec","containers","ports"]).
 */
export function listStrategyFor(path: readonly string[], kind: string, rules: readonly ListRule[] = LIST_RULES): ListStrategy {
  const compiled = rules === LIST_RULES ? BUILT_IN : compile(rules);
  let best: CompiledRule | undefined;
  for (const c of compiled) {
    if (best && c.segments.length <= best.segments.length) continue;
    if (c.rule.kinds && !c.rule.kinds.includes(kind)) continue;
    if (endsWith(path, c.segments)) best = c;
  }
  return best?.rule.strategy ?? ATOMIC;
}

function endsWith(path: readonly string[], suffix: readonly string[]): boolean {
  if (suffix.length > path.length) return false;
  const offset = path.length - suffix.length;
  return suffix.every((s, i) => path[offset + i] === s);
}
