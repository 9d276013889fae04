import { describe, expect, it } from "vitest";
import { FakeClock } from "../util/clock.js";
import { makePod } from "./fixtures.js";
import { SchedulingQueue, specChanged } from "./queue.js";

function setup(opts: { flush?: number } = {}) {
  const clock = new FakeClock();
  const q = new SchedulingQueue({ clock, initialBackoffMs: 1000, maxBackoffMs: 10_000, unschedulableFlushMs: opts.flush ?? 60_000 });
  return { clock, q };
}
const FIT = new Set(["NodeResourcesFit"]);

describe("SchedulingQueue", () => {
  it("pops by priority, then creation time, then arrival", () => {
    const { q } = setup();
    q.add(makePod("late", { creationTimestamp: "2026-01-01T00:00:05Z" }));
    q.add(makePod("early", { creationTimestamp: "2026-01-01T00:00:01Z" }));
    q.add(makePod("vip", { priority: 1000, creationTimestamp: "2026-01-01T00:00:09Z" }));
    q.add(makePod("early2", { creationTimestamp: "2026-01-01T00:00:01Z" }));
    const order: string[] = [];
    for (let x = q.tryPop(); x; x = q.tryPop()) order.push(String(x.pod.metadata.name));
    expect(order).toEqual(["vip", "early", "early2", "late"]);
  });

  it("dedupes a pod added twice and drops a deleted one", () => {
    const { q } = setup();
    q.add(makePod("a"));
    q.add(makePod("a"));
    q.add(makePod("b"));
    q.delete("default/b");
    expect(q.stats().active).toBe(1);
  });

  it("parks an unschedulable pod until an event that helps its rejecting plugin", async () => {
    const { q, clock } = setup();
    q.add(makePod("p"));
    const p = q.tryPop()!;
    q.addUnschedulable(p, FIT);
    expect(q.stats().unschedulable).toBe(1);
    // Nothing is retried by time alone (well before the safety flush).
    await clock.advance(30_000);
    expect(q.tryPop()).toBeUndefined();
    // An event for another plugin does not help.
    q.moveOnEvent({ label: "NodeUpdate", helps: new Set(["NodeAffinity"]) });
    expect(q.stats().unschedulable).toBe(1);
    q.moveOnEvent({ label: "AssignedPodDelete", helps: FIT });
    expect(q.tryPop()?.key).toBe("default/p");
  });

  it("waits out the back-off when an event comes soon after a failure", async () => {
    const { q, clock } = setup();
    q.add(makePod("p"));
    q.addUnschedulable(q.tryPop()!, FIT);
    await clock.advance(200);
    q.moveOnEvent({ label: "NodeAdd", helps: "all" });
    expect(q.stats()).toMatchObject({ backoff: 1, active: 0 });
    await clock.advance(799);
    expect(q.tryPop()).toBeUndefined();
    await clock.advance(1);
    const again = q.tryPop()!;
    expect(again.attempts).toBe(2);
    // The back-off doubles per attempt, up to the cap.
    expect([1, 2, 3, 4, 5, 6].map((n) => q.backoffMs(n))).toEqual([1000, 2000, 4000, 8000, 10_000, 10_000]);
  });

  it("retries after back-off instead of parking when an event came during the attempt", () => {
    const { q } = setup();
    q.add(makePod("p"));
    const p = q.tryPop()!;
    q.moveOnEvent({ label: "NodeAdd", helps: "all" }); // arrives while p is being scheduled
    q.addUnschedulable(p, FIT);
    expect(q.stats()).toMatchObject({ unschedulable: 0, backoff: 1 });
  });

  it("flushes a pod left unschedulable for the flush interval", async () => {
    const { q, clock } = setup({ flush: 5000 });
    q.add(makePod("p"));
    q.addUnschedulable(q.tryPop()!, FIT);
    await clock.advance(4999);
    expect(q.stats().unschedulable).toBe(1);
    await clock.advance(1);
    expect(q.tryPop()?.key).toBe("default/p");
  });

  it("retries an unschedulable pod whose spec changed, not one whose status changed", () => {
    const { q } = setup();
    const pod = makePod("p", { cpu: "8" });
    q.add(pod);
    q.addUnschedulable(q.tryPop()!, FIT);
    q.update({ ...pod, status: { phase: "Pending", conditions: [{ type: "PodScheduled", status: "False" }] } });
    expect(q.stats().unschedulable).toBe(1);
    q.update(makePod("p", { cpu: "1" }));
    expect(q.stats().unschedulable).toBe(0);
    expect(q.has("default/p")).toBe(true);
  });

  it("does not hand out a pod twice while it is in flight, and forgets a pod deleted in flight", () => {
    const { q } = setup();
    q.add(makePod("p"));
    const p = q.tryPop()!;
    q.add(makePod("p")); // e.g. an update arriving while binding
    expect(q.tryPop()).toBeUndefined();
    q.delete("default/p");
    q.addUnschedulable(p, FIT);
    expect(q.has("default/p")).toBe(false);
  });

  it("pop waits for a pod and returns undefined once closed", async () => {
    const { q } = setup();
    const waiting = q.pop();
    q.add(makePod("p"));
    expect((await waiting)?.key).toBe("default/p");
    const next = q.pop();
    q.close();
    expect(await next).toBeUndefined();
  });

  it("specChanged looks at spec and labels only", () => {
    const a = makePod("p");
    expect(specChanged(a, { ...a, metadata: { ...a.metadata, resourceVersion: "9" } })).toBe(false);
    expect(specChanged(a, { ...a, metadata: { ...a.metadata, labels: { x: "y" } } })).toBe(true);
  });
});
