import { afterEach, describe, expect, it } from "vitest";
import { R } from "../api/kinds.js";
import type { InProcessClient } from "../client/in-process.js";
import { formatHistory, formatRevision, historyOf, ownedReplicaSets, revisionOf } from "./rollout.js";
import { deployment, ownedReplicaSet, testClient } from "../../test/helpers/describe-fixtures.js";

describe("rollout history and undo", () => {
  let client: InProcessClient | undefined;
  afterEach(() => client?.close());

  async function cluster() {
    client = await testClient();
    const c = client;
    const d = await c.create(R.deployments, "default", { ...deployment("web", "nginx:1.26"), metadata: { name: "web", namespace: "default", annotations: { "deployment.kubernetes.io/revision": "2", keep: "me" } } });
    await ownedReplicaSet(c, d, 1, "nginx:1.25", { "kubernetes.io/change-cause": "first", note: "from-rs" });
    await ownedReplicaSet(c, d, 2, "nginx:1.26");
    // Same labels but another owner: never part of this deployment's history.
    await c.create(R.replicasets, "default", { apiVersion: "apps/v1", kind: "ReplicaSet", metadata: { name: "stray", annotations: { "deployment.kubernetes.io/revision": "9" } }, spec: { replicas: 0, selector: { matchLabels: { app: "web" } }, template: { metadata: { labels: { app: "web" } }, spec: { containers: [{ name: "web", image: "x" }] } } } });
    return { c, d };
  }

  it("lists the owned revisions with their change-cause", async () => {
    const { c, d } = await cluster();
    const history = historyOf(await ownedReplicaSets(c, d));
    expect(formatHistory(history)).toBe("REVISION  CHANGE-CAUSE\n1         first\n2         <none>\n");
    expect(formatRevision(history, 1)).toContain("Pod Template:\n  Labels:\tapp=web\n\tpod-template-hash=h1\n  Annotations:\tkubernetes.io/change-cause: first\n");
    expect(formatRevision(history, 1)).toContain("    Image:\tnginx:1.25\n");
    expect(() => formatRevision(history, 7)).toThrow("unable to find the specified revision");
    expect(formatHistory(new Map())).toBe("No rollout history found.");
    expect(revisionOf({ metadata: { annotations: { "deployment.kubernetes.io/revision": "x" } } })).toBeUndefined();
  });

});
