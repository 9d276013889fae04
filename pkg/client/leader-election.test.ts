import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { MemoryStore } from "../store/memory.js";
import { Registry } from "../apiserver/registry.js";
import { R } from "../api/kinds.js";
import { FakeClock } from "../util/clock.js";
import { InProcessClient } from "./in-process.js";
import { ConnectionError } from "./rest.js";
import type { Client } from "./client.js";
import { LeaderElector, type LeaseSpec } from "./leader-election.js";

/** A client that can be cut off, like a control plane whose network went away. */
function cuttable(inner: Client): { client: Client; cut: () => void } {
  let down = false;
  const fail = () => Promise.reject(new ConnectionError("test", "ECONNREFUSED", "cut off"));
  const client = new Proxy(inner, {
    get(target, prop, receiver) {
      const v = Reflect.get(target, prop, receiver) as unknown;
      if (typeof v !== "function") return v;
      return (...args: unknown[]) => (down ? fail() : (v as (...a: unknown[]) => unknown).apply(target, args));
    },
  });
  return { client, cut: () => (down = true) };
}

describe("LeaderElector", () => {
  let store: MemoryStore;
  let registry: Registry;
  let client: InProcessClient;
  let clock: FakeClock;
  const electors: LeaderElector[] = [];

  beforeEach(async () => {
    store = new MemoryStore();
    registry = new Registry(store);
    await registry.bootstrap();
    client = new InProcessClient(registry);
    clock = new FakeClock();
  });
  afterEach(async () => {
    for (const e of electors.splice(0)) await e.stop({ release: false });
    registry.close();
    await store.close();
  });

  function elector(identity: string, c: Client = client) {
    const log: string[] = [];
    const e = new LeaderElector({
      client: c,
      namespace: "kube-system",
      name: "skiff-controller-manager",
      identity,
      clock,
      onStartedLeading: () => void log.push("start"),
      onStoppedLeading: () => void log.push("stop"),
      onError: () => undefined,
    });
    electors.push(e);
    return { e, log };
  }
  const lease = async () => (await client.get(R.leases, "kube-system", "skiff-controller-manager")).spec as LeaseSpec;
  /** Let in-flight store calls finish without moving time. */
  const settle = () => clock.advance(0);

  it("makes exactly one of two candidates the leader and keeps it there while it renews", async () => {
    const a = elector("a");
    const b = elector("b");
    a.e.start();
    await settle();
    b.e.start();
    await settle();
    expect(a.e.isLeader).toBe(true);
    expect(b.e.isLeader).toBe(false);
    expect(b.e.leader).toBe("a");
    expect(await lease()).toMatchObject({ holderIdentity: "a", leaseDurationSeconds: 15, leaseTransitions: 0 });
    const firstRenew = (await lease()).renewTime;
    for (let i = 0; i < 12; i++) await clock.advance(5_000); // a minute of renewals
    expect(a.e.isLeader).toBe(true);
    expect(b.e.isLeader).toBe(false);
    expect((await lease()).renewTime).not.toBe(firstRenew);
    expect(a.log).toEqual(["start"]);
    expect(b.log).toEqual([]);
  });

  it("lets a candidate take over only after the lease duration when the leader dies without releasing", async () => {
    const a = elector("a");
    const b = elector("b");
    a.e.start();
    await settle();
    b.e.start();
    await settle();
    await clock.advance(2_000);
    await a.e.stop({ release: false }); // kill -9: no release
    await clock.advance(12_000);
    expect(b.e.isLeader).toBe(false); // 14 s after a's last renewal seen by b: still a's
    await clock.advance(6_000);
    expect(b.e.isLeader).toBe(true);
    expect(b.log).toEqual(["start"]);
    expect(await lease()).toMatchObject({ holderIdentity: "b", leaseTransitions: 1 });
  });

  it("hands over within one retry period when the leader stops cleanly (releases the lease)", async () => {
    const a = elector("a");
    const b = elector("b");
    a.e.start();
    await settle();
    b.e.start();
    await settle();
    await a.e.stop();
    expect(a.log).toEqual(["start", "stop"]);
    expect((await lease()).holderIdentity).toBe("");
    await clock.advance(2_000);
    expect(b.e.isLeader).toBe(true);
  });

  it("stops leading when it cannot renew for the renew deadline, before anyone else may take the lease", async () => {
    const { client: flaky, cut } = cuttable(client);
    const a = elector("a", flaky);
    const b = elector("b");
    a.e.start();
    await settle();
    b.e.start();
    await settle();
    cut();
    await clock.advance(9_000);
    expect(a.e.isLeader).toBe(true); // still inside the 10 s renew deadline
    await clock.advance(2_000);
    expect(a.e.isLeader).toBe(false);
    expect(a.log).toEqual(["start", "stop"]);
    expect(b.e.isLeader).toBe(false); // the lease (15 s) has not run out for b yet: never two leaders
    await clock.advance(6_000);
    expect(b.e.isLeader).toBe(true);
  });

  it("lets exactly one of several candidates win an expired lease", async () => {
    const all = ["a", "b", "c", "d"].map((id) => elector(id));
    for (const x of all) x.e.start();
    for (let i = 0; i < 5; i++) await clock.advance(2_000);
    expect(all.filter((x) => x.e.isLeader)).toHaveLength(1);
    const leader = all.find((x) => x.e.isLeader)!;
    await leader.e.stop({ release: false });
    for (let i = 0; i < 12; i++) await clock.advance(2_000);
    expect(all.filter((x) => x.e.isLeader)).toHaveLength(1);
    expect((await lease()).leaseTransitions).toBe(1);
  });

  it("refuses timings where the renew deadline is not below the lease duration", () => {
    expect(
      () => new LeaderElector({ client, namespace: "kube-system", name: "x", leaseDurationMs: 10_000, renewDeadlineMs: 10_000, onStartedLeading: () => {}, onStoppedLeading: () => {} }),
    ).toThrow(/renewDeadlineMs/);
  });
});
