// NodeName: a pod that names its node (spec.nodeName) fits only there.
import { SUCCESS, frozenStatus, type FilterPlugin } from "../framework.js";

export const NODE_NAME_REASON = "node(s) didn't match the requested node name";
const REJECT = frozenStatus("UnschedulableAndUnresolvable", "NodeName", NODE_NAME_REASON);

export const nodeName = {
  name: "NodeName",
  filter(_state, pod, node) {
    const want = pod.spec?.nodeName;
    return !want || want === node.name ? SUCCESS : REJECT;
  },
} satisfies FilterPlugin;
