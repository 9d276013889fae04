// `skiff top nodes|pods`: current usage from the metrics.k8s.io API, printed
// with kubectl top's columns.
import { ApiError } from "../../pkg/api/errors.js";
import { R } from "../../pkg/api/kinds.js";
import type { KubeList, KubeObject } from "../../pkg/api/types.js";
import { resourcePath } from "../../pkg/client/rest.js";
import { NODE_COLUMNS, nodeTopRows, podTopHeader, podTopRows, type NodeMetricsObject, type PodMetricsObject } from "../../pkg/metrics/top.js";
import { connect, ExitError, type GlobalOptions } from "../context.js";
import { describeError, formatColumns } from "../output.js";

export interface TopOptions {
  what: string;
  name?: string;
  allNamespaces?: boolean;
  containers?: boolean;
  selector?: string;
  headers?: boolean;
  globals: GlobalOptions;
}

const METRICS = "/apis/metrics.k8s.io/v1beta1";

export async function runTop(o: TopOptions): Promise<void> {
  const kind = o.what.toLowerCase();
  const nodes = ["nodes", "node", "no"].includes(kind);
  const pods = ["pods", "pod", "po"].includes(kind);
  if (!nodes && !pods) throw new ExitError(1, `error: unknown resource "${o.what}": top supports nodes and pods`);
  const s = connect(o.globals);
  try {
    const query = { labelSelector: o.selector };
    if (nodes) {
      const items: NodeMetricsObject[] = o.name
        ? [await s.client.request<NodeMetricsObject>("GET", `${METRICS}/nodes/${encodeURIComponent(o.name)}`)]
        : (await s.client.request<KubeList<KubeObject>>("GET", `${METRICS}/nodes`, { query })).items as NodeMetricsObject[];
      if (items.length === 0) throw new ExitError(1, "error: metrics not available yet");
      const nodeList = await s.client.request<KubeList<KubeObject>>("GET", resourcePath(R.nodes), { query });
      const allocatable = new Map(
        nodeList.items.map((n) => [n.metadata.name ?? "", ((n.status ?? {}) as { allocatable?: { cpu?: string; memory?: string } }).allocatable ?? {}]),
      );
      const rows = nodeTopRows(items, allocatable);
      process.stdout.write(formatColumns(o.headers === false ? rows : [NODE_COLUMNS, ...rows]) + "\n");
      return;
    }
    const ns = s.namespace;
    let items: PodMetricsObject[];
    if (o.name) items = [await s.client.request<PodMetricsObject>("GET", `${METRICS}/namespaces/${encodeURIComponent(ns)}/pods/${encodeURIComponent(o.name)}`)];
    else {
      const path = o.allNamespaces ? `${METRICS}/pods` : `${METRICS}/namespaces/${encodeURIComponent(ns)}/pods`;
      items = (await s.client.request<KubeList<KubeObject>>("GET", path, { query })).items as PodMetricsObject[];
    }
    if (items.length === 0) {
      process.stderr.write(o.allNamespaces ? "No resources found\n" : `No resources found in ${ns} namespace.\n`);
      return;
    }
    const opts = { containers: o.containers, allNamespaces: o.allNamespaces };
    const rows = podTopRows(items, opts);
    process.stdout.write(formatColumns(o.headers === false ? rows : [podTopHeader(opts), ...rows]) + "\n");
  } catch (e) {
    // No such route at all (not a missing pod or node): the server has no metrics API.
    if (e instanceof ApiError && e.reason === "NotFound" && !o.name) throw new ExitError(1, "error: Metrics API not available");
    if (e instanceof ApiError) throw new ExitError(1, describeError(e));
    throw e;
  } finally {
    s.client.close();
  }
}
