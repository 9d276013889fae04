import { describe, expect, it } from "vitest";
import { FakeRuntime } from "./fake.js";
import { ClusterScopedRuntime } from "./cluster-scoped.js";
import { LABELS, type RuntimeEvent } from "./runtime.js";

const spec = (name: string) => ({
  name,
  image: "skiff/busybox:latest",
  labels: { [LABELS.podUid]: name, [LABELS.node]: "node-1", [LABELS.container]: "c" },
});

describe("ClusterScopedRuntime", () => {
  it("keeps two clusters on one engine from seeing each other's containers", async () => {
    const engine = new FakeRuntime({ images: ["skiff/busybox:latest"] });
    const a = new ClusterScopedRuntime(engine, "cluster-a");
    const b = new ClusterScopedRuntime(engine, "cluster-b");
    const seenByA: RuntimeEvent[] = [];
    const off = a.events((ev) => seenByA.push(ev));
    const ida = await a.create(spec("pa"));
    const idb = await b.create(spec("pb"));
    await a.start(ida);
    await b.start(idb);
    expect((await a.list({ [LABELS.node]: "node-1" })).map((c) => c.id)).toEqual([ida]);
    expect((await b.list({ [LABELS.node]: "node-1" })).map((c) => c.id)).toEqual([idb]);
    expect((await engine.list({ [LABELS.node]: "node-1" })).length).toBe(2);
    expect((await a.inspect(ida)).labels[LABELS.cluster]).toBe("cluster-a");
    await new Promise((r) => setTimeout(r, 10));
    expect(seenByA.some((e) => e.id === ida)).toBe(true);
    expect(seenByA.filter((e) => e.id).every((e) => e.id === ida)).toBe(true);
    off();
    await engine.close();
  });
});
