import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { decodeText, lineOf } from "./decode.js";
import type { ManifestDocument } from "./decode.js";
import { parseFieldPath } from "./field-lines.js";

const testdata = path.join(path.dirname(fileURLToPath(import.meta.url)), "testdata");
const decodeFixture = (name: string) => decodeText(readFileSync(path.join(testdata, name), "utf8"), name);

describe("lineOf", () => {
  const [deploy] = decodeFixture("deployment.yaml");

  it("finds top-level and nested fields", () => {
    expect(lineOf(deploy, "spec.replicas")).toBe(9);
    expect(lineOf(deploy, "metadata.labels.app")).toBe(6);
    expect(lineOf(deploy, "spec.template.metadata.labels.app")).toBe(16);
    expect(lineOf(deploy, "spec.template.spec.volumes[0].configMap.defaultMode")).toBe(30);
  });

  it("follows list indices", () => {
    expect(lineOf(deploy, "spec.template.spec.containers[0]")).toBe(19);
    expect(lineOf(deploy, "spec.template.spec.containers[0].image")).toBe(20);
    expect(lineOf(deploy, "spec.template.spec.containers[1].image")).toBe(22);
    expect(lineOf(deploy, "spec.template.spec.containers[1].ports[1].containerPort")).toBe(25);
  });

  it("finds map keys containing dots, bracketed or not", () => {
    expect(lineOf(deploy, "metadata.labels[app.kubernetes.io/name]")).toBe(7);
    expect(lineOf(deploy, 'metadata.labels["app.kubernetes.io/name"]')).toBe(7);
    expect(lineOf(deploy, "metadata.labels.app.kubernetes.io/name")).toBe(7);
  });

  it("falls back to the closest present ancestor, or undefined with exact", () => {
    // A "Required value" error for a field the user left out points at its parent.
    expect(lineOf(deploy, "spec.template.spec.containers[1].resources.limits.memory")).toBe(21);
    expect(lineOf(deploy, "spec.template.spec.containers[1].resources", { exact: true })).toBeUndefined();
    expect(lineOf(deploy, "spec.template.spec.containers[7]")).toBe(18);
    expect(lineOf(deploy, "spec.strategy")).toBe(8);
    expect(lineOf(deploy, "status")).toBe(1);
    expect(lineOf(deploy, "")).toBe(1);
  });

  it("uses each List item's own lines", () => {
    const [service, deployment] = decodeFixture("list.yaml");
    expect(lineOf(service, "spec.ports[0].port")).toBe(10);
    expect(lineOf(deployment, "spec.replicas")).toBe(16);
    expect(lineOf(deployment, "metadata.name")).toBe(14);
  });

  it("works in later documents of a stream and in JSON", () => {
    const [, configMap, pod] = decodeFixture("multi.yaml");
    expect(lineOf(configMap, "data.answer")).toBe(20);
    expect(lineOf(pod, "metadata.namespace")).toBe(24);
    expect(lineOf(pod, "spec.containers[0].image")).toBe(28);
    const [jsonPod] = decodeFixture("pod.json");
    expect(lineOf(jsonPod, "spec.containers[0].image")).toBe(10);
    expect(lineOf(jsonPod, "metadata.labels.app")).toBe(6);
  });

  it("looks through anchors and << merge keys", () => {
    const [pod] = decodeFixture("anchors.yaml");
    expect(lineOf(pod, "spec.containers[1].name")).toBe(13);
    expect(lineOf(pod, "spec.containers[1].image")).toBe(11); // inherited from the anchor
  });

  it("survives shallow copies of the document but not foreign ones", () => {
    const copy: ManifestDocument = { ...deploy, object: structuredClone(deploy.object) };
    expect(lineOf(copy, "spec.replicas")).toBe(9);
    const foreign: ManifestDocument = { object: { apiVersion: "v1", kind: "ConfigMap", metadata: {} }, source: { file: "x.yaml", line: 1, index: 0 } };
    expect(lineOf(foreign, "spec")).toBeUndefined();
  });

  it("returns undefined for malformed paths", () => {
    expect(lineOf(deploy, "spec..replicas")).toBeUndefined();
    expect(lineOf(deploy, "spec.containers[0")).toBeUndefined();
    expect(lineOf(deploy, "spec.")).toBeUndefined();
  });
});

describe("parseFieldPath", () => {
  it("splits fields, indices and bracketed keys", () => {
    expect(parseFieldPath("spec.containers[0].ports[12].name")).toEqual([
      { kind: "key", name: "spec", dotted: true },
      { kind: "key", name: "containers", dotted: true },
      { kind: "index", index: 0 },
      { kind: "key", name: "ports", dotted: true },
      { kind: "index", index: 12 },
      { kind: "key", name: "name", dotted: true },
    ]);
    expect(parseFieldPath("metadata.annotations[example.com/x]")).toEqual([
      { kind: "key", name: "metadata", dotted: true },
      { kind: "key", name: "annotations", dotted: true },
      { kind: "key", name: "example.com/x", dotted: false },
    ]);
    expect(parseFieldPath("")).toEqual([]);
  });
});
