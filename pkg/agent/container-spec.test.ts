import { describe, expect, it } from "vitest";
import type { V1Secret } from "@kubernetes/client-node";
import { buildEnv, ContainerConfigError, expandVars, limitsToResources, memoryVolumes, portMappings, volumeMounts, type SpecContext } from "./container-spec.js";
import type { AgentPod } from "./types.js";

describe("container spec translation", () => {
  it("expands $(VAR) like Kubernetes", () => {
    const env = { A: "1", B: "two" };
    expect(expandVars("x $(A) $(B) $(C)", env)).toBe("x 1 two $(C)");
    expect(expandVars("$$(A) costs $$5", env)).toBe("$(A) costs $5");
  });

  it("turns limits into millicores and bytes", () => {
    expect(limitsToResources({ name: "a", resources: { limits: { cpu: "1.5", memory: "1Gi" } } })).toEqual({ cpuMilli: 1500, memoryBytes: 1024 ** 3 });
    expect(limitsToResources({ name: "a", resources: { limits: { cpu: "250m" } } })).toEqual({ cpuMilli: 250 });
    expect(limitsToResources({ name: "a" })).toBeUndefined();
  });

  it("publishes declared ports and probe ports on the pod IP, once each", () => {
    const ports = portMappings(
      {
        name: "a",
        ports: [{ name: "http", containerPort: 8080 }, { containerPort: 53, protocol: "UDP" }],
        readinessProbe: { httpGet: { port: "http", path: "/" } },
        livenessProbe: { tcpSocket: { port: 9090 } },
      },
      "127.128.0.2",
    );
    expect(ports).toEqual([
      { containerPort: 8080, hostIP: "127.128.0.2", hostPort: 8080, protocol: "TCP" },
      { containerPort: 53, hostIP: "127.128.0.2", hostPort: 53, protocol: "UDP" },
      { containerPort: 9090, hostIP: "127.128.0.2", hostPort: 9090, protocol: "TCP" },
    ]);
  });

  it("mounts an emptyDir of medium Memory as a tmpfs of its sizeLimit", () => {
    const pod = { apiVersion: "v1", kind: "Pod", metadata: { name: "p" }, spec: { containers: [], volumes: [{ name: "cache", emptyDir: { medium: "Memory", sizeLimit: "64Mi" } }, { name: "ram", emptyDir: { medium: "Memory" } }, { name: "disk", emptyDir: {} }] } } as AgentPod;
    const memory = memoryVolumes(pod);
    expect([...memory]).toEqual([["cache", 64 * 1024 * 1024], ["ram", undefined]]);
    const paths = new Map([["cache", "/s/cache"], ["ram", "/s/ram"], ["disk", "/s/disk"]]);
    const mounts = volumeMounts({ name: "a", volumeMounts: ["cache", "ram", "disk"].map((name) => ({ name, mountPath: `/${name}` })) }, paths, memory);
    expect(mounts.map((m) => m.tmpfs)).toEqual([{ sizeBytes: 64 * 1024 * 1024 }, {}, undefined]);
  });

  it("mounts volumes with subPath and refuses unknown volumes", () => {
    const paths = new Map([["data", "/state/pods/u/volumes/data"]]);
    expect(volumeMounts({ name: "a", volumeMounts: [{ name: "data", mountPath: "/d", subPath: "sub", readOnly: true }] }, paths)).toEqual([
      { hostPath: "/state/pods/u/volumes/data/sub", containerPath: "/d", readOnly: true },
    ]);
    expect(() => volumeMounts({ name: "a", volumeMounts: [{ name: "nope", mountPath: "/x" }] }, paths)).toThrow(ContainerConfigError);
  });
});

describe("secrets in env", () => {
  const b64 = (s: string) => Buffer.from(s).toString("base64");
  const secrets: Record<string, V1Secret> = { db: { data: { user: b64("admin"), password: b64("s3cr3t pass") } } };
  const pod = { apiVersion: "v1", kind: "Pod", metadata: { name: "p", namespace: "default", uid: "u" }, spec: { containers: [] } } as AgentPod;
  const ctx: SpecContext = {
    nodeName: "n1",
    podIP: "127.128.0.2",
    hostIP: "127.0.0.1",
    volumePaths: new Map(),
    getConfigMap: async () => undefined,
    getSecret: async (name) => secrets[name],
  };

  it("decodes secretKeyRef values and envFrom secretRef keys (with prefix), then expands $(VAR)", async () => {
    const env = await buildEnv(
      pod,
      {
        name: "c",
        envFrom: [{ secretRef: { name: "db" }, prefix: "DB_" }],
        env: [
          { name: "PASSWORD", valueFrom: { secretKeyRef: { name: "db", key: "password" } } },
          { name: "DSN", value: "$(DB_user):$(PASSWORD)" },
        ],
      },
      ctx,
    );
    expect(env).toEqual({ DB_user: "admin", DB_password: "s3cr3t pass", PASSWORD: "s3cr3t pass", DSN: "admin:s3cr3t pass" });
  });

  it("fails like the kubelet for a missing secret or key, unless optional, never naming a value", async () => {
    await expect(buildEnv(pod, { name: "c", envFrom: [{ secretRef: { name: "nope" } }] }, ctx)).rejects.toThrow(new ContainerConfigError('secret "nope" not found'));
    await expect(buildEnv(pod, { name: "c", env: [{ name: "X", valueFrom: { secretKeyRef: { name: "nope", key: "k" } } }] }, ctx)).rejects.toThrow('secret "nope" not found');
    await expect(buildEnv(pod, { name: "c", env: [{ name: "X", valueFrom: { secretKeyRef: { name: "db", key: "k" } } }] }, ctx)).rejects.toThrow(
      "couldn't find key k in Secret default/db",
    );
    const env = await buildEnv(
      pod,
      {
        name: "c",
        envFrom: [{ secretRef: { name: "nope", optional: true } }],
        env: [
          { name: "X", valueFrom: { secretKeyRef: { name: "nope", key: "k", optional: true } } },
          { name: "Y", valueFrom: { secretKeyRef: { name: "db", key: "k", optional: true } } },
        ],
      },
      ctx,
    );
    expect(env).toEqual({});
  });
});
