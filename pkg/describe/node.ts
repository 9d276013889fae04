// `describe node`: conditions, capacity, the pods it runs with their share of
// the node, and the totals (kubectl's describeNode / describeNodeResource).
import type { V1Lease, V1Node, V1Pod } from "@kubernetes/client-node";
import { nodeRoles } from "../api/printers.js";
import { Quantity, parseQuantity } from "../api/quantity.js";
import { describeEvents } from "./events.js";
import { cmp, printAnnotationsMultiline, printLabelsMultiline, printTaintsMultiline, rfc1123z, since, sortedKeys, type TaintLike } from "./format.js";
import type { DescribeOptions } from "./pod.js";
import { LEVEL_0, LEVEL_1, tabbed, type PrefixWriter } from "./tab-writer.js";

type ResourceList = Record<string, Quantity>;

function parseList(list: Record<string, string> | undefined): ResourceList {
  const out: ResourceList = {};
  for (const [k, v] of Object.entries(list ?? {})) {
    try {
      out[k] = parseQuantity(String(v));
    } catch {
      // A malformed quantity cannot be stored by the API server; skip rather than fail the whole describe.
    }
  }
  return out;
}

function addInto(total: ResourceList, add: ResourceList): void {
  for (const [k, q] of Object.entries(add)) total[k] = total[k] ? total[k].add(q) : q;
}

function maxInto(total: ResourceList, other: ResourceList): void {
  for (const [k, q] of Object.entries(other)) if (!total[k] || total[k].cmp(q) < 0) total[k] = q;
}

/**
 * resourcehelper.PodRequests / PodLimits: the sum over containers (and
 * restartable init containers, which keep running), at least the largest
 * ordinary init container, plus the pod overhead.
 */
export function podResources(pod: V1Pod, which: "requests" | "limits"): ResourceList {
  const total: ResourceList = {};
  const sidecars: ResourceList = {};
  for (const c of pod.spec?.containers ?? []) addInto(total, parseList(c.resources?.[which] as Record<string, string> | undefined));
  for (const c of pod.spec?.initContainers ?? []) {
    const r = parseList(c.resources?.[which] as Record<string, string> | undefined);
    if (c.restartPolicy === "Always") {
      addInto(total, r);
      addInto(sidecars, r);
    } else {
      // An ordinary init container runs next to the sidecars started before it.
      const withSidecars = { ...sidecars };
      addInto(withSidecars, r);
      maxInto(total, withSidecars);
    }
  }
  addInto(total, parseList(pod.spec?.overhead as Record<string, string> | undefined));
  return total;
}

const zero = () => Quantity.zero;

/** int64(float64(a)/float64(b)*100), as kubectl computes the percentages. */
function percent(part: bigint, whole: bigint): number {
  if (whole === 0n) return 0;
  return Math.trunc((Number(part) / Number(whole)) * 100);
}

/** The column of a Node's capacity a resource name is measured in: milli for cpu, units otherwise. */
function scaled(q: Quantity, resource: string): bigint {
  return resource === "cpu" ? q.milliValue() : q.value();
}

function percentOf(q: Quantity, alloc: Quantity | undefined, resource: string): number {
  // Go divides by zero into +Inf/NaN, then truncates to the minimum int64; print 0 instead for an unknown capacity.
  return alloc ? percent(scaled(q, resource), scaled(alloc, resource)) : 0;
}

const STANDARD = new Set(["cpu", "memory", "ephemeral-storage", "storage", "pods"]);

function describeNodeResource(w: PrefixWriter, node: V1Node, pods: readonly V1Pod[], now: Date): void {
  w.write(LEVEL_0, `Non-terminated Pods:\t(${pods.length} in total)\n`);
  w.write(LEVEL_1, "Namespace\tName\t\tCPU Requests\tCPU Limits\tMemory Requests\tMemory Limits\tAge\n");
  w.write(LEVEL_1, "---------\t----\t\t------------\t----------\t---------------\t-------------\t---\n");
  const allocatable = parseList((Object.keys(node.status?.allocatable ?? {}).length ? node.status?.allocatable : node.status?.capacity) as Record<string, string> | undefined);
  const totalReq: ResourceList = {};
  const totalLim: ResourceList = {};
  for (const pod of pods) {
    const req = podResources(pod, "requests");
    const lim = podResources(pod, "limits");
    addInto(totalReq, req);
    addInto(totalLim, lim);
    const cell = (list: ResourceList, r: string) => {
      const q = list[r] ?? zero();
      return `${q.toString()} (${percentOf(q, allocatable[r], r)}%)`;
    };
    w.write(
      LEVEL_1,
      `${pod.metadata?.namespace ?? ""}\t${pod.metadata?.name ?? ""}\t\t${cell(req, "cpu")}\t${cell(lim, "cpu")}\t${cell(req, "memory")}\t${cell(lim, "memory")}\t${since(pod.metadata?.creationTimestamp, now)}\n`,
    );
  }
  w.write(LEVEL_0, "Allocated resources:\n  (Total limits may be over 100 percent, i.e., overcommitted.)\n");
  w.write(LEVEL_1, "Resource\tRequests\tLimits\n");
  w.write(LEVEL_1, "--------\t--------\t------\n");
  for (const r of ["cpu", "memory", "ephemeral-storage"]) {
    const rq = totalReq[r] ?? zero();
    const lm = totalLim[r] ?? zero();
    w.write(LEVEL_1, `${r}\t${rq.toString()} (${percentOf(rq, allocatable[r], r)}%)\t${lm.toString()} (${percentOf(lm, allocatable[r], r)}%)\n`);
  }
  const names = Object.keys(allocatable).sort(cmp);
  for (const r of names.filter((n) => n.startsWith("hugepages-"))) {
    const rq = totalReq[r] ?? zero();
    const lm = totalLim[r] ?? zero();
    w.write(LEVEL_1, `${r}\t${rq.toString()} (${percentOf(rq, allocatable[r], r)}%)\t${lm.toString()} (${percentOf(lm, allocatable[r], r)}%)\n`);
  }
  for (const r of names.filter((n) => !n.startsWith("hugepages-") && !STANDARD.has(n) && !n.startsWith("requests.") && !n.startsWith("limits."))) {
    w.write(LEVEL_1, `${r}\t${(totalReq[r] ?? zero()).toString()}\t${(totalLim[r] ?? zero()).toString()}\n`);
  }
}

export interface NodeDescribeOptions extends DescribeOptions {
  /** Pods bound to the node that have not finished. */
  pods: V1Pod[];
  /** The node's heartbeat Lease; a string is the error met fetching it. */
  lease?: V1Lease | string;
}

export function describeNode(node: V1Node, opts: NodeDescribeOptions): string {
  return tabbed((w) => {
    const spec = node.spec ?? {};
    const status = node.status ?? {};
    w.write(LEVEL_0, `Name:\t${node.metadata?.name ?? ""}\n`);
    const roles = nodeRoles(node as Parameters<typeof nodeRoles>[0]);
    w.write(LEVEL_0, `Roles:\t${roles.length ? roles.join(",") : "<none>"}\n`);
    printLabelsMultiline(w, "Labels", node.metadata?.labels);
    printAnnotationsMultiline(w, "Annotations", node.metadata?.annotations);
    w.write(LEVEL_0, `CreationTimestamp:\t${rfc1123z(node.metadata?.creationTimestamp)}\n`);
    printTaintsMultiline(w, "Taints", spec.taints as TaintLike[] | undefined);
    w.write(LEVEL_0, `Unschedulable:\t${spec.unschedulable === true}\n`);
    if (typeof opts.lease === "string") {
      w.write(LEVEL_0, `Lease:\tFailed to get lease: ${opts.lease}\n`);
    } else if (opts.lease) {
      const l = opts.lease.spec ?? {};
      w.write(LEVEL_0, "Lease:\n");
      w.write(LEVEL_1, `HolderIdentity:\t${l.holderIdentity ?? "<unset>"}\n`);
      w.write(LEVEL_1, `AcquireTime:\t${l.acquireTime ? rfc1123z(l.acquireTime) : "<unset>"}\n`);
      w.write(LEVEL_1, `RenewTime:\t${l.renewTime ? rfc1123z(l.renewTime) : "<unset>"}\n`);
    }
    if (status.conditions?.length) {
      w.write(LEVEL_0, "Conditions:\n  Type\tStatus\tLastHeartbeatTime\tLastTransitionTime\tReason\tMessage\n");
      w.write(LEVEL_1, "----\t------\t-----------------\t------------------\t------\t-------\n");
      for (const c of status.conditions) {
        w.write(LEVEL_1, `${c.type} \t${c.status} \t${rfc1123z(c.lastHeartbeatTime)} \t${rfc1123z(c.lastTransitionTime)} \t${c.reason ?? ""} \t${c.message ?? ""}\n`);
      }
    }
    w.write(LEVEL_0, "Addresses:\n");
    for (const a of status.addresses ?? []) w.write(LEVEL_1, `${a.type}:\t${a.address}\n`);
    const printList = (list: Record<string, string>) => {
      for (const k of sortedKeys(list)) w.write(LEVEL_0, `  ${k}:\t${String(list[k])}\n`);
    };
    if (Object.keys(status.capacity ?? {}).length) {
      w.write(LEVEL_0, "Capacity:\n");
      printList(status.capacity as Record<string, string>);
    }
    if (Object.keys(status.allocatable ?? {}).length) {
      w.write(LEVEL_0, "Allocatable:\n");
      printList(status.allocatable as Record<string, string>);
    }
    const info = status.nodeInfo;
    w.write(LEVEL_0, "System Info:\n");
    w.write(LEVEL_0, `  Machine ID:\t${info?.machineID ?? ""}\n`);
    w.write(LEVEL_0, `  System UUID:\t${info?.systemUUID ?? ""}\n`);
    w.write(LEVEL_0, `  Boot ID:\t${info?.bootID ?? ""}\n`);
    w.write(LEVEL_0, `  Kernel Version:\t${info?.kernelVersion ?? ""}\n`);
    w.write(LEVEL_0, `  OS Image:\t${info?.osImage ?? ""}\n`);
    w.write(LEVEL_0, `  Operating System:\t${info?.operatingSystem ?? ""}\n`);
    w.write(LEVEL_0, `  Architecture:\t${info?.architecture ?? ""}\n`);
    w.write(LEVEL_0, `  Container Runtime Version:\t${info?.containerRuntimeVersion ?? ""}\n`);
    w.write(LEVEL_0, `  Kubelet Version:\t${info?.kubeletVersion ?? ""}\n`);
    w.write(LEVEL_0, `  Kube-Proxy Version:\t${info?.kubeProxyVersion ?? ""}\n`);
    if (spec.podCIDR) w.write(LEVEL_0, `PodCIDR:\t${spec.podCIDR}\n`);
    if (spec.podCIDRs?.length) w.write(LEVEL_0, `PodCIDRs:\t${spec.podCIDRs.join(",")}\n`);
    if (spec.providerID) w.write(LEVEL_0, `ProviderID:\t${spec.providerID}\n`);
    describeNodeResource(w, node, opts.pods, opts.now);
    if (opts.events) describeEvents(w, opts.events, opts.now);
  });
}
