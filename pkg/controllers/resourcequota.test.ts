import { describe, expect, it } from "vitest";
import { R } from "../api/kinds.js";
import { RecordingClient, SnapshotLister, newCluster } from "../../test/helpers/controllers.js";
import { ResourceQuotaController, type ResourceQuotaLike } from "./resourcequota.js";

describe("ResourceQuota controller", () => {
  it("writes status.hard and status.used from the namespace's objects, then nothing more", async () => {
    const { client: inner } = await newCluster();
    const client = new RecordingClient(inner);
    await inner.create(R.resourcequotas, "default", {
      apiVersion: "v1",
      kind: "ResourceQuota",
      metadata: { name: "compute" },
      spec: { hard: { pods: "10", "requests.cpu": "2", "limits.memory": "1Gi", "count/configmaps": "5", services: "2" } },
    });
    for (const n of ["a", "b"]) {
      await inner.create(R.pods, "default", {
        apiVersion: "v1",
        kind: "Pod",
        metadata: { name: n },
        spec: { containers: [{ name: "c", image: "x", resources: { requests: { cpu: "250m" }, limits: { memory: "128Mi" } } }] },
      });
    }
    await inner.create(R.configmaps, "default", { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "cm" } });
    const quotas = await new SnapshotLister<ResourceQuotaLike>(inner, R.resourcequotas).refresh();
    const ctrl = new ResourceQuotaController({ client, quotas });

    await ctrl.reconcile("default/compute");
    const q = await inner.get<ResourceQuotaLike>(R.resourcequotas, "default", "compute");
    expect(q.status).toEqual({
      hard: { "count/configmaps": "5", "limits.memory": "1Gi", pods: "10", "requests.cpu": "2", services: "2" },
      used: { "count/configmaps": "1", "limits.memory": "256Mi", pods: "2", "requests.cpu": "500m", services: "0" },
    });
    expect(client.of("updateStatus", "resourcequotas")).toHaveLength(1);

    await quotas.refresh();
    const again = await ctrl.reconcile("default/compute");
    expect(client.of("updateStatus", "resourcequotas")).toHaveLength(1);
    expect(again.requeueAfterMs).toBeGreaterThan(0);
    expect(await ctrl.reconcile("default/missing")).toEqual({});
  });

  it("maps an object change to the quotas of its namespace", async () => {
    const { client } = await newCluster();
    await client.create(R.resourcequotas, "default", { apiVersion: "v1", kind: "ResourceQuota", metadata: { name: "q1" }, spec: { hard: { pods: "1" } } });
    const quotas = await new SnapshotLister<ResourceQuotaLike>(client, R.resourcequotas).refresh();
    const ctrl = new ResourceQuotaController({ client, quotas });
    expect(ctrl.objectChanged({ apiVersion: "v1", kind: "Pod", metadata: { name: "p", namespace: "default" } })).toEqual(["default/q1"]);
    expect(ctrl.objectChanged({ apiVersion: "v1", kind: "Pod", metadata: { name: "p", namespace: "other" } })).toEqual([]);
  });
});
