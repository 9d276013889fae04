// NodeResourcesFit: the pod's requests must fit in what the node has left
// (allocatable − requests of the pods already there, assumed ones included).
// Like Kubernetes, a resource the pod does not request is not checked, so a
// best-effort pod still fits on an overcommitted node, but the pod count is
// always checked. The requests come from CycleState.podInfo, computed once per pod.
import { SUCCESS, type FilterPlugin, type ReasonDetail, type Status } from "../framework.js";
import type { NodeInfo } from "../node-info.js";

const NAME = "NodeResourcesFit";
export const INSUFFICIENT_CPU = "Insufficient cpu";
export const INSUFFICIENT_MEMORY = "Insufficient memory";
export const TOO_MANY_PODS = "Too many pods";

// Every combination of reasons, built once: a full cluster rejects on most nodes.
const REJECTIONS: Status[] = [];
for (let bits = 0; bits < 8; bits++) {
  const reasons: string[] = [];
  if (bits & 1) reasons.push(TOO_MANY_PODS);
  if (bits & 2) reasons.push(INSUFFICIENT_CPU);
  if (bits & 4) reasons.push(INSUFFICIENT_MEMORY);
  REJECTIONS.push(Object.freeze({ code: "Unschedulable" as const, reasons: Object.freeze(reasons) as string[], plugin: NAME }));
}

/**
 * Resources in the kubernetes.io namespace that a skiff node may simply not
 * report (ephemeral-storage, hugepages-*): checked only on nodes that report
 * them, since skiff's agents do not measure them. Extended resources
 * (example.com/dongle) are always checked: a node that does not advertise one
 * has none, as in Kubernetes.
 */
function checkedOnlyWhenReported(resource: string): boolean {
  return resource === "ephemeral-storage" || resource.startsWith("hugepages-") || resource.endsWith("kubernetes.io/ephemeral-storage");
}

/** The extended resources the pod asks for more of than the node has free, in the pod's order. */
function insufficientScalars(scalar: ReadonlyArray<readonly [string, number]>, node: NodeInfo): Array<[string, number, number]> {
  const out: Array<[string, number, number]> = [];
  for (const [k, want] of scalar) {
    const alloc = node.scalarAllocatable.get(k);
    if (alloc === undefined && checkedOnlyWhenReported(k)) continue;
    const free = (alloc ?? 0) - (node.scalarRequested.get(k) ?? 0);
    if (want > free) out.push([k, free, alloc ?? 0]);
  }
  return out;
}

export const nodeResourcesFit = {
  name: NAME,
  filter(state, _pod, node) {
    const info = state.podInfo;
    const req = info.requests;
    const alloc = node.allocatable;
    let bits = 0;
    if (node.podCount + 1 > alloc.pods) bits |= 1;
    if (req.milliCpu > 0 && req.milliCpu > alloc.milliCpu - node.requested.milliCpu) bits |= 2;
    if (req.memory > 0 && req.memory > alloc.memory - node.requested.memory) bits |= 4;
    if (info.scalar.length === 0) return bits === 0 ? SUCCESS : REJECTIONS[bits];
    const short = insufficientScalars(info.scalar, node);
    if (short.length === 0) return bits === 0 ? SUCCESS : REJECTIONS[bits];
    // Kubernetes' order: pods, cpu, memory, then the other resources.
    return { code: "Unschedulable", reasons: [...REJECTIONS[bits].reasons, ...short.map(([k]) => `Insufficient ${k}`)], plugin: NAME };
  },
  // The same checks as filter(), with their numbers (for `skiff why`).
  explain(state, _pod, node) {
    const req = state.podInfo.requests;
    const alloc = node.allocatable;
    const out: ReasonDetail[] = [];
    if (node.podCount + 1 > alloc.pods) out.push({ reason: TOO_MANY_PODS, resource: "pods", requested: 1, free: alloc.pods - node.podCount, allocatable: alloc.pods });
    const freeCpu = alloc.milliCpu - node.requested.milliCpu;
    if (req.milliCpu > 0 && req.milliCpu > freeCpu) out.push({ reason: INSUFFICIENT_CPU, resource: "cpu", requested: req.milliCpu, free: freeCpu, allocatable: alloc.milliCpu });
    const freeMem = alloc.memory - node.requested.memory;
    if (req.memory > 0 && req.memory > freeMem) out.push({ reason: INSUFFICIENT_MEMORY, resource: "memory", requested: req.memory, free: freeMem, allocatable: alloc.memory });
    const wanted = new Map(state.podInfo.scalar);
    for (const [k, free, allocatable] of insufficientScalars(state.podInfo.scalar, node)) {
      out.push({ reason: `Insufficient ${k}`, resource: k, requested: wanted.get(k) ?? 0, free, allocatable });
    }
    return out;
  },
} satisfies FilterPlugin;
