// Which pod a `port-forward`/`attach` reference means, as kubectl's
// AttachablePodForObject decides: NAME or pod/NAME is that pod; svc/NAME and a
// workload (deploy/NAME, rs/NAME, sts/NAME, …) mean one of the pods their
// selector matches, running and ready ones first. For a Service the remote
// port is translated from the Service's port to the pod's targetPort.
import { ApiError } from "../../pkg/api/errors.js";
import { R, resolveResource } from "../../pkg/api/kinds.js";
import { LabelSelector, selectorOf } from "../../pkg/api/selector.js";
import type { KubeList, KubeObject } from "../../pkg/api/types.js";
import { resourcePath, type RestClient } from "../../pkg/client/rest.js";
import { ExitError } from "../context.js";
import { describeError } from "../output.js";

interface PodStatusView {
  phase?: string;
  conditions?: Array<{ type?: string; status?: string }>;
}

interface ServicePortView {
  name?: string;
  port?: number;
  targetPort?: number | string;
}

interface ContainerPortView {
  name?: string;
  containerPort?: number;
}

export interface PodTarget {
  pod: KubeObject;
  name: string;
  /** Set when the reference named a Service: its ports, for translating remote ports. */
  servicePorts?: ServicePortView[];
}

/** Running and ready first, then running, then the rest; by name for a stable choice. */
function rank(pod: KubeObject): number {
  const st = (pod.status ?? {}) as PodStatusView;
  if (pod.metadata.deletionTimestamp) return 3;
  if (st.phase !== "Running") return 2;
  return st.conditions?.some((c) => c.type === "Ready" && c.status === "True") ? 0 : 1;
}

async function podBySelector(client: RestClient, namespace: string, selector: LabelSelector, what: string): Promise<KubeObject & { metadata: { name: string } }> {
  const list = await client.request<KubeList>("GET", resourcePath(R.pods, namespace), { query: { labelSelector: selector.toString() } });
  const pods = [...list.items].sort((a, b) => rank(a) - rank(b) || (a.metadata.name ?? "").localeCompare(b.metadata.name ?? ""));
  if (pods.length === 0) throw new ExitError(1, `error: no pods found for ${what}`);
  return { ...pods[0], metadata: { ...pods[0].metadata, name: pods[0].metadata.name ?? "" } };
}

/** Resolves ref in namespace to one pod; errors name the reference as kubectl does. */
export async function resolvePodTarget(client: RestClient, namespace: string, ref: string, verb: string): Promise<PodTarget> {
  const slash = ref.indexOf("/");
  const kind = slash < 0 ? "pods" : ref.slice(0, slash);
  const name = slash < 0 ? ref : ref.slice(slash + 1);
  if (!name) throw new ExitError(1, `error: skiff ${verb}: "${ref}" names no object (use POD, TYPE/NAME)`);
  const info = resolveResource(kind);
  if (!info) throw new ExitError(1, `error: the server doesn't have a resource type "${kind}"`);
  try {
    const obj = await client.request<KubeObject>("GET", resourcePath(info, namespace, name));
    if (info === R.pods) return { pod: obj, name };
    if (info === R.services) {
      const spec = (obj.spec ?? {}) as { selector?: Record<string, string>; ports?: ServicePortView[] };
      if (!spec.selector || Object.keys(spec.selector).length === 0) throw new ExitError(1, `error: cannot attach to services/${name}: the service has no selector`);
      const pod = await podBySelector(client, namespace, LabelSelector.fromObject({ matchLabels: spec.selector }), `services/${name}`);
      return { pod, name: pod.metadata.name, servicePorts: spec.ports ?? [] };
    }
    const selector = selectorOf(obj);
    if (!selector) throw new ExitError(1, `error: cannot ${verb} ${info.plural}/${name}: it has no pod selector`);
    const pod = await podBySelector(client, namespace, selector, `${info.plural}/${name}`);
    return { pod, name: pod.metadata.name };
  } catch (e) {
    if (e instanceof ApiError) throw new ExitError(1, describeError(e));
    throw e;
  }
}

/**
 * The container port a Service port reaches on pod (kubectl's
 * translateServicePortToTargetPort): a numeric targetPort as is, a named one
 * looked up among the pod's container ports, none → the port itself.
 */
export function servicePortToPodPort(target: PodTarget, port: number): number {
  if (!target.servicePorts) return port;
  const sp = target.servicePorts.find((p) => p.port === port);
  if (!sp) throw new ExitError(1, `error: service has no port ${port} (it has ${target.servicePorts.map((p) => p.port).join(", ") || "none"})`);
  if (sp.targetPort === undefined) return port;
  if (typeof sp.targetPort === "number") return sp.targetPort;
  if (/^\d+$/.test(sp.targetPort)) return Number(sp.targetPort);
  const containers = ((target.pod.spec ?? {}) as { containers?: Array<{ ports?: ContainerPortView[] }> }).containers ?? [];
  const named = containers.flatMap((c) => c.ports ?? []).find((p) => p.name === sp.targetPort);
  if (named?.containerPort === undefined) throw new ExitError(1, `error: pod ${target.name} has no container port named "${sp.targetPort}"`);
  return named.containerPort;
}
