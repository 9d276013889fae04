// From an Ingress backend (Service + port by number or name) to the addresses
// traffic goes to: the Service port it names, then that port's ready
// addresses in the Endpoints (pod IP + the endpoint port, i.e. the resolved
// targetPort), paired by port name as kube-proxy pairs them.
import type { KubeObject, V1Endpoints, V1Service } from "../api/types.js";
import { as } from "../api/types.js";
import type { Backend } from "./routes.js";

export interface Target {
  ip: string;
  port: number;
}

/** Ready TCP targets of `backend`, sorted (so round-robin order is stable), or [] when nothing serves it. */
export function backendTargets(backend: Backend, service: KubeObject | undefined, endpoints: KubeObject | undefined): Target[] {
  if (!service || !endpoints) return [];
  const ports = as<V1Service>(service).spec?.ports ?? [];
  const svcPort = typeof backend.port === "number" ? ports.find((p) => p.port === backend.port) : ports.find((p) => p.name === backend.port);
  if (!svcPort || (svcPort.protocol ?? "TCP") !== "TCP") return [];
  const portName = svcPort.name ?? "";
  const out: Target[] = [];
  for (const subset of as<V1Endpoints>(endpoints).subsets ?? []) {
    const epPort = (subset.ports ?? []).find((p) => (p.name ?? "") === portName && (p.protocol ?? "TCP") === "TCP");
    if (!epPort) continue;
    for (const a of subset.addresses ?? []) out.push({ ip: a.ip, port: epPort.port });
  }
  return out.sort((a, b) => a.ip.localeCompare(b.ip) || a.port - b.port);
}
