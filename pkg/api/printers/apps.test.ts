import { describe, expect, it } from "vitest";
import { deploymentPrinter, formatLabelSelector, replicaSetPrinter } from "./apps.js";

const now = new Date("2024-05-01T12:00:00Z");
const created = "2024-05-01T11:00:00Z";
const template = {
  spec: {
    containers: [
      { name: "web", image: "nginx:1.25" },
      { name: "sidecar", image: "busybox" },
    ],
  },
};

describe("deploymentPrinter", () => {
  it("has NAME READY UP-TO-DATE AVAILABLE AGE, and CONTAINERS IMAGES SELECTOR only wide", () => {
    expect(deploymentPrinter.columns.map((c) => [c.name, c.priority])).toEqual([
      ["Name", 0],
      ["Ready", 0],
      ["Up-to-date", 0],
      ["Available", 0],
      ["Age", 0],
      ["Containers", 1],
      ["Images", 1],
      ["Selector", 1],
    ]);
  });

  it("prints ready/desired and the template's containers", () => {
    const row = deploymentPrinter.row(
      {
        metadata: { name: "web", creationTimestamp: created },
        spec: { replicas: 3, selector: { matchLabels: { app: "web" } }, template },
        status: { readyReplicas: 2, updatedReplicas: 3, availableReplicas: 2 },
      },
      now,
    );
    expect(row.cells).toEqual(["web", "2/3", 3, 2, "60m", "web,sidecar", "nginx:1.25,busybox", "app=web"]);
  });

  it("prints 0/0 for a fresh deployment with no status", () => {
    const row = deploymentPrinter.row({ metadata: { name: "d", creationTimestamp: created }, spec: {} }, now);
    expect(row.cells.slice(0, 4)).toEqual(["d", "0/0", 0, 0]);
    expect(row.cells[7]).toBe("");
  });
});

describe("replicaSetPrinter", () => {
  it("has NAME DESIRED CURRENT READY AGE (integers), wide CONTAINERS IMAGES SELECTOR", () => {
    expect(replicaSetPrinter.columns.map((c) => [c.name, c.type, c.priority])).toEqual([
      ["Name", "string", 0],
      ["Desired", "integer", 0],
      ["Current", "integer", 0],
      ["Ready", "integer", 0],
      ["Age", "string", 0],
      ["Containers", "string", 1],
      ["Images", "string", 1],
      ["Selector", "string", 1],
    ]);
  });

  it("prints desired, current and ready counts", () => {
    const row = replicaSetPrinter.row(
      {
        metadata: { name: "web-7d9f", creationTimestamp: created },
        spec: { replicas: 3, selector: { matchLabels: { "pod-template-hash": "7d9f", app: "web" } }, template },
        status: { replicas: 3, readyReplicas: 1 },
      },
      now,
    );
    expect(row.cells).toEqual(["web-7d9f", 3, 3, 1, "60m", "web,sidecar", "nginx:1.25,busybox", "app=web,pod-template-hash=7d9f"]);
  });
});

describe("formatLabelSelector", () => {
  it("sorts requirements by key and spells operators as kubectl does", () => {
    expect(
      formatLabelSelector({
        matchLabels: { app: "web" },
        matchExpressions: [
          { key: "tier", operator: "In", values: ["b", "a"] },
          { key: "canary", operator: "DoesNotExist" },
          { key: "env", operator: "NotIn", values: ["dev"] },
          { key: "owner", operator: "Exists" },
        ],
      }),
    ).toBe("app=web,!canary,env notin (dev),owner,tier in (a,b)");
  });

  it("is <none> for an empty selector and <error> for an invalid one", () => {
    expect(formatLabelSelector(undefined)).toBe("<none>");
    expect(formatLabelSelector({})).toBe("<none>");
    expect(formatLabelSelector({ matchExpressions: [{ key: "a", operator: "Near" }] })).toBe("<error>");
    expect(formatLabelSelector({ matchExpressions: [{ key: "a", operator: "In", values: [] }] })).toBe("<error>");
  });
});
