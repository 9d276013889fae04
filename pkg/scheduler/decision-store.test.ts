import { beforeEach, describe, expect, it } from "vitest";
import { R } from "../api/kinds.js";
import { Registry } from "../apiserver/registry.js";
import { InProcessClient } from "../client/in-process.js";
import { openStore } from "../store/index.js";
import { buildSnapshot } from "./cache.js";
import { DECISIONS_LABEL, DecisionRecorder, decisionLocation, decisionsOf, findDecision, mergeDecisions, packDecision, unpackDecision } from "./decision-store.js";
import type { Decision } from "./decision.js";
import { makeNode, makePod } from "./fixtures.js";
import { newScoreTrace, type Pod } from "./framework.js";
import { scheduleOne } from "./schedule-one.js";

let client: InProcessClient;

beforeEach(async () => {
  const store = await openStore("memory");
  const registry = new Registry(store);
  await registry.bootstrap();
  client = new InProcessClient(registry);
});

function owned(name: string, ownerUid: string): Pod {
  const p = makePod(name, { ownerUid, cpu: "100m" });
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
  it("keeps the last N decisions per owner in one ConfigMap, written once per flush", async () => {
    const rec = new DecisionRecorder({ client, maxPerOwner: 20, flushMs: 60_000 });
    const pods = Array.from({ length: 30 }, (_, i) => owned(`web-${i}`, "u1"));
    recordAll(rec, pods);
    await rec.flush();
    expect(rec.recorded).toBe(30);
    expect(rec.writes).toBe(1);
    const cm = await client.get(R.configmaps, "default", "skiff-decisions-u1");
    expect(cm.metadata.labels?.[DECISIONS_LABEL]).toBe("true");
    expect(cm.metadata.ownerReferences).toEqual([{ apiVersion: "apps/v1", kind: "ReplicaSet", name: "rs-u1", uid: "u1", blockOwnerDeletion: false }]);
    const list = decisionsOf(cm);
    expect(list.map((d) => d.pod)).toEqual(pods.slice(10).map((p) => p.metadata.name));
    expect(await findDecision(client, pods[29])).toMatchObject({ pod: "web-29", result: "Scheduled" });
    expect(await findDecision(client, pods[0])).toBeUndefined();
  });

  it("merges with what is already stored and keeps one record per pod", async () => {
    const rec = new DecisionRecorder({ client, maxPerOwner: 5, flushMs: 60_000 });
    recordAll(rec, [owned("a", "u2"), owned("b", "u2")]);
    await rec.flush();
    // A second recorder (a restarted scheduler) knows nothing of the first.
    const rec2 = new DecisionRecorder({ client, maxPerOwner: 5, flushMs: 60_000 });
    recordAll(rec2, [owned("b", "u2"), owned("c", "u2")]);
    await rec2.flush();
    const list = decisionsOf(await client.get(R.configmaps, "default", "skiff-decisions-u2"));
    expect(list.map((d) => d.pod)).toEqual(["a", "b", "c"]);
  });

  it("survives someone else writing the ConfigMap in between", async () => {
    const rec = new DecisionRecorder({ client, flushMs: 60_000 });
    recordAll(rec, [owned("a", "u3")]);
    await rec.flush();
    const cm = await client.get(R.configmaps, "default", "skiff-decisions-u3");
    await client.update(R.configmaps, { ...cm, metadata: { ...cm.metadata, annotations: { touched: "yes" } } });
    recordAll(rec, [owned("b", "u3")]);
    await rec.flush();
    const list = decisionsOf(await client.get(R.configmaps, "default", "skiff-decisions-u3"));
    expect(list.map((d) => d.pod)).toEqual(["a", "b"]);
  });

  it("writes on its own after flushMs and groups standalone pods together", async () => {
    const rec = new DecisionRecorder({ client, flushMs: 20 });
    recordAll(rec, [makePod("solo-1"), makePod("solo-2"), owned("x", "u4")]);
    const deadline = Date.now() + 10_000;
    let list: Decision[] = [];
    while (Date.now() < deadline) {
      try {
        list = decisionsOf(await client.get(R.configmaps, "default", "skiff-decisions-standalone"));
        if (list.length === 2) break;
      } catch {
        // not written yet
      }
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(list.map((d) => d.pod)).toEqual(["solo-1", "solo-2"]);
    expect(decisionLocation(makePod("solo-1")).owner).toBeUndefined();
    await rec.stop();
  });
});

describe("packDecision", () => {
  it("stores the score table as a header and rows, and reads it back the same", async () => {
    const rec = new DecisionRecorder({ client, flushMs: 60_000 });
    recordAll(rec, [owned("a", "u5"), owned("b", "u5")]);
    await rec.flush();
    const cm = await client.get(R.configmaps, "default", "skiff-decisions-u5");
    const raw = JSON.parse((cm as unknown as { data: { decisions: string } }).data.decisions) as Array<Record<string, unknown>>;
    expect(raw[1].scores).toBeUndefined();
    expect(raw[1].table).toMatchObject({ plugins: expect.arrayContaining(["NodeResourcesLeastAllocated"]) });
    const b = decisionsOf(cm)[1];
    expect(unpackDecision(packDecision(b))).toEqual(b);
    expect(b.scores[0]).toMatchObject({ node: b.node });
    expect(JSON.stringify(packDecision(b)).length).toBeLessThan(JSON.stringify(b).length);
  });
});

describe("mergeDecisions", () => {
  const d = (pod: string) => ({ pod }) as Decision;
  it("replaces a pod's older record and keeps the newest max", () => {
    expect(mergeDecisions([d("a"), d("b"), d("c")], [d("a"), d("e")], 3).map((x) => x.pod)).toEqual(["c", "a", "e"]);
  });
});
