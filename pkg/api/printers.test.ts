import { describe, expect, it } from "vitest";
import { columnsFor, tableFor } from "./printers.js";
import type { KubeObject } from "./types.js";

const now = new Date("2024-05-01T12:00:00Z");

const pod: KubeObject = {
  apiVersion: "v1",
  kind: "Pod",
  metadata: { name: "web-1", namespace: "default", uid: "u1", resourceVersion: "7", creationTimestamp: "2024-05-01T11:59:00Z" },
  spec: { containers: [{ name: "web", image: "nginx" }], nodeName: "node-1" },
  status: {
    phase: "Running",
    podIP: "127.244.0.2",
    containerStatuses: [{ name: "web", ready: true, restartCount: 0, image: "nginx", imageID: "", state: { running: {} } }],
  },
};

describe("tableFor", () => {
  it("builds a meta.k8s.io/v1 Table with the kind's columns and one row per object", () => {
    const table = tableFor("Pod", [pod, { ...pod, metadata: { ...pod.metadata, name: "web-2" } }], {
      now,
      includeObject: "Metadata",
      resourceVersion: "42",
    });
    expect(table.kind).toBe("Table");
    expect(table.apiVersion).toBe("meta.k8s.io/v1");
    expect(table.metadata).toEqual({ resourceVersion: "42" });
    expect(table.columnDefinitions.map((c) => c.name)).toEqual(columnsFor("Pod").map((c) => c.name));
    expect(table.rows.map((r) => r.cells.slice(0, 5))).toEqual([
      ["web-1", "1/1", "Running", "0", "60s"],
      ["web-2", "1/1", "Running", "0", "60s"],
    ]);
  });

  it("puts PartialObjectMetadata in row.object for includeObject=Metadata", () => {
    const [row] = tableFor("Pod", [pod], { now, includeObject: "Metadata" }).rows;
    expect(row.object).toEqual({ kind: "PartialObjectMetadata", apiVersion: "meta.k8s.io/v1", metadata: pod.metadata });
  });

  it("puts the whole object for includeObject=Object and none for None", () => {
    expect(tableFor("Pod", [pod], { now, includeObject: "Object" }).rows[0].object).toBe(pod);
    const none = tableFor("Pod", [pod], { now, includeObject: "None" }).rows[0];
    expect("object" in none).toBe(false);
  });

  it("falls back to NAME and AGE for kinds without a printer", () => {
    // A kind no printer knows (Secret had none until it got its own).
    const other: KubeObject = { apiVersion: "example.dev/v1", kind: "Example", metadata: { name: "s", creationTimestamp: "2024-05-01T11:00:00Z" } };
    const table = tableFor("Example", [other], { now, includeObject: "None" });
    expect(table.columnDefinitions.map((c) => c.name)).toEqual(["Name", "Age"]);
    expect(table.rows[0].cells).toEqual(["s", "60m"]);
  });

  it("can leave out column definitions (watch events after the first) and carries a continue token", () => {
    const table = tableFor("Pod", [pod], { now, includeObject: "None", noHeaders: true, continue: "abc" });
    expect(table.columnDefinitions).toEqual([]);
    expect(table.metadata).toEqual({ continue: "abc" });
    expect(table.rows).toHaveLength(1);
  });

  it("returns an empty row list with headers for no objects", () => {
    const table = tableFor("Deployment", [], { now, includeObject: "Metadata" });
    expect(table.rows).toEqual([]);
    expect(table.columnDefinitions.map((c) => c.name)).toEqual(["Name", "Ready", "Up-to-date", "Available", "Age", "Containers", "Images", "Selector"]);
  });

  it("gives every row as many cells as there are columns, for every kind", () => {
    for (const kind of ["Pod", "Deployment", "ReplicaSet", "Service", "Endpoints", "Node", "Namespace", "Event", "ConfigMap", "Lease", "Widget"]) {
      const obj: KubeObject = { apiVersion: "v1", kind, metadata: { name: "x" } };
      const table = tableFor(kind, [obj], { now, includeObject: "None" });
      expect(table.rows[0].cells, kind).toHaveLength(table.columnDefinitions.length);
    }
  });
});

describe("wide columns", () => {
  // What `kubectl get -o wide` adds per kind; everything else must be priority 0.
  const wide: Record<string, string[]> = {
    Pod: ["IP", "Node", "Nominated Node", "Readiness Gates"],
    Deployment: ["Containers", "Images", "Selector"],
    ReplicaSet: ["Containers", "Images", "Selector"],
    Service: ["Selector"],
    Endpoints: [],
    Node: ["Internal-IP", "External-IP", "OS-Image", "Kernel-Version", "Container-Runtime"],
    Namespace: [],
    Event: ["Subobject", "Source", "First Seen", "Count", "Name"],
    ConfigMap: [],
    Lease: [],
  };
  it.each(Object.entries(wide))("%s", (kind, names) => {
    const cols = columnsFor(kind);
    expect(cols.filter((c) => c.priority === 1).map((c) => c.name)).toEqual(names);
    expect(cols.every((c) => c.priority === 0 || c.priority === 1)).toBe(true);
  });

  it("returns copies, so callers cannot change the printers' definitions", () => {
    columnsFor("Pod")[0].name = "changed";
    expect(columnsFor("Pod")[0].name).toBe("Name");
  });
});
