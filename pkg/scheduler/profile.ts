// The default plugin set and the order it runs in.
//
// Filter order matters twice. Cost: the cheap field checks go first so most
// rejected nodes cost one comparison. Wording: a node reports only the first
// filter that rejects it, so the checks that no amount of freed capacity can
// fix (wrong name, cordoned, not ready, taints, affinity) come before the ones
// that can (ports, resources). That is also kube-scheduler's order, so a full
// NotReady node says "untolerated taint", not "Insufficient cpu", exactly as
// `kubectl describe` would show it.
import type { Profile } from "./framework.js";
import { balancedAllocation } from "./plugins/balanced-allocation.js";
import { leastAllocated } from "./plugins/least-allocated.js";
import { nodeAffinity } from "./plugins/node-affinity.js";
import { nodeName } from "./plugins/node-name.js";
import { nodePorts } from "./plugins/node-ports.js";
import { nodeReady } from "./plugins/node-ready.js";
import { nodeResourcesFit } from "./plugins/node-resources-fit.js";
import { nodeUnschedulable } from "./plugins/node-unschedulable.js";
import { interPodAffinity } from "./plugins/inter-pod-affinity.js";
import { podTopologySpread } from "./plugins/pod-topology-spread.js";
import { schedulingGates } from "./plugins/scheduling-gates.js";
import { taintToleration } from "./plugins/taint-toleration.js";

/** A fresh copy each call, so callers may change their lists. Weights follow kube-scheduler's defaults. */
export function defaultProfile(): Profile {
  return {
    // SchedulingGates first: a gated pod needs no counting at all.
    preFilter: [schedulingGates, nodeAffinity, podTopologySpread, interPodAffinity],
    filter: [
      nodeName, // one string compare
      nodeUnschedulable, // one boolean
      nodeReady, // one precomputed condition
      taintToleration, // usually zero or one taint
      nodeAffinity, // labels against the selector
      nodePorts, // free unless the pod asks for host ports
      nodeResourcesFit, // the reason preemption could address
      // kube-scheduler's order: spread and pod affinity after the node's own
      // checks, so a node that is full says "Insufficient cpu" first.
      podTopologySpread, // a map lookup per constraint, after PreFilter counted
      interPodAffinity, // a few map lookups, after PreFilter counted
    ],
    score: [
      { plugin: leastAllocated, weight: 1 },
      { plugin: balancedAllocation, weight: 1 },
      { plugin: nodeAffinity, weight: 2 },
      { plugin: taintToleration, weight: 3 },
      // Also the cluster's default spread (what SelectorSpread used to do).
      { plugin: podTopologySpread, weight: 2 },
      { plugin: interPodAffinity, weight: 2 },
    ],
  };
}
