import { describe, expect, it } from "vitest";
import { tableFor } from "../printers.js";

const now = new Date("2024-05-01T12:00:00Z");
const created = "2024-05-01T11:55:00Z";
const template = { spec: { nodeSelector: { disk: "ssd", "kubernetes.io/os": "linux" }, containers: [{ name: "a", image: "busybox:1" }, { name: "b", image: "nginx:1" }] } };

describe("DaemonSet, StatefulSet and Secret tables", () => {
  it("prints a DaemonSet as kubectl does, with wide columns", () => {
    const t = tableFor(
      "DaemonSet",
      [
        {
          apiVersion: "apps/v1",
          kind: "DaemonSet",
          metadata: { name: "fluentd", creationTimestamp: created },
          spec: { selector: { matchLabels: { name: "fluentd" } }, template },
          status: { desiredNumberScheduled: 3, currentNumberScheduled: 3, numberReady: 2, updatedNumberScheduled: 1, numberAvailable: 2 },
        },
      ],
      { now, includeObject: "None" },
    );
    expect(t.columnDefinitions.map((c) => `${c.name}:${c.priority}`)).toEqual([
      "Name:0", "Desired:0", "Current:0", "Ready:0", "Up-to-date:0", "Available:0", "Node Selector:0", "Age:0", "Containers:1", "Images:1", "Selector:1",
    ]);
    expect(t.rows[0].cells).toEqual(["fluentd", 3, 3, 2, 1, 2, "disk=ssd,kubernetes.io/os=linux", "5m", "a,b", "busybox:1,nginx:1", "name=fluentd"]);
  });

  it("prints <none> for a DaemonSet without a node selector and zeros without status", () => {
    const t = tableFor("DaemonSet", [{ apiVersion: "apps/v1", kind: "DaemonSet", metadata: { name: "x", creationTimestamp: created }, spec: {} }], { now, includeObject: "None" });
    expect(t.rows[0].cells.slice(0, 7)).toEqual(["x", 0, 0, 0, 0, 0, "<none>"]);
  });

  it("prints a StatefulSet's READY as ready/desired", () => {
    const t = tableFor(
      "StatefulSet",
      [{ apiVersion: "apps/v1", kind: "StatefulSet", metadata: { name: "web", creationTimestamp: created }, spec: { replicas: 3, template }, status: { readyReplicas: 2 } }],
      { now, includeObject: "None" },
    );
    expect(t.columnDefinitions.map((c) => c.name)).toEqual(["Name", "Ready", "Age", "Containers", "Images"]);
    expect(t.rows[0].cells).toEqual(["web", "2/3", "5m", "a,b", "busybox:1,nginx:1"]);
  });

  it("prints a Secret's type and key count, never its values", () => {
    const secret = {
      apiVersion: "v1",
      kind: "Secret",
      metadata: { name: "db", creationTimestamp: created },
      type: "Opaque",
      data: { user: Buffer.from("admin").toString("base64"), pass: Buffer.from("hunter2").toString("base64") },
    };
    const t = tableFor("Secret", [secret], { now, includeObject: "Metadata" });
    expect(t.columnDefinitions.map((c) => c.name)).toEqual(["Name", "Type", "Data", "Age"]);
    expect(t.rows[0].cells).toEqual(["db", "Opaque", 2, "5m"]);
    const text = JSON.stringify(t);
    expect(text).not.toContain(secret.data.pass);
    expect(text).not.toContain(secret.data.user);
  });
});
