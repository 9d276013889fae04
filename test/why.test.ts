// skiff why pod NAME on a fake-runtime cluster: a pod that fits shows its node
// at the top of the score table; a pod that cannot fit names the plugin and
// the numbers for every class of node; the controller history names the
// ReplicaSet that made the pod. The same report over the API route.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { R } from "../pkg/api/kinds.js";
import type { WhyReport } from "../pkg/why/why.js";
import { appPods, deployment, isReady, startLabCluster, until, type LabCluster } from "./helpers/lab-cluster.js";
import { haveKubectl, kubectlFor } from "./helpers/kubectl.js";

let lab: LabCluster;

beforeAll(async () => {
  lab = await startLabCluster({ nodes: 3, nodeCapacity: { cpu: "4", memory: "8Gi", pods: 110 } });
  await lab.cluster.client.create(R.deployments, "default", deployment("web", 2, { memory: "1Gi", cpu: "500m" }));
  await until("web ready", async () => {
    const pods = await appPods(lab.cluster, "web");
    return pods.length === 2 && pods.every(isReady);
  });
}, 120_000);

afterAll(async () => {
  await lab?.close();
}, 60_000);

async function whyJson(name: string): Promise<WhyReport> {
  const r = await lab.skiff("why", "pod", name, "-o", "json");
  expect(r.stderr).toBe("");
  expect(r.code).toBe(0);
  return JSON.parse(r.stdout) as WhyReport;
}

describe("skiff why", () => {
  it("shows the chosen node at the top of the score table", async () => {
    // The first pod landed on an empty cluster (every score tied); take the other.
    const reports = await until("decisions recorded", async () => {
      // One at a time: the in-process CLI captures stdout per call.
      const reps: WhyReport[] = [];
      for (const p of await appPods(lab.cluster, "web")) reps.push(await whyJson(String(p.metadata.name)));
      return reps.every((r) => r.recorded) ? reps : undefined;
    });
    const report = reports.find((r) => r.recorded!.scores[0].total > r.recorded!.scores[r.recorded!.scores.length - 1].total)!;
    expect(report).toBeDefined();
    const pod = (await appPods(lab.cluster, "web")).find((p) => p.metadata.name === report.pod)!;
    const name = String(pod.metadata.name);
    expect(report.recorded).toMatchObject({ result: "Scheduled", node: pod.spec?.nodeName, requests: { cpu: "500m", memory: "1Gi" } });
    const scores = report.recorded!.scores;
    expect(scores[0].node).toBe(pod.spec?.nodeName);
    for (const row of scores) expect(row.total).toBeLessThanOrEqual(scores[0].total);
    expect(report.owners.map((o) => o.kind)).toEqual(["ReplicaSet", "Deployment"]);
    expect(report.history.some((h) => h.reason === "SuccessfulCreate" && h.object.startsWith("ReplicaSet/") && h.message.includes(name))).toBe(true);
    expect(report.history.some((h) => h.reason === "Scheduled" && h.message.includes(String(pod.spec?.nodeName)))).toBe(true);

    const text = await lab.skiff("why", "pod", name);
    expect(text.code).toBe(0);
    expect(text.stdout).toContain(`Placement (decided`);
    expect(text.stdout).toContain(`${pod.spec?.nodeName} won among 3 feasible of 3 nodes`);
    expect(text.stdout).toMatch(/NODE\s+TOTAL\s+LeastAllocated.*PodTopologySpread/);
    // The first row of the table is the winner, marked with *.
    const firstRow = text.stdout.split("\n").find((l) => /^\s+\S+ \*\s+\d/.test(l));
    expect(firstRow?.trim().startsWith(`${pod.spec?.nodeName} *`)).toBe(true);
    expect(text.stdout).toMatch(/Created by:\s+ReplicaSet\/web-\S+ <- Deployment\/web/);
    expect(text.stdout).toContain("SuccessfulCreate");
  }, 60_000);

  it("for a pod that cannot fit, names the plugin and the numbers for every node class", async () => {
    await lab.skiff("cordon", "node-3");
    await lab.cluster.client.create(R.deployments, "default", deployment("huge", 1, { memory: "7680Mi" }));
    const pod = await until("huge pod", async () => (await appPods(lab.cluster, "huge"))[0]);
    const name = String(pod.metadata.name);
    const report = await until("pending explained", async () => {
      const rep = await whyJson(name);
      return rep.now && rep.recorded ? rep : undefined;
    });
    expect(report.phase).toBe("Pending");
    const now = report.now!;
    expect(now.result).toBe("Unschedulable");
    expect(now.message).toBe("0/3 nodes are available: 1 node(s) were unschedulable, 2 Insufficient memory.");
    const fit = now.rejected.find((c) => c.plugin === "NodeResourcesFit")!;
    // Each of node-1/node-2 carries one 1Gi web pod: 7Gi free of 8Gi.
    expect(fit).toMatchObject({ count: 2, nodes: ["node-1", "node-2"], details: ["Insufficient memory: requested 7.5Gi, 7Gi free of 8Gi"] });
    expect(now.rejected.find((c) => c.plugin === "NodeUnschedulable")).toMatchObject({ count: 1, nodes: ["node-3"] });
    expect(report.recorded?.result).toBe("Unschedulable");

    const text = await lab.skiff("why", "pod", name);
    expect(text.stdout).toContain("Why it is Pending now");
    expect(text.stdout).toMatch(/NodeResourcesFit\s+2 \(node-1, node-2\)\s+Insufficient memory: requested 7.5Gi, 7Gi free of 8Gi/);
    expect(text.stdout).toMatch(/NodeUnschedulable\s+1 \(node-3\)\s+node\(s\) were unschedulable/);
    // Events and conditions keep Kubernetes' wording.
    const events = await lab.cluster.client.list(R.events, "default", { fieldSelector: `involvedObject.name=${name}` });
    const failed = events.items.find((e) => (e as { reason?: string }).reason === "FailedScheduling") as { message?: string } | undefined;
    expect(failed?.message).toContain("Insufficient memory");
    expect(failed?.message).not.toContain("requested");
    await lab.skiff("uncordon", "node-3");
    await lab.cluster.client.delete(R.deployments, "default", "huge");
  }, 60_000);

  it("serves the same report on the API for the dashboard", async () => {
    const pod = (await appPods(lab.cluster, "web"))[0];
    const cp = lab.cluster.controlPlane;
    const res = await cp.app.inject({
      method: "GET",
      url: `/apis/skiff.dev/v1/namespaces/default/pods/${pod.metadata.name}/why`,
      headers: { authorization: `Bearer ${cp.token}` },
    });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ kind: "PodExplanation", pod: pod.metadata.name, node: pod.spec?.nodeName });
    const text = await cp.app.inject({
      method: "GET",
      url: `/apis/skiff.dev/v1/namespaces/default/pods/${pod.metadata.name}/why?format=text`,
      headers: { authorization: `Bearer ${cp.token}` },
    });
    expect(text.headers["content-type"]).toContain("text/plain");
    expect(text.body).toContain(`Pod:`);
    const missing = await cp.app.inject({ method: "GET", url: `/apis/skiff.dev/v1/namespaces/default/pods/nope/why`, headers: { authorization: `Bearer ${cp.token}` } });
    expect(missing.statusCode).toBe(404);
  }, 60_000);

  it("keeps its records out of the user's namespaces: kubectl get cm -A shows none", async () => {
    // Every pod above has a recorded decision (the first test waited for them), yet no object holds it.
    const all = await lab.cluster.client.list(R.configmaps, undefined);
    expect(all.items.filter((cm) => String(cm.metadata.name).startsWith("skiff-decisions-") || cm.metadata.labels?.["skiff.dev/scheduling-decisions"])).toEqual([]);
    if (!haveKubectl) return;
    const names = await kubectlFor(lab.dir).ok("get", "configmaps", "-A", "-o", "name");
    expect(names).not.toContain("skiff-decisions-");
    // And `skiff why` still explains the placement, from the scheduler's memory through the API server.
    const pod = (await appPods(lab.cluster, "web"))[0];
    const r = await whyJson(String(pod.metadata.name));
    expect(r.recorded).toMatchObject({ result: "Scheduled", node: pod.spec?.nodeName });
  }, 60_000);
});
