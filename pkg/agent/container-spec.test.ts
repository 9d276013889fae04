import { describe, expect, it } from "vitest";
import { ContainerConfigError, expandVars, limitsToResources, portMappings, volumeMounts } from "./container-spec.js";

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

  it("mounts volumes with subPath and refuses unknown volumes", () => {
    const paths = new Map([["data", "/state/pods/u/volumes/data"]]);
    expect(volumeMounts({ name: "a", volumeMounts: [{ name: "data", mountPath: "/d", subPath: "sub", readOnly: true }] }, paths)).toEqual([
      { hostPath: "/state/pods/u/volumes/data/sub", containerPath: "/d", readOnly: true },
    ]);
    expect(() => volumeMounts({ name: "a", volumeMounts: [{ name: "nope", mountPath: "/x" }] }, paths)).toThrow(ContainerConfigError);
  });
});
