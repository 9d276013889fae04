import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { R } from "../api/kinds.js";
import { FakeClock } from "../util/clock.js";
import type { DeploymentLike } from "./history.js";
import { maxSurge, maxUnavailable, newRsReplicas, resolveFenceposts, scaleDownOld } from "./rolling.js";
import { Sim, deploymentObject, newCluster } from "../../test/helpers/controllers.js";
import { isPodReady, type PodLike } from "./util.js";

describe("rollout arithmetic", () => {
  it("rounds surge up and unavailable down, as Kubernetes", () => {
    expect(resolveFenceposts("25%", "25%", 10)).toEqual({ surge: 3, unavailable: 2 });
    expect(resolveFenceposts("0%", "0%", 10)).toEqual({ surge: 0, unavailable: 1 });
    expect(resolveFenceposts(0, "10%", 5)).toEqual({ surge: 0, unavailable: 1 }); // floor(0.5)=0 → both zero → 1
    expect(resolveFenceposts(2, 0, 5)).toEqual({ surge: 2, unavailable: 0 });
    expect(maxUnavailable({ replicas: 3, strategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: 0, maxUnavailable: 10 } } })).toBe(3);
    expect(maxSurge({ replicas: 3, strategy: { type: "Recreate" } })).toBe(0);
    expect(maxUnavailable({ replicas: 0 })).toBe(0);
  });

  it("never surges past replicas + maxSurge, counting pods an old ReplicaSet has not deleted yet", () => {
    const d = { replicas: 4, strategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } } };
    const newRs = { name: "new", spec: 1, pods: 1, available: 0, createdMs: 2 };
    // Old was told 3 but still has 4 pods: 4 + 1 = 5 = max, no room.
    expect(newRsReplicas(d, newRs, [newRs, { name: "old", spec: 3, pods: 4, available: 4, createdMs: 1 }])).toBe(1);
    expect(newRsReplicas(d, newRs, [newRs, { name: "old", spec: 3, pods: 3, available: 3, createdMs: 1 }])).toBe(2);
  });

  it("scales old ReplicaSets down only as far as availability allows, unhealthy first", () => {
    const d = { replicas: 4, strategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: 1, maxUnavailable: 1 } } };
    const newRs = { name: "new", spec: 1, pods: 1, available: 0, createdMs: 3 };
    const old = [
      { name: "a", spec: 2, pods: 2, available: 1, createdMs: 1 }, // one unhealthy
      { name: "b", spec: 2, pods: 2, available: 2, createdMs: 2 },
    ];
    // allPods 5, minAvailable 3, new unavailable 1 → maxScaledDown 1: the unhealthy one in "a".
    expect(scaleDownOld(d, newRs, old)).toEqual(new Map([["a", 1]]));
    expect(scaleDownOld(d, { ...newRs, available: 1 }, old.map((o) => ({ ...o, available: o.spec })))).toEqual(new Map([["a", 0]]));
  });
});

type Action = { kind: "deploy" } | { kind: "rs"; i: number } | { kind: "ready"; i: number } | { kind: "finish"; i: number } | { kind: "kill"; i: number };

const action: fc.Arbitrary<Action> = fc.oneof(
  fc.constant<Action>({ kind: "deploy" }),
  fc.nat(7).map<Action>((i) => ({ kind: "rs", i })),
  fc.nat(7).map<Action>((i) => ({ kind: "ready", i })),
  fc.nat(7).map<Action>((i) => ({ kind: "finish", i })),
  fc.nat(7).map<Action>((i) => ({ kind: "kill", i })),
);

describe("rolling update under random interleavings (property)", () => {
  it("never drops below replicas - maxUnavailable available, never exceeds replicas + maxSurge, and converges", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 6 }),
        fc.oneof(fc.integer({ min: 0, max: 3 }), fc.constantFrom("25%", "50%", "0%")),
        fc.oneof(fc.integer({ min: 0, max: 3 }), fc.constantFrom("25%", "50%", "0%")),
        fc.array(action, { minLength: 5, maxLength: 60 }),
        async (replicas, surge, unavailable, actions) => {
          const zero = (v: number | string) => v === 0 || v === "0%";
          fc.pre(!(zero(surge) && zero(unavailable))); // the API rejects that, as Kubernetes does
          const { client } = await newCluster();
          const sim = new Sim(client, new FakeClock(Date.now()));
          const strategy = { type: "RollingUpdate", rollingUpdate: { maxSurge: surge, maxUnavailable: unavailable } };
          await client.create(R.deployments, "default", deploymentObject("web", replicas, "nginx:1", { strategy }));
          await sim.settle("default", "web");
          const maxTotal = replicas + maxSurge({ replicas, strategy });
          const minAvailable = replicas - maxUnavailable({ replicas, strategy });

          const d = await client.get<DeploymentLike>(R.deployments, "default", "web");
          (d.spec!.template!.spec as { containers: Array<{ image: string }> }).containers[0].image = "nginx:2";
          await client.update(R.deployments, d);

          const check = async (when: string) => {
            const live = (await client.list<PodLike>(R.pods, "default")).items.filter((p) => !p.metadata.deletionTimestamp);
            const available = live.filter(isPodReady).length;
            if (live.length > maxTotal) throw new Error(`${when}: ${live.length} pods > ${maxTotal}`);
            if (available < minAvailable) throw new Error(`${when}: ${available} available < ${minAvailable}`);
          };
          for (const [n, a] of actions.entries()) {
            if (a.kind === "deploy") await sim.deploymentStep("default", "web");
            else if (a.kind === "rs") await sim.replicaSetStep(a.i);
            else if (a.kind === "ready") await sim.readyStep(a.i);
            else if (a.kind === "finish") await sim.finishTerminationStep(a.i);
            else await sim.killUnreadyStep(a.i);
            await check(`after step ${n} (${JSON.stringify(a)})`);
          }
          await sim.settle("default", "web");
          await check("after settling");
          const pods = (await client.list<PodLike>(R.pods, "default")).items;
          expect(pods).toHaveLength(replicas);
          expect(pods.every((p) => isPodReady(p) && (p.spec as { containers: Array<{ image: string }> }).containers[0].image === "nginx:2")).toBe(true);
          const final = await client.get<DeploymentLike>(R.deployments, "default", "web");
          expect(final.status).toMatchObject({ replicas, updatedReplicas: replicas, availableReplicas: replicas });
        },
      ),
      { numRuns: 40 },
    );
  }, 120_000);
});
