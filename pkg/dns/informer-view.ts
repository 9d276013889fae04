// The ClusterView the resolver reads, kept by informers (Services, Endpoints,
// Pods, Namespaces) so that no query ever costs an API call — as CoreDNS's
// kubernetes plugin does with its caches. Secondary indexes answer the reverse
// and pod-IP questions without scanning.
import { R } from "../api/kinds.js";
import type { KubeObject, V1Endpoints, V1Pod, V1Service } from "../api/types.js";
import { as } from "../api/types.js";
import type { InformerFactory, SharedInformer } from "../client/informer.js";
import { endpointHost, type ClusterView, type EndpointRecord, type PortRecord, type ServiceRecord } from "./cluster-records.js";

const BY_POD_IP = "dns:podIP";
const BY_CLUSTER_IP = "dns:clusterIP";
const BY_ENDPOINT_IP = "dns:endpointIP";

function podIPs(pod: V1Pod): string[] {
  const ips = (pod.status?.podIPs ?? []).map((p) => p.ip).filter((ip): ip is string => !!ip);
  if (pod.status?.podIP && !ips.includes(pod.status.podIP)) ips.push(pod.status.podIP);
  return ips;
}

function serviceClusterIPs(svc: V1Service): string[] {
  const ips = svc.spec?.clusterIPs?.length ? svc.spec.clusterIPs : svc.spec?.clusterIP ? [svc.spec.clusterIP] : [];
  return ips.filter((ip) => ip !== "None" && ip !== "");
}

function ports(list: Array<{ name?: string; port?: number; protocol?: string }> | undefined): PortRecord[] {
  return (list ?? []).filter((p) => typeof p.port === "number").map((p) => ({ ...(p.name ? { name: p.name } : {}), port: p.port!, protocol: p.protocol || "TCP" }));
}

export class InformerClusterView implements ClusterView {
  private readonly services: SharedInformer<KubeObject>;
  private readonly endpoints: SharedInformer<KubeObject>;
  private readonly pods: SharedInformer<KubeObject>;
  private readonly namespaces: SharedInformer<KubeObject>;

  constructor(
    informers: InformerFactory,
    private readonly zone: string,
  ) {
    this.services = informers.for(R.services);
    this.endpoints = informers.for(R.endpoints);
    this.pods = informers.for(R.pods);
    this.namespaces = informers.for(R.namespaces);
    this.pods.addIndex(BY_POD_IP, (o) => podIPs(as<V1Pod>(o)));
    this.services.addIndex(BY_CLUSTER_IP, (o) => serviceClusterIPs(as<V1Service>(o)));
    this.endpoints.addIndex(BY_ENDPOINT_IP, (o) => (as<V1Endpoints>(o).subsets ?? []).flatMap((s) => (s.addresses ?? []).map((a) => a.ip)));
  }

  /** Start the informers (shared with the rest of the process) and wait for their first lists. */
  async start(): Promise<void> {
    await Promise.all([this.services.start(), this.endpoints.start(), this.pods.start(), this.namespaces.start()]);
  }

  service(namespace: string, name: string): ServiceRecord | undefined {
    const obj = this.services.lister.get(namespace, name);
    if (!obj) return undefined;
    const svc = as<V1Service>(obj);
    const type = svc.spec?.type || "ClusterIP";
    const clusterIPs = serviceClusterIPs(svc);
    return {
      namespace,
      name,
      type,
      clusterIPs,
      headless: type !== "ExternalName" && (svc.spec?.clusterIP === "None" || clusterIPs.length === 0),
      ...(svc.spec?.externalName ? { externalName: svc.spec.externalName } : {}),
      ports: ports(svc.spec?.ports),
    };
  }

  readyEndpoints(namespace: string, name: string): EndpointRecord[] {
    const obj = this.endpoints.lister.get(namespace, name);
    if (!obj) return [];
    const out: EndpointRecord[] = [];
    for (const subset of as<V1Endpoints>(obj).subsets ?? []) {
      const subsetPorts = ports(subset.ports);
      for (const addr of subset.addresses ?? []) {
        const hostname = addr.hostname || this.podHostname(namespace, name, addr.targetRef?.name);
        out.push({ ip: addr.ip, ...(hostname ? { hostname } : {}), ports: subsetPorts });
      }
    }
    return out;
  }

  /** The endpoints controller does not copy hostnames: a pod whose subdomain is this Service has its hostname published. */
  private podHostname(namespace: string, service: string, podName: string | undefined): string | undefined {
    if (!podName) return undefined;
    const pod = this.pods.lister.get(namespace, podName);
    const spec = pod ? as<V1Pod>(pod).spec : undefined;
    return spec?.subdomain === service && spec.hostname ? spec.hostname : undefined;
  }

  namespaceExists(namespace: string): boolean {
    return this.namespaces.lister.get(undefined, namespace) !== undefined;
  }

  podWithIP(namespace: string, ip: string): boolean {
    return this.pods.lister.byIndex(BY_POD_IP, ip).some((p) => p.metadata.namespace === namespace);
  }

  reverse(ip: string): string[] {
    const names = this.services.lister.byIndex(BY_CLUSTER_IP, ip).map((s) => `${s.metadata.name}.${s.metadata.namespace}.svc.${this.zone}`);
    for (const ep of this.endpoints.lister.byIndex(BY_ENDPOINT_IP, ip)) {
      const ns = ep.metadata.namespace ?? "";
      const name = ep.metadata.name ?? "";
      if (!this.service(ns, name)?.headless) continue;
      for (const rec of this.readyEndpoints(ns, name)) if (rec.ip === ip) names.push(`${endpointHost(rec)}.${name}.${ns}.svc.${this.zone}`);
    }
    return [...new Set(names)];
  }
}
