// The Service environment variables the kubelet gives every container (Docker
// links style): for each Service with a cluster IP in the pod's namespace
// (unless `enableServiceLinks: false`), and always for default/kubernetes —
// which is how client-go's in-cluster config finds the API server
// (KUBERNETES_SERVICE_HOST / KUBERNETES_SERVICE_PORT).
import type { V1ServiceSpec } from "@kubernetes/client-node";
import type { KubeObject } from "../api/types.js";

const envName = (s: string) => s.toUpperCase().replace(/-/g, "_");

/** The variables for these Services; later Services do not override earlier names. */
export function serviceEnv(services: readonly KubeObject[]): Record<string, string> {
  const env: Record<string, string> = {};
  for (const svc of services) {
    const spec = svc.spec as V1ServiceSpec | undefined;
    const ip = spec?.clusterIP;
    const ports = spec?.ports ?? [];
    if (!ip || ip === "None" || ports.length === 0) continue;
    const name = envName(svc.metadata.name ?? "");
    const set = (k: string, v: string) => {
      if (!Object.hasOwn(env, k)) env[k] = v;
    };
    set(`${name}_SERVICE_HOST`, ip);
    set(`${name}_SERVICE_PORT`, String(ports[0].port));
    for (const p of ports) if (p.name) set(`${name}_SERVICE_PORT_${envName(p.name)}`, String(p.port));
    const first = ports[0];
    set(`${name}_PORT`, `${(first.protocol ?? "TCP").toLowerCase()}://${ip}:${first.port}`);
    for (const p of ports) {
      const proto = (p.protocol ?? "TCP").toLowerCase();
      const prefix = `${name}_PORT_${p.port}_${proto.toUpperCase()}`;
      set(prefix, `${proto}://${ip}:${p.port}`);
      set(`${prefix}_PROTO`, proto);
      set(`${prefix}_PORT`, String(p.port));
      set(`${prefix}_ADDR`, ip);
    }
  }
  return env;
}
