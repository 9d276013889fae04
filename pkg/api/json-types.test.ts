import { describe, expect, it } from "vitest";
import { decodeJsonTypes, goTypeOfModel } from "./json-types.js";

const pod = (spec: unknown) => ({ apiVersion: "v1", kind: "Pod", metadata: { name: "p" }, spec });

describe("decodeJsonTypes", () => {
  it("names the Go struct, the JSON path and the Go type as encoding/json does", () => {
    const cases: Array<[unknown, string]> = [
      [{ affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [] } } }, "json: cannot unmarshal array into Go struct field NodeAffinity.spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution of type v1.NodeSelector"],
      [{ containers: { name: "c" } }, "json: cannot unmarshal object into Go struct field PodSpec.spec.containers of type []v1.Container"],
      [{ containers: [{ name: 7 }] }, "json: cannot unmarshal number into Go struct field Container.spec.containers.name of type string"],
      [{ containers: [{ name: "c", ports: [{ containerPort: "80" }] }] }, "json: cannot unmarshal string into Go struct field ContainerPort.spec.containers.ports.containerPort of type int32"],
      [{ containers: [{ name: "c", ports: [{ containerPort: 80.5 }] }] }, "json: cannot unmarshal number 80.5 into Go struct field ContainerPort.spec.containers.ports.containerPort of type int32"],
      [{ hostNetwork: "yes" }, "json: cannot unmarshal string into Go struct field PodSpec.spec.hostNetwork of type bool"],
      [{ nodeSelector: { zone: 1 } }, "json: cannot unmarshal number into Go struct field PodSpec.spec.nodeSelector of type string"],
      [{ containers: [{ name: "c", resources: { requests: { cpu: [] } } }] }, "json: cannot unmarshal array into Go struct field ResourceRequirements.spec.containers.resources.requests of type resource.Quantity"],
    ];
    for (const [spec, message] of cases) expect(decodeJsonTypes(pod(spec), "V1Pod")?.message).toBe(message);
  });

  it("accepts null anywhere (Go leaves the zero value) and numbers or strings for int-or-string", () => {
    const obj = pod({ containers: [{ name: "c", ports: null, livenessProbe: { httpGet: { port: "http" } }, readinessProbe: { httpGet: { port: 8080 } } }], affinity: null });
    expect(decodeJsonTypes(obj, "V1Pod")).toBeUndefined();
  });

  it("rewrites quantities in Kubernetes' canonical form and leaves canonical ones alone", () => {
    const obj = pod({
      containers: [{ name: "c", resources: { requests: { cpu: 0.5, memory: "1024Mi" }, limits: { cpu: "2000m", memory: "128Mi", "example.com/dongle": 2 } } }],
      overhead: { cpu: "100m" },
    });
    expect(decodeJsonTypes(obj, "V1Pod")).toBeUndefined();
    const spec = obj.spec as { containers: Array<{ resources: unknown }>; overhead: unknown };
    expect(spec.containers[0].resources).toEqual({ requests: { cpu: "500m", memory: "1Gi" }, limits: { cpu: "2", memory: "128Mi", "example.com/dongle": "2" } });
    expect(spec.overhead).toEqual({ cpu: "100m" });
  });

  it("canonicalises quantities in other kinds' fields too (quota, node capacity)", () => {
    const quota = { apiVersion: "v1", kind: "ResourceQuota", metadata: { name: "q" }, spec: { hard: { "requests.cpu": 1.5, pods: 10 } } };
    expect(decodeJsonTypes(quota, "V1ResourceQuota")).toBeUndefined();
    expect(quota.spec.hard).toEqual({ "requests.cpu": "1500m", pods: "10" });
  });

  it("leaves a malformed quantity for validation to report with its field path", () => {
    const obj = pod({ containers: [{ name: "c", resources: { requests: { cpu: "lots" } } }] });
    expect(decodeJsonTypes(obj, "V1Pod")).toBeUndefined();
    expect((obj.spec as { containers: Array<{ resources: { requests: { cpu: string } } }> }).containers[0].resources.requests.cpu).toBe("lots");
  });

  it("spells model names as Go package-qualified types", () => {
    expect(goTypeOfModel("V1NodeSelector")).toBe("v1.NodeSelector");
    expect(goTypeOfModel("V2HorizontalPodAutoscalerSpec")).toBe("v2.HorizontalPodAutoscalerSpec");
    expect(goTypeOfModel("V1beta1Thing")).toBe("v1beta1.Thing");
  });
});
