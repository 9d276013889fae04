import { describe, expect, it } from "vitest";
import type { KubeObject } from "../api/types.js";
import { serviceEnv } from "./service-env.js";

const svc = (name: string, spec: Record<string, unknown>): KubeObject => ({ apiVersion: "v1", kind: "Service", metadata: { name }, spec });

describe("serviceEnv", () => {
  it("writes the kubelet's variables for each Service with a cluster IP", () => {
    const env = serviceEnv([
      svc("redis-master", { clusterIP: "10.0.0.11", ports: [{ name: "redis", port: 6379, protocol: "TCP" }, { name: "metrics", port: 9121 }] }),
      svc("kubernetes", { clusterIP: "10.0.0.1", ports: [{ name: "https", port: 443, protocol: "TCP" }] }),
    ]);
    expect(env).toEqual({
      REDIS_MASTER_SERVICE_HOST: "10.0.0.11",
      REDIS_MASTER_SERVICE_PORT: "6379",
      REDIS_MASTER_SERVICE_PORT_REDIS: "6379",
      REDIS_MASTER_SERVICE_PORT_METRICS: "9121",
      REDIS_MASTER_PORT: "tcp://10.0.0.11:6379",
      REDIS_MASTER_PORT_6379_TCP: "tcp://10.0.0.11:6379",
      REDIS_MASTER_PORT_6379_TCP_PROTO: "tcp",
      REDIS_MASTER_PORT_6379_TCP_PORT: "6379",
      REDIS_MASTER_PORT_6379_TCP_ADDR: "10.0.0.11",
      REDIS_MASTER_PORT_9121_TCP: "tcp://10.0.0.11:9121",
      REDIS_MASTER_PORT_9121_TCP_PROTO: "tcp",
      REDIS_MASTER_PORT_9121_TCP_PORT: "9121",
      REDIS_MASTER_PORT_9121_TCP_ADDR: "10.0.0.11",
      KUBERNETES_SERVICE_HOST: "10.0.0.1",
      KUBERNETES_SERVICE_PORT: "443",
      KUBERNETES_SERVICE_PORT_HTTPS: "443",
      KUBERNETES_PORT: "tcp://10.0.0.1:443",
      KUBERNETES_PORT_443_TCP: "tcp://10.0.0.1:443",
      KUBERNETES_PORT_443_TCP_PROTO: "tcp",
      KUBERNETES_PORT_443_TCP_PORT: "443",
      KUBERNETES_PORT_443_TCP_ADDR: "10.0.0.1",
    });
  });

  it("skips headless, ExternalName and port-less Services; the first Service of a name wins", () => {
    const env = serviceEnv([
      svc("headless", { clusterIP: "None", ports: [{ port: 80 }] }),
      svc("ext", { type: "ExternalName", externalName: "example.test" }),
      svc("bare", { clusterIP: "10.0.0.5" }),
      svc("kubernetes", { clusterIP: "10.0.0.9", ports: [{ port: 443 }] }),
      svc("kubernetes", { clusterIP: "10.0.0.1", ports: [{ port: 443 }] }),
    ]);
    expect(Object.keys(env).some((k) => k.startsWith("HEADLESS") || k.startsWith("EXT") || k.startsWith("BARE"))).toBe(false);
    expect(env.KUBERNETES_SERVICE_HOST).toBe("10.0.0.9");
  });
});
