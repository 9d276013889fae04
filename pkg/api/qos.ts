// A pod's QoS class (Kubernetes' qos.GetPodQOS), the one copy the API server
// (status.qosClass on create), the agent and `describe` share. It runs on
// objects validation has not seen yet, so malformed resources count as absent
// rather than throwing.
import { QuantityError, parseQuantity, type Quantity } from "./quantity.js";

export type QosClass = "Guaranteed" | "Burstable" | "BestEffort";

/** Only these resources decide the class. */
const QOS_RESOURCES = ["cpu", "memory"] as const;

interface ContainerResources {
  resources?: { requests?: unknown; limits?: unknown } | null;
}

/** A positive quantity for `name` in a requests/limits map, or undefined (absent, zero or malformed). */
function positive(map: unknown, name: string): Quantity | undefined {
  if (map === null || typeof map !== "object" || Array.isArray(map)) return undefined;
  const raw = (map as Record<string, unknown>)[name];
  if (typeof raw !== "string" && typeof raw !== "number") return undefined;
  try {
    const q = parseQuantity(String(raw));
    return q.sign() > 0 ? q : undefined;
  } catch (e) {
    if (e instanceof QuantityError) return undefined;
    throw e;
  }
}

function containersOf(spec: unknown): ContainerResources[] {
  if (spec === null || typeof spec !== "object") return [];
  const s = spec as { containers?: unknown; initContainers?: unknown };
  const list = (v: unknown) => (Array.isArray(v) ? v.filter((c): c is ContainerResources => c !== null && typeof c === "object") : []);
  return [...list(s.containers), ...list(s.initContainers)];
}

/**
 * BestEffort: no container requests or limits cpu or memory. Guaranteed:
 * every container limits both, and every request equals its limit (a missing
 * request counts as the limit, as defaulting would set it). Else Burstable.
 */
export function qosClass(podSpec: unknown): QosClass {
  const requests = new Map<string, Quantity>();
  const limits = new Map<string, Quantity>();
  const addTo = (m: Map<string, Quantity>, name: string, q: Quantity) => m.set(name, m.has(name) ? m.get(name)!.add(q) : q);
  let guaranteed = true;
  for (const c of containersOf(podSpec)) {
    for (const name of QOS_RESOURCES) {
      const limit = positive(c.resources?.limits, name);
      const request = positive(c.resources?.requests, name) ?? limit;
      if (request) addTo(requests, name, request);
      if (limit) addTo(limits, name, limit);
      else guaranteed = false;
    }
  }
  if (requests.size === 0 && limits.size === 0) return "BestEffort";
  if (guaranteed && [...requests].every(([name, q]) => limits.get(name)?.equals(q)) && requests.size === limits.size) return "Guaranteed";
  return "Burstable";
}
