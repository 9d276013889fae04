// Agent.pause()/resume(): the heartbeat switch chaos kill-node uses.
import { afterEach, describe, expect, it } from "vitest";
import { R } from "../api/kinds.js";
import type { KubeObject } from "../api/types.js";
import { startHarness, type Harness } from "./testing.js";

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

type Lease = KubeObject & { spec: { renewTime?: string } };
const renewTime = async (h: Harness) => ((await h.client.get(R.leases, "kube-node-lease", "node-1")) as Lease).spec.renewTime;

describe("Agent pause/resume", () => {
  it("stops renewing the Lease while paused and renews at once on resume", async () => {
    h = await startHarness({ agent: { heartbeatMs: 1_000 } });
    const before = await renewTime(h);
    h.agent.pause();
    expect(h.agent.paused).toBe(true);
    await h.advance(10_000, 1_000);
    expect(await renewTime(h)).toBe(before);

    await h.agent.resume();
    expect(h.agent.paused).toBe(false);
    const after = await renewTime(h);
    expect(after).not.toBe(before);
    expect(Date.parse(String(after)) - Date.parse(String(before))).toBeGreaterThanOrEqual(10_000);
    // And the periodic heartbeat runs again.
    await h.advance(2_000, 1_000);
    const later = await h.until(async () => {
      const t = await renewTime(h!);
      return t !== after ? t : undefined;
    }, "renewal after resume");
    expect(Date.parse(String(later))).toBeGreaterThan(Date.parse(String(after)));
  });

  it("is idempotent, and keeps pods running while paused", async () => {
    h = await startHarness({ agent: { heartbeatMs: 1_000 } });
    await h.createPod("web", {});
    await h.until(async () => (await h!.getPod("web"))?.status?.phase === "Running", "pod running");
    h.agent.pause();
    h.agent.pause();
    await h.advance(5_000, 1_000);
    expect((await h.getPod("web"))?.status?.phase).toBe("Running");
    expect((await h.runtime.list({ "skiff.pod-name": "web" })).some((c) => c.state === "running")).toBe(true);
    await h.agent.resume();
    await h.agent.resume();
    expect(h.agent.paused).toBe(false);
  });
});
