import { describe, expect, it } from "vitest";
import { SchedulerCache } from "./cache.js";
import { makeNode, makePod } from "./fixtures.js";

describe("SchedulerCache", () => {
  it("keeps running totals as pods come, move and go", () => {
    const cache = new SchedulerCache();
    cache.setNode(makeNode("a"));
    cache.setNode(makeNode("b"));
    cache.setPod(makePod("p", { nodeName: "a", cpu: "1", memory: "1Gi", ownerUid: "rs" }));
    expect(cache.get("a")!.requested).toEqual({ milliCpu: 1000, memory: 2 ** 30 });
    expect(cache.get("a")!.ownerCounts.get("rs")).toBe(1);
    // The same pod again (an update) is not counted twice.
    cache.setPod(makePod("p", { nodeName: "a", cpu: "1", memory: "1Gi", ownerUid: "rs" }));
    expect(cache.get("a")!.podCount).toBe(1);
    cache.removePod("default/p");
    expect(cache.get("a")!.requested).toEqual({ milliCpu: 0, memory: 0 });
    expect(cache.get("a")!.ownerCounts.size).toBe(0);
  });

  it("assumes, confirms and forgets", () => {
    const cache = new SchedulerCache();
    cache.setNode(makeNode("a"));
    cache.setNode(makeNode("b"));
    const pod = makePod("p", { cpu: "1" });
    cache.assumePod(pod, "a");
    expect(cache.isAssumed("default/p")).toBe(true);
    expect(cache.get("a")!.requested.milliCpu).toBe(1000);
    cache.forgetPod("default/p");
    expect(cache.get("a")!.requested.milliCpu).toBe(0);
    expect(cache.nodeOf("default/p")).toBeUndefined();

    cache.assumePod(pod, "a");
    // Someone else bound it to b: the informer's truth wins and forget is then a no-op.
    cache.setPod({ ...pod, spec: { ...pod.spec!, nodeName: "b" } });
    expect(cache.isAssumed("default/p")).toBe(false);
    cache.forgetPod("default/p");
    expect(cache.get("a")!.podCount).toBe(0);
    expect(cache.get("b")!.requested.milliCpu).toBe(1000);
  });

  it("lists nodes sorted by name and keeps the pods of a node that leaves and returns", () => {
    const cache = new SchedulerCache();
    for (const n of ["c", "a", "b"]) cache.setNode(makeNode(n));
    expect(cache.nodes().map((n) => n.name)).toEqual(["a", "b", "c"]);
    cache.setPod(makePod("p", { nodeName: "b", cpu: "2" }));
    cache.removeNode("b");
    expect(cache.nodes().map((n) => n.name)).toEqual(["a", "c"]);
    expect(cache.get("b")).toBeUndefined();
    cache.setNode(makeNode("b"));
    expect(cache.get("b")!.requested.milliCpu).toBe(2000);
  });

  it("counts pods bound to a node it has not seen yet once the node appears", () => {
    const cache = new SchedulerCache();
    cache.setPod(makePod("early", { nodeName: "late", memory: "1Gi" }));
    expect(cache.nodes()).toHaveLength(0);
    cache.setNode(makeNode("late"));
    expect(cache.get("late")!.requested.memory).toBe(2 ** 30);
  });

  it("drops finished pods", () => {
    const cache = new SchedulerCache();
    cache.setNode(makeNode("a"));
    const p = makePod("p", { nodeName: "a", cpu: "1" });
    cache.setPod(p);
    cache.setPod({ ...p, status: { phase: "Failed" } });
    expect(cache.get("a")!.podCount).toBe(0);
  });
});
