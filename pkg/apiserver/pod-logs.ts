// The pods/log subresource. The API server does not read container logs
// itself: it finds the agent of the pod's node (in-process for `skiff up`,
// over HTTPS for remote agents later) and streams what it returns, like the
// apiserver proxying to the kubelet.
import { ApiError, errors } from "../api/errors.js";
import type { KubeObject, V1PodSpec } from "../api/types.js";

export type { PodLogOptions, PodLogSource } from "../api/pod-logs.js";
import type { PodLogSource } from "../api/pod-logs.js";

/** Which agent serves a node's logs; undefined when the node has none reachable. */
export type PodLogResolver = (nodeName: string) => PodLogSource | undefined;

/** The pod's spec as the registry stored it (validated on create, so of the V1PodSpec shape). */
function podSpecOf(pod: KubeObject): V1PodSpec | undefined {
  return pod.spec as V1PodSpec | undefined;
}

/** Pick the container like kubectl/apiserver do, or explain why not. */
export function resolveLogContainer(pod: KubeObject, requested: string | undefined): string {
  const spec = podSpecOf(pod);
  const names = (spec?.containers ?? []).map((c) => c.name);
  const all = [...names, ...(spec?.initContainers ?? []).map((c) => c.name)];
  const podName = pod.metadata.name ?? "";
  if (requested) {
    if (!all.includes(requested)) throw errors.badRequest(`container ${requested} is not valid for pod ${podName}`);
    return requested;
  }
  if (names.length === 1) return names[0];
  throw errors.badRequest(`a container name must be specified for pod ${podName}, choose one of: [${names.join(" ")}]`);
}

export function logSourceFor(pod: KubeObject, resolver: PodLogResolver | undefined, container: string): PodLogSource {
  const node = podSpecOf(pod)?.nodeName;
  if (!node) throw errors.badRequest(`container "${container}" in pod "${pod.metadata.name}" is waiting to start: ContainerCreating`);
  const source = resolver?.(node);
  if (!source) throw new ApiError("ServiceUnavailable", `no agent is serving node "${node}": cannot fetch logs of pod "${pod.metadata.name}"`);
  return source;
}
