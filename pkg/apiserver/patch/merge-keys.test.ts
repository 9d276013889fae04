import { describe, expect, it } from "vitest";
import { listStrategyFor } from "./merge-keys.js";

const at = (path: string, kind = "Pod") => listStrategyFor(path.split("."), kind);

describe("listStrategyFor", () => {
  it("finds pod-spec lists wherever the pod spec sits", () => {
    expect(at("spec.containers")).toEqual({ type: "merge", key: "name" });
    expect(at("spec.template.spec.initContainers", "Deployment")).toEqual({ type: "merge", key: "name" });
    expect(at("spec.jobTemplate.spec.template.spec.containers.env", "CronJob")).toEqual({ type: "merge", key: "name" });
    expect(at("spec.template.spec.containers.ports", "ReplicaSet")).toEqual({ type: "merge", key: "containerPort" });
    expect(at("spec.containers.volumeMounts")).toEqual({ type: "merge", key: "mountPath" });
    expect(at("spec.ephemeralContainers.volumeDevices")).toEqual({ type: "merge", key: "devicePath" });
    expect(at("spec.volumes")).toEqual({ type: "merge", key: "name" });
    expect(at("spec.imagePullSecrets")).toEqual({ type: "merge", key: "name" });
    expect(at("spec.hostAliases")).toEqual({ type: "merge", key: "ip" });
  });

  it("metadata and status lists", () => {
    expect(at("metadata.ownerReferences")).toEqual({ type: "merge", key: "uid" });
    expect(at("spec.template.metadata.finalizers", "Deployment")).toEqual({ type: "set" });
    expect(at("status.conditions", "Deployment")).toEqual({ type: "merge", key: "type" });
    expect(at("status.addresses", "Node")).toEqual({ type: "merge", key: "type" });
  });

  it("everything else is atomic, and kind-restricted rules stay with their kind", () => {
    for (const path of ["spec.containers.args", "spec.containers.command", "spec.containers.envFrom", "spec.tolerations", "subsets", "spec.containers.ports.x"]) {
      expect(at(path, "Endpoints")).toEqual({ type: "atomic" });
    }
    expect(at("spec.ports", "Service")).toEqual({ type: "merge", key: "port" });
    expect(at("spec.ports", "Pod")).toEqual({ type: "atomic" });
    expect(at("status.addresses", "Pod")).toEqual({ type: "atomic" });
  });
});
