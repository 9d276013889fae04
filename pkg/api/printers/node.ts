// Node rows (printNode in printers.go).
import { ageOf } from "../human-duration.js";
import { nodeReadyStatus } from "../node-readiness.js";
import { ageColumn, column, nameColumn, type KindPrinter, type Timestamp } from "./table.js";

export interface NodeLike {
  metadata?: { name?: string; creationTimestamp?: Timestamp; labels?: Record<string, string> };
  spec?: { unschedulable?: boolean };
  status?: {
    conditions?: Array<{ type: string; status: string }>;
    addresses?: Array<{ type: string; address: string }>;
    nodeInfo?: { kubeletVersion?: string; osImage?: string; kernelVersion?: string; containerRuntimeVersion?: string };
  };
}

const ROLE_LABEL_PREFIX = "node-role.kubernetes.io/";
const LEGACY_ROLE_LABEL = "kubernetes.io/role";

/** "Ready", "NotReady", "Unknown" (no Ready condition yet), plus ",SchedulingDisabled" when cordoned. */
export function nodeStatus(node: NodeLike): string {
  const status: string[] = [];
  const ready = nodeReadyStatus(node);
  if (ready) status.push(ready === "True" ? "Ready" : "NotReady");
  else status.push("Unknown");
  if (node.spec?.unschedulable) status.push("SchedulingDisabled");
  return status.join(",");
}

/**
 * Roles from `node-role.kubernetes.io/<role>` labels (any value) and the legacy
 * `kubernetes.io/role=<role>` label, sorted so the output is stable.
 */
export function nodeRoles(node: NodeLike): string[] {
  const roles = new Set<string>();
  for (const [k, v] of Object.entries(node.metadata?.labels ?? {})) {
    if (k.startsWith(ROLE_LABEL_PREFIX)) {
      const role = k.slice(ROLE_LABEL_PREFIX.length);
      if (role) roles.add(role);
    } else if (k === LEGACY_ROLE_LABEL && v) {
      roles.add(v);
    }
  }
  return [...roles].sort();
}

function address(node: NodeLike, type: string): string {
  return node.status?.addresses?.find((a) => a.type === type)?.address ?? "<none>";
}

export const nodePrinter: KindPrinter<NodeLike> = {
  columns: [
    nameColumn(),
    column("Status", "string", "The status of the node"),
    column("Roles", "string", "The roles of the node"),
    ageColumn(),
    column("Version", "string", "Kubelet Version reported by the node."),
    column("Internal-IP", "string", "List of addresses reachable to the node.", { wide: true }),
    column("External-IP", "string", "List of addresses reachable to the node.", { wide: true }),
    column("OS-Image", "string", "OS Image reported by the node from /etc/os-release (e.g. Debian GNU/Linux 7 (wheezy)).", { wide: true }),
    column("Kernel-Version", "string", "Kernel Version reported by the node from 'uname -r' (e.g. 3.16.0-0.bpo.4-amd64).", { wide: true }),
    column("Container-Runtime", "string", "ContainerRuntime Version reported by the node through runtime remote API (e.g. containerd://1.4.2).", { wide: true }),
  ],
  row(node, now) {
    const info = node.status?.nodeInfo ?? {};
    return {
      cells: [
        node.metadata?.name ?? "",
        nodeStatus(node),
        nodeRoles(node).join(",") || "<none>",
        ageOf(node.metadata?.creationTimestamp, now),
        info.kubeletVersion ?? "",
        address(node, "InternalIP"),
        address(node, "ExternalIP"),
        info.osImage || "<unknown>",
        info.kernelVersion || "<unknown>",
        info.containerRuntimeVersion || "<unknown>",
      ],
    };
  },
};
