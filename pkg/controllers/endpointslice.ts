// EndpointSlices mirrored from Endpoints (a simplified union of Kubernetes'
// endpointslice and endpointslicemirroring controllers): for each Endpoints
// object, one EndpointSlice per subset, named `<service>-<n>`, labelled with
// kubernetes.io/service-name, listing ready addresses as ready and
// notReadyAddresses as not ready, with the subset's ports. Slices of a
// service that no longer has them are deleted. Keyed by namespace/name.
import { R } from "../api/kinds.js";
import type { KubeObject } from "../api/types.js";
import type { Client } from "../client/client.js";
import { splitKey, type Lister } from "../client/lister.js";
import type { Reconciler, ReconcileResult } from "./runner.js";
import { canonicalJson, isAlreadyExists, isNotFound } from "./util.js";

export const SERVICE_NAME_LABEL = "kubernetes.io/service-name";
export const MANAGED_BY_LABEL = "endpointslice.kubernetes.io/managed-by";
export const MANAGED_BY = "endpointslicemirroring-controller.k8s.io";

interface Address {
  ip: string;
  hostname?: string;
  nodeName?: string;
  targetRef?: Record<string, unknown>;
}

interface EndpointsShape extends KubeObject {
  subsets?: Array<{ addresses?: Address[]; notReadyAddresses?: Address[]; ports?: Array<{ name?: string; port: number; protocol?: string; appProtocol?: string }> }>;
}

/** The slices an Endpoints object mirrors to (without server-set metadata). */
export function slicesFor(ep: EndpointsShape): KubeObject[] {
  const name = ep.metadata.name!;
  return (ep.subsets ?? []).map((subset, i) => {
    const endpoint = (a: Address, ready: boolean) => ({
      addresses: [a.ip],
      conditions: { ready, serving: ready, terminating: false },
      ...(a.hostname ? { hostname: a.hostname } : {}),
      ...(a.nodeName ? { nodeName: a.nodeName } : {}),
      ...(a.targetRef ? { targetRef: a.targetRef } : {}),
    });
    return {
      apiVersion: "discovery.k8s.io/v1",
      kind: "EndpointSlice",
      metadata: { name: `${name}-${i}`, namespace: ep.metadata.namespace, labels: { [SERVICE_NAME_LABEL]: name, [MANAGED_BY_LABEL]: MANAGED_BY } },
      addressType: (subset.addresses ?? subset.notReadyAddresses ?? [])[0]?.ip.includes(":") ? "IPv6" : "IPv4",
      endpoints: [...(subset.addresses ?? []).map((a) => endpoint(a, true)), ...(subset.notReadyAddresses ?? []).map((a) => endpoint(a, false))],
      ports: (subset.ports ?? []).map((p) => ({ ...(p.name ? { name: p.name } : {}), port: p.port, protocol: p.protocol ?? "TCP", ...(p.appProtocol ? { appProtocol: p.appProtocol } : {}) })),
    };
  });
}

const body = (o: KubeObject) => {
  const { addressType, endpoints, ports } = o as KubeObject & Record<string, unknown>;
  return canonicalJson({ addressType, endpoints, ports, labels: o.metadata.labels });
};

export class EndpointSliceMirror implements Reconciler {
  readonly name = "endpointslice-mirroring";

  constructor(private readonly opts: { client: Client; endpoints: Lister<EndpointsShape>; slices: Lister<KubeObject> }) {}

  /** Idempotent: makes the service's mirrored slices equal slicesFor(its Endpoints). */
  async reconcile(key: string): Promise<ReconcileResult> {
    const { namespace, name } = splitKey(key);
    const ep = this.opts.endpoints.get(namespace, name);
    const want = ep ? slicesFor(ep) : [];
    const have = this.opts.slices.list(namespace, `${SERVICE_NAME_LABEL}=${name},${MANAGED_BY_LABEL}=${MANAGED_BY}`);
    const client = this.opts.client;
    for (const slice of want) {
      const cur = have.find((h) => h.metadata.name === slice.metadata.name);
      try {
        if (!cur) await client.create(R.endpointslices, namespace, slice);
        else if (body(cur) !== body(slice)) await client.update(R.endpointslices, { ...slice, metadata: { ...cur.metadata, labels: slice.metadata.labels } });
      } catch (e) {
        if (!isAlreadyExists(e)) throw e; // the cache lagged: the next event brings us back
      }
    }
    for (const stale of have.filter((h) => !want.some((w) => w.metadata.name === h.metadata.name))) {
      try {
        await client.delete(R.endpointslices, namespace, stale.metadata.name!);
      } catch (e) {
        if (!isNotFound(e)) throw e;
      }
    }
    return {};
  }
}
