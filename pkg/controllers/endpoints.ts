// The Endpoints controller: for every Service with a selector, an Endpoints
// object of the same name listing the pods behind it (Kubernetes'
// pkg/controller/endpoint). Ready pods go to addresses, pods with an IP that are
// not ready to notReadyAddresses; each Service port's targetPort is resolved per
// pod (a number, or a container port name), and addresses are packed into
// subsets by identical port sets (RepackSubsets), so pods that resolve a named
// port to different numbers land in different subsets.
//
// Services without a selector are left alone: their Endpoints belong to the user.
import { R } from "../api/kinds.js";
import type { KubeObject } from "../api/types.js";
import type { Client } from "../client/client.js";
import type { InformerFactory } from "../client/informer.js";
import { keyOf, splitKey, type Lister } from "../client/lister.js";
import type { Reconciler, ReconcileResult } from "./runner.js";
import { canonicalJson, isAlreadyExists, isNotFound, isPodReady, isTerminating, type PodLike } from "./util.js";

export interface ServicePortShape {
  name?: string;
  port?: number;
  targetPort?: number | string;
  protocol?: string;
}

export interface ServiceLike extends KubeObject {
  spec?: {
    selector?: Record<string, string> | null;
    ports?: ServicePortShape[];
    clusterIP?: string;
    publishNotReadyAddresses?: boolean;
    type?: string;
  };
}

export interface EndpointAddress {
  ip: string;
  nodeName?: string;
  targetRef?: { kind: "Pod"; namespace?: string; name?: string; uid?: string };
}

export interface EndpointPort {
  name?: string;
  port: number;
  protocol: string;
}

export interface EndpointSubset {
  addresses?: EndpointAddress[];
  notReadyAddresses?: EndpointAddress[];
  ports?: EndpointPort[];
}

export interface EndpointsLike extends KubeObject {
  subsets?: EndpointSubset[];
}

export interface ContainerPortShape {
  name?: string;
  containerPort?: number;
  protocol?: string;
}

/** The pod fields the controller reads. */
export interface EndpointPod extends PodLike {
  spec?: PodLike["spec"] & { containers?: Array<{ name?: string; ports?: ContainerPortShape[]; [k: string]: unknown }> };
  status?: PodLike["status"] & { podIP?: string };
}

/** A selector that selects: a Service with none (or an empty one) has user-managed Endpoints. */
export function hasSelector(svc: ServiceLike): boolean {
  const sel = svc.spec?.selector;
  return !!sel && Object.keys(sel).length > 0;
}

/** Service selectors are plain equality maps. */
export function selectorMatches(selector: Record<string, string>, labels: Record<string, string> | undefined): boolean {
  for (const [k, v] of Object.entries(selector)) if (labels?.[k] !== v) return false;
  return true;
}

/**
 * The pod port a Service port's targetPort names: a number as is, a name
 * looked up in the pod's container ports (same protocol). Undefined when the
 * pod has no such named port, so the pod is left out for this port.
 */
export function resolveTargetPort(pod: EndpointPod, sp: ServicePortShape): number | undefined {
  const target = sp.targetPort ?? sp.port;
  if (typeof target === "number") return target;
  if (typeof target !== "string" || target === "") return undefined;
  if (/^[0-9]+$/.test(target)) return Number(target);
  const protocol = sp.protocol ?? "TCP";
  for (const c of pod.spec?.containers ?? []) {
    for (const p of c.ports ?? []) {
      if (p.name === target && (p.protocol ?? "TCP") === protocol && typeof p.containerPort === "number") return p.containerPort;
    }
  }
  return undefined;
}

/** endpoints.ShouldPodBeInEndpoints: has an IP, not finished, not being deleted. */
function podEligible(pod: EndpointPod): boolean {
  if (!pod.status?.podIP) return false;
  const phase = pod.status.phase;
  if (phase === "Succeeded" || phase === "Failed") return false;
  return !isTerminating(pod);
}

const portKey = (p: EndpointPort) => `${p.name ?? ""}\u0000${p.port}\u0000${p.protocol}`;
const byString = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** The subsets a Service's Endpoints should hold, given the pods in its namespace. */
export function desiredSubsets(svc: ServiceLike, pods: readonly EndpointPod[]): EndpointSubset[] {
  const selector = svc.spec?.selector ?? {};
  const servicePorts = svc.spec?.ports ?? [];
  const publishNotReady = svc.spec?.publishNotReadyAddresses === true;
  // address → (ready?, ports); then grouped by identical port sets (RepackSubsets).
  const groups = new Map<string, { ports: EndpointPort[]; ready: EndpointAddress[]; notReady: EndpointAddress[] }>();
  for (const pod of pods) {
    if (!selectorMatches(selector, pod.metadata.labels) || !podEligible(pod)) continue;
    const ports: EndpointPort[] = [];
    for (const sp of servicePorts) {
      const port = resolveTargetPort(pod, sp);
      if (port === undefined) continue; // this pod does not offer the named port
      const ep: EndpointPort = { port, protocol: sp.protocol ?? "TCP" };
      if (sp.name) ep.name = sp.name;
      ports.push(ep);
    }
    // A Service with ports none of which this pod offers gets nothing from it.
    if (servicePorts.length > 0 && ports.length === 0) continue;
    ports.sort((a, b) => byString(portKey(a), portKey(b)));
    const groupKey = ports.map(portKey).join("\u0001");
    let g = groups.get(groupKey);
    if (!g) groups.set(groupKey, (g = { ports, ready: [], notReady: [] }));
    const addr: EndpointAddress = {
      ip: pod.status!.podIP!,
      targetRef: { kind: "Pod", namespace: pod.metadata.namespace, name: pod.metadata.name, uid: pod.metadata.uid },
    };
    if (pod.spec?.nodeName) addr.nodeName = pod.spec.nodeName;
    if (publishNotReady || isPodReady(pod)) g.ready.push(addr);
    else g.notReady.push(addr);
  }
  const byAddr = (a: EndpointAddress, b: EndpointAddress) => byString(a.ip, b.ip) || byString(a.targetRef?.uid ?? "", b.targetRef?.uid ?? "");
  return [...groups.entries()]
    .sort(([a], [b]) => byString(a, b))
    .map(([, g]) => {
      const s: EndpointSubset = {};
      if (g.ready.length) s.addresses = g.ready.sort(byAddr);
      if (g.notReady.length) s.notReadyAddresses = g.notReady.sort(byAddr);
      if (g.ports.length) s.ports = g.ports;
      return s;
    });
}

/** Fields of a pod the Endpoints depend on: other changes (status churn) do not need a reconcile. */
export function endpointFingerprint(pod: EndpointPod): string {
  return canonicalJson({
    labels: pod.metadata.labels,
    ip: pod.status?.podIP,
    ready: isPodReady(pod),
    phase: pod.status?.phase,
    deleting: isTerminating(pod),
    node: pod.spec?.nodeName,
    ports: (pod.spec?.containers ?? []).map((c) => c.ports ?? []),
  });
}

export interface EndpointsControllerOptions {
  client: Client;
  services: Lister<ServiceLike>;
  pods: Lister<EndpointPod>;
  endpoints: Lister<EndpointsLike>;
}

export class EndpointsController implements Reconciler {
  readonly name = "endpoints";

  constructor(private readonly opts: EndpointsControllerOptions) {}

  /** Idempotent: writes the Service's Endpoints only when they differ from what is stored. */
  async reconcile(key: string): Promise<ReconcileResult> {
    const { namespace, name } = splitKey(key);
    const svc = this.opts.services.get(namespace, name);
    const current = this.opts.endpoints.get(namespace, name);
    const { client } = this.opts;
    if (!svc) {
      // As Kubernetes: the Service is gone, so are its Endpoints.
      if (current) {
        try {
          await client.delete(R.endpoints, namespace, name);
        } catch (e) {
          if (!isNotFound(e)) throw e;
        }
      }
      return {};
    }
    if (!hasSelector(svc)) return {};

    const subsets = desiredSubsets(svc, this.opts.pods.list(namespace));
    const labels = svc.metadata.labels && Object.keys(svc.metadata.labels).length > 0 ? { ...svc.metadata.labels } : undefined;
    if (current && canonicalJson(current.subsets ?? []) === canonicalJson(subsets) && canonicalJson(current.metadata.labels ?? {}) === canonicalJson(labels ?? {})) {
      return {};
    }
    if (!current) {
      const obj: EndpointsLike = { apiVersion: "v1", kind: "Endpoints", metadata: { name, namespace, labels }, subsets };
      try {
        await client.create(R.endpoints, namespace, obj);
      } catch (e) {
        // Our cache is behind (someone created it first): its informer event
        // enqueues this Service again, which then updates instead.
        if (isAlreadyExists(e)) return {};
        throw e;
      }
      return {};
    }
    const next = structuredClone(current);
    next.subsets = subsets;
    next.metadata.labels = labels;
    await client.update(R.endpoints, next); // resourceVersion precondition: Conflict → retried
    return {};
  }

  /** Service keys to reconcile for a pod event: every Service in its namespace selecting the old or new labels. */
  podChanged(pod: EndpointPod, old?: EndpointPod): string[] {
    if (old && old !== pod && endpointFingerprint(old) === endpointFingerprint(pod)) return [];
    const keys: string[] = [];
    for (const svc of this.opts.services.list(pod.metadata.namespace)) {
      if (!hasSelector(svc)) continue;
      const sel = svc.spec!.selector!;
      if (selectorMatches(sel, pod.metadata.labels) || (old && selectorMatches(sel, old.metadata.labels))) keys.push(keyOf(svc));
    }
    return keys;
  }
}

/**
 * Create the controller over the factory's shared informers and route events to
 * `enqueue` (a WorkQueue's add): Service events by key, pod events to every
 * matching Service, Endpoints events back to their Service (a user deleting or
 * editing controller-managed Endpoints gets them restored). The caller runs the
 * returned reconciler with a ControllerRunner over the same queue and starts the informers.
 */
export function registerEndpointsController(informers: InformerFactory, client: Client, enqueue: (key: string) => void): EndpointsController {
  const services = informers.for<ServiceLike>(R.services);
  const pods = informers.for<EndpointPod>(R.pods);
  const endpoints = informers.for<EndpointsLike>(R.endpoints);
  const ctrl = new EndpointsController({ client, services: services.lister, pods: pods.lister, endpoints: endpoints.lister });
  const svcKey = (o: KubeObject) => enqueue(keyOf(o));
  services.addEventHandler({ add: svcKey, update: (_o, n) => svcKey(n), delete: svcKey });
  pods.addEventHandler({
    add: (p) => ctrl.podChanged(p).forEach(enqueue),
    update: (o, n) => ctrl.podChanged(n, o).forEach(enqueue),
    delete: (p) => ctrl.podChanged(p).forEach(enqueue),
  });
  const epChanged = (e: KubeObject) => {
    const svc = services.lister.get(e.metadata.namespace, e.metadata.name ?? "");
    if (svc && hasSelector(svc)) enqueue(keyOf(svc));
  };
  endpoints.addEventHandler({ add: epChanged, update: (_o, n) => epChanged(n), delete: epChanged });
  return ctrl;
}
