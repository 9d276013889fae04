import { afterEach, describe, expect, it } from "vitest";
import { R } from "../api/kinds.js";
import type { InProcessClient } from "../client/in-process.js";
import type { DeploymentRolloutFields } from "../api/rollout.js";
import { deploymentRolloutStatus, RolloutError, waitForRollout } from "./rollout-status.js";
import { deployment, testClient } from "../../test/helpers/describe-fixtures.js";

const d = (generation: number, status: DeploymentRolloutFields["status"], replicas = 3): DeploymentRolloutFields => ({ metadata: { name: "web", generation }, spec: { replicas }, status });

describe("deploymentRolloutStatus (kubectl's DeploymentStatusViewer)", () => {
  it("produces each of kubectl's messages in order", () => {
    expect(deploymentRolloutStatus(d(2, { observedGeneration: 1 }))).toEqual({ message: "Waiting for deployment spec update to be observed...", done: false });
    expect(deploymentRolloutStatus(d(2, { observedGeneration: 2, replicas: 4, updatedReplicas: 1, availableReplicas: 3 })).message).toBe(
      'Waiting for deployment "web" rollout to finish: 1 out of 3 new replicas have been updated...',
    );
    expect(deploymentRolloutStatus(d(2, { observedGeneration: 2, replicas: 4, updatedReplicas: 3, availableReplicas: 3 })).message).toBe(
      'Waiting for deployment "web" rollout to finish: 1 old replicas are pending termination...',
    );
    expect(deploymentRolloutStatus(d(2, { observedGeneration: 2, replicas: 3, updatedReplicas: 3, availableReplicas: 2 })).message).toBe(
      'Waiting for deployment "web" rollout to finish: 2 of 3 updated replicas are available...',
    );
    expect(deploymentRolloutStatus(d(2, { observedGeneration: 2, replicas: 3, updatedReplicas: 3, availableReplicas: 3 }))).toEqual({ message: 'deployment "web" successfully rolled out', done: true });
  });

  it("fails on an exceeded progress deadline and on a revision mismatch", () => {
    const stuck = d(1, { observedGeneration: 1, conditions: [{ type: "Progressing", reason: "ProgressDeadlineExceeded" }] });
    expect(() => deploymentRolloutStatus(stuck)).toThrow(new RolloutError('deployment "web" exceeded its progress deadline'));
    const rev = { ...d(1, { observedGeneration: 1 }), metadata: { name: "web", generation: 1, annotations: { "deployment.kubernetes.io/revision": "3" } } };
    expect(() => deploymentRolloutStatus(rev, 2)).toThrow("desired revision (2) is different from the running revision (3)");
  });
});

describe("waitForRollout", () => {
  let client: InProcessClient | undefined;
  afterEach(() => client?.close());

  async function setStatus(c: InProcessClient, status: Record<string, unknown>): Promise<void> {
    const cur = await c.get(R.deployments, "default", "web");
    await c.updateStatus(R.deployments, { ...cur, status: { observedGeneration: cur.metadata.generation, ...status } });
  }

  it("prints each new message once and resolves when rolled out", async () => {
    client = await testClient();
    const c = client;
    await c.create(R.deployments, "default", deployment());
    const messages: string[] = [];
    const done = waitForRollout(c, "default", "web", { watch: true, onMessage: (m) => messages.push(m) });
    await new Promise((r) => setTimeout(r, 20));
    await setStatus(c, { replicas: 1, updatedReplicas: 1, availableReplicas: 0 });
    await setStatus(c, { replicas: 1, updatedReplicas: 1, availableReplicas: 0 }); // same message: not repeated
    await setStatus(c, { replicas: 3, updatedReplicas: 3, availableReplicas: 2 });
    await setStatus(c, { replicas: 3, updatedReplicas: 3, availableReplicas: 3 });
    await done;
    expect(messages).toEqual([
      "Waiting for deployment spec update to be observed...",
      'Waiting for deployment "web" rollout to finish: 1 out of 3 new replicas have been updated...',
      'Waiting for deployment "web" rollout to finish: 2 of 3 updated replicas are available...',
      'deployment "web" successfully rolled out',
    ]);
  });

  it("returns after one message without watch, and times out when nothing happens", async () => {
    client = await testClient();
    await client.create(R.deployments, "default", deployment());
    const once: string[] = [];
    await waitForRollout(client, "default", "web", { watch: false, onMessage: (m) => once.push(m) });
    expect(once).toHaveLength(1);
    await expect(waitForRollout(client, "default", "web", { watch: true, timeoutMs: 100, onMessage: () => undefined })).rejects.toThrow("timed out waiting for the condition");
  });

  it("rejects when the deadline is exceeded mid-watch", async () => {
    client = await testClient();
    const c = client;
    await c.create(R.deployments, "default", deployment());
    const done = waitForRollout(c, "default", "web", { watch: true, onMessage: () => undefined });
    await new Promise((r) => setTimeout(r, 20));
    await setStatus(c, { replicas: 1, updatedReplicas: 1, conditions: [{ type: "Progressing", status: "False", reason: "ProgressDeadlineExceeded" }] });
    await expect(done).rejects.toThrow('deployment "web" exceeded its progress deadline');
  });

  it("rejects with NotFound for a missing deployment", async () => {
    client = await testClient();
    await expect(waitForRollout(client, "default", "nope", { watch: true, onMessage: () => undefined })).rejects.toMatchObject({ reason: "NotFound" });
  });
});

