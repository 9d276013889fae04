import { describe, expect, it } from "vitest";
import { buildSnapshot } from "./cache.js";
import { DecisionRecorder, decisionBucket } from "./decision-store.js";
import { makeNode, makePod } from "./fixtures.js";
import { newScoreTrace, type Pod } from "./framework.js";
import { scheduleOne } from "./schedule-one.js";

function owned(name: string, ownerUid: string, namespace = "default"): Pod {
  const p = makePod(name, { ownerUid, cpu: "100m" });
  p.metadata.namespace = namespace;
  p.metadata.ownerReferences![0].name = `rs-${ownerUid}`;
  return p;
}

function recordAll(rec: DecisionRecorder, pods: Pod[]): void {
  const snap = buildSnapshot([makeNode("n1"), makeNode("n2")]);
  const trace = newScoreTrace();
  for (const p of pods) {
    const res = scheduleOne(p, snap, { trace });
    rec.record(p, res, trace, snap, 1);
    if (res.node) snap.assumePod(p, res.node);
  }
}

describe("DecisionRecorder", () => {
  it("keeps the last N decisions per owner, compacted when read", () => {
    const rec = new DecisionRecorder({ maxPerOwner: 20 });
    const pods = Array.from({ length: 30 }, (_, i) => owned(`web-${i}`, "u1"));
    recordAll(rec, pods);
    expect(rec.recorded).toBe(30);
    expect(rec.size()).toBe(20);
    const d = rec.find(pods[29]);
    expect(d).toMatchObject({ pod: "web-29", uid: pods[29].metadata.uid, result: "Scheduled", requests: { cpu: "100m" } });
    expect(d!.scores[0].node).toBe(d!.node);
    // Read twice, compacted once.
    expect(rec.find(pods[29])).toBe(d);
    expect(rec.find(pods[10])).toMatchObject({ pod: "web-10" });
    expect(rec.find(pods[9])).toBeUndefined();
  });

  it("keeps one record per pod, the newest", () => {
    const rec = new DecisionRecorder({ maxPerOwner: 2 });
    const [a, b] = [owned("a", "u2"), owned("b", "u2")];
    recordAll(rec, [a, b]);
    // a again: it becomes the newest, so c pushes b out, not a.
    recordAll(rec, [a]);
    recordAll(rec, [owned("c", "u2")]);
    expect(rec.find(a)).toBeDefined();
    expect(rec.find(b)).toBeUndefined();
    expect(rec.size()).toBe(2);
  });

  it("does not give a recreated pod (same name, new uid) its predecessor's record", () => {
    const rec = new DecisionRecorder();
    const old = owned("db-0", "u3");
    recordAll(rec, [old]);
    const again = owned("db-0", "u3");
    again.metadata.uid = "another-uid";
    expect(rec.find(old)).toBeDefined();
    expect(rec.find(again)).toBeUndefined();
  });

  it("files pods by namespace and owner, standalone pods together per namespace", () => {
    const rec = new DecisionRecorder({ maxPerOwner: 1 });
    const [x, y] = [owned("x", "u4", "a"), owned("x", "u4", "b")];
    recordAll(rec, [x, y, makePod("solo-1"), makePod("solo-2")]);
    expect(decisionBucket(x).key).toBe("a/u4");
    expect(decisionBucket(makePod("solo-1"))).toEqual({ key: "default/", standalone: true });
    expect(rec.find(x)).toMatchObject({ pod: "x" });
    expect(rec.find(y)).toMatchObject({ pod: "x" });
    // Standalone pods share a bucket that keeps 5× as many.
    expect(rec.find(makePod("solo-1"))).toMatchObject({ pod: "solo-1" });
    expect(rec.find(makePod("solo-2"))).toMatchObject({ pod: "solo-2" });
  });

  it("keeps at most maxOwners owners, dropping the least recently recorded", () => {
    const rec = new DecisionRecorder({ maxOwners: 3 });
    const pods = ["o1", "o2", "o3"].map((o) => owned(`p-${o}`, o));
    recordAll(rec, pods);
    recordAll(rec, [owned("p2-o1", "o1")]); // o1 is recent again
    recordAll(rec, [owned("p-o4", "o4")]); // o2 goes
    expect(rec.find(pods[0])).toBeDefined();
    expect(rec.find(pods[1])).toBeUndefined();
    expect(rec.find(pods[2])).toBeDefined();
    expect(rec.size()).toBe(4);
  });

  it("records nothing but reports the error when a capture throws", () => {
    const errors: Error[] = [];
    const rec = new DecisionRecorder({ onError: (e) => errors.push(e) });
    const snap = buildSnapshot([makeNode("n1")]);
    const pod = owned("bad", "u5");
    const res = scheduleOne(pod, snap, {});
    // A snapshot whose node list cannot be read: the capture fails, the scheduler must not.
    const broken = Object.assign(Object.create(snap) as typeof snap, { nodes: () => { throw new Error("boom"); } });
    expect(() => rec.record(pod, res, newScoreTrace(), broken, 1)).not.toThrow();
    expect(errors.map((e) => e.message)).toEqual(["boom"]);
    expect(rec.recorded).toBe(0);
  });
});
