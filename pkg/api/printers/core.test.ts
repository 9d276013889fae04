import { describe, expect, it } from "vitest";
import { configMapPrinter, defaultPrinter, eventPrinter, leasePrinter, namespacePrinter } from "./core.js";

const now = new Date("2024-05-01T12:00:00Z");
const ago = (ms: number): string => new Date(now.getTime() - ms).toISOString();

describe("eventPrinter", () => {
  it("has the apiserver's event columns in its order, wide ones at priority 1", () => {
    expect(eventPrinter.columns.map((c) => [c.name, c.priority])).toEqual([
      ["Last Seen", 0],
      ["Type", 0],
      ["Reason", 0],
      ["Object", 0],
      ["Subobject", 1],
      ["Source", 1],
      ["Message", 0],
      ["First Seen", 1],
      ["Count", 1],
      ["Name", 1],
    ]);
  });

  it("prints a core/v1 event as kubectl get events shows it", () => {
    const row = eventPrinter.row(
      {
        metadata: { name: "web-1.17c8a", creationTimestamp: ago(300_000) },
        involvedObject: { kind: "Pod", name: "web-1", fieldPath: "spec.containers{web}" },
        type: "Warning",
        reason: "BackOff",
        message: " Back-off restarting failed container web\n",
        count: 3,
        firstTimestamp: ago(5 * 60_000),
        lastTimestamp: ago(30_000),
        source: { component: "kubelet", host: "node-1" },
      },
      now,
    );
    expect(row.cells).toEqual([
      "30s",
      "Warning",
      "BackOff",
      "pod/web-1",
      "spec.containers{web}",
      "kubelet, node-1",
      "Back-off restarting failed container web",
      "5m",
      3,
      "web-1.17c8a",
    ]);
  });

  it("uses eventTime, series and reporting* fields from the newer events API", () => {
    const row = eventPrinter.row(
      {
        metadata: { name: "e" },
        involvedObject: { kind: "Node" },
        eventTime: ago(10 * 60_000),
        series: { count: 7, lastObservedTime: ago(20_000) },
        reportingComponent: "node-controller",
      },
      now,
    );
    expect([row.cells[0], row.cells[3], row.cells[5], row.cells[7], row.cells[8]]).toEqual(["20s", "node", "node-controller", "10m", 7]);
  });

  it("counts a singleton event as 1 and reuses first seen when last seen is missing", () => {
    const row = eventPrinter.row({ metadata: { name: "e" }, firstTimestamp: ago(90_000) }, now);
    expect([row.cells[0], row.cells[7], row.cells[8]]).toEqual(["90s", "90s", 1]);
  });
});

describe("namespace, configmap, lease and default printers", () => {
  const meta = { name: "x", creationTimestamp: ago(3 * 60 * 60_000) };

  it("namespace: NAME STATUS AGE", () => {
    expect(namespacePrinter.columns.map((c) => c.name)).toEqual(["Name", "Status", "Age"]);
    expect(namespacePrinter.row({ metadata: meta, status: { phase: "Active" } }, now).cells).toEqual(["x", "Active", "3h"]);
  });

  it("configmap: NAME DATA AGE, DATA counting data and binaryData keys", () => {
    expect(configMapPrinter.columns.map((c) => c.name)).toEqual(["Name", "Data", "Age"]);
    expect(configMapPrinter.row({ metadata: meta, data: { a: "1", b: "2" }, binaryData: { c: "AA==" } }, now).cells).toEqual(["x", 3, "3h"]);
    expect(configMapPrinter.row({ metadata: meta }, now).cells[1]).toBe(0);
  });

  it("lease: NAME HOLDER AGE", () => {
    expect(leasePrinter.columns.map((c) => c.name)).toEqual(["Name", "Holder", "Age"]);
    expect(leasePrinter.row({ metadata: meta, spec: { holderIdentity: "node-1" } }, now).cells).toEqual(["x", "node-1", "3h"]);
    expect(leasePrinter.row({ metadata: meta, spec: {} }, now).cells[1]).toBe("");
  });

  it("default: NAME AGE", () => {
    expect(defaultPrinter.columns.map((c) => [c.name, c.format])).toEqual([
      ["Name", "name"],
      ["Age", ""],
    ]);
    expect(defaultPrinter.row({ metadata: { name: "y" } }, now).cells).toEqual(["y", "<unknown>"]);
  });
});
