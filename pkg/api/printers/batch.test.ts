import { describe, expect, it } from "vitest";
import { tableFor } from "../printers.js";
import { cronJobPrinter, jobPrinter, jobStatus } from "./batch.js";

const now = new Date("2026-01-01T12:00:00Z");
const template = { spec: { containers: [{ name: "pi", image: "skiff/busybox" }] } };
const selector = { matchLabels: { "batch.kubernetes.io/controller-uid": "u-1" } };

describe("jobPrinter", () => {
  it("has kubectl's columns", () => {
    expect(jobPrinter.columns.map((c) => [c.name, c.priority])).toEqual([
      ["Name", 0],
      ["Status", 0],
      ["Completions", 0],
      ["Duration", 0],
      ["Age", 0],
      ["Containers", 1],
      ["Images", 1],
      ["Selector", 1],
    ]);
  });

  it("prints a complete Job with its duration, and a running one's time so far", () => {
    const done = {
      metadata: { name: "pi", creationTimestamp: "2026-01-01T11:00:00Z" },
      spec: { completions: 1, parallelism: 1, selector, template },
      status: {
        succeeded: 1,
        startTime: "2026-01-01T11:00:00Z",
        completionTime: "2026-01-01T11:00:09Z",
        conditions: [
          { type: "SuccessCriteriaMet", status: "True" },
          { type: "Complete", status: "True" },
        ],
      },
    };
    expect(jobPrinter.row(done, now).cells).toEqual(["pi", "Complete", "1/1", "9s", "60m", "pi", "skiff/busybox", "batch.kubernetes.io/controller-uid=u-1"]);
    const running = { metadata: { name: "w", creationTimestamp: "2026-01-01T11:59:00Z" }, spec: { parallelism: 3, template }, status: { succeeded: 1, startTime: "2026-01-01T11:59:30Z" } };
    expect(jobPrinter.row(running, now).cells.slice(0, 4)).toEqual(["w", "Running", "1/1 of 3", "30s"]);
    expect(jobPrinter.row({ metadata: { name: "new" }, spec: { completions: 5 } }, now).cells.slice(1, 4)).toEqual(["Running", "0/5", ""]);
  });

  it("orders STATUS as kubectl 1.32 does", () => {
    const withConds = (...types: string[]) => ({ status: { conditions: types.map((type) => ({ type, status: "True" })) } });
    expect(jobStatus(withConds("FailureTarget", "Failed"))).toBe("Failed");
    expect(jobStatus(withConds("Suspended"))).toBe("Suspended");
    expect(jobStatus(withConds("FailureTarget"))).toBe("FailureTarget");
    expect(jobStatus(withConds("SuccessCriteriaMet"))).toBe("SuccessCriteriaMet");
    expect(jobStatus({ metadata: { deletionTimestamp: "2026-01-01T00:00:00Z" } })).toBe("Terminating");
    expect(jobStatus({ status: { conditions: [{ type: "Complete", status: "False" }] } })).toBe("Running");
  });
});

describe("cronJobPrinter", () => {
  it("prints schedule, zone, suspend, active and last schedule", () => {
    const cj = {
      metadata: { name: "hello", creationTimestamp: "2026-01-01T10:00:00Z" },
      spec: { schedule: "*/1 * * * *", suspend: false, jobTemplate: { spec: { template } } },
      status: { active: [{ name: "hello-1" }], lastScheduleTime: "2026-01-01T11:59:00Z" },
    };
    expect(cronJobPrinter.row(cj, now).cells).toEqual(["hello", "*/1 * * * *", "<none>", "False", 1, "60s", "120m", "pi", "skiff/busybox", "<none>"]);
    const fresh = { metadata: { name: "x" }, spec: { schedule: "@daily", timeZone: "Europe/Berlin" } };
    expect(cronJobPrinter.row(fresh, now).cells.slice(2, 6)).toEqual(["Europe/Berlin", "<unset>", 0, "<none>"]);
  });

  it("is what tableFor uses for the kinds", () => {
    const t = tableFor("CronJob", [], { now, includeObject: "None" });
    expect(t.columnDefinitions.map((c) => c.name)).toEqual(["Name", "Schedule", "Timezone", "Suspend", "Active", "Last Schedule", "Age", "Containers", "Images", "Selector"]);
    expect(tableFor("Job", [], { now, includeObject: "None" }).columnDefinitions[1].name).toBe("Status");
  });
});
