// NodePorts: two pods cannot bind the same host port (protocol, port, and the
// same IP or 0.0.0.0) on one node.
import { SUCCESS, frozenStatus, type FilterPlugin } from "../framework.js";

const NAME = "NodePorts";
export const NODE_PORTS_REASON = "node(s) didn't have free ports for the requested pod ports";
const REJECT = frozenStatus("Unschedulable", NAME, NODE_PORTS_REASON);

export const nodePorts = {
  name: NAME,
  filter(state, _pod, node) {
    const wanted = state.podInfo.hostPorts;
    // Most pods ask for no host port: this is the common, free path.
    if (wanted.length === 0 || node.usedPorts.size === 0) return SUCCESS;
    for (const hp of wanted) if (node.portInUse(hp)) return REJECT;
    return SUCCESS;
  },
} satisfies FilterPlugin;
