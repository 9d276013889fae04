// The resource metrics API (metrics.k8s.io/v1beta1) that `kubectl top` and
// autoscalers read, served from the sampler's latest round:
//
//   GET /apis/metrics.k8s.io/v1beta1/nodes[/NAME]
//   GET /apis/metrics.k8s.io/v1beta1/pods                       (all namespaces)
//   GET /apis/metrics.k8s.io/v1beta1/namespaces/NS/pods[/NAME]
//
// Shapes follow metrics-server: NodeMetrics/PodMetrics with timestamp, window
// and usage {cpu: "12345n", memory: "1234Ki"}. The group's discovery documents
// come from the generic discovery code (the resources are VIRTUAL_RESOURCES in
// pkg/api/kinds.ts), so these static routes only answer the reads; they take
// precedence over the generic /apis/:group/:version/* handler.
import type { FastifyInstance } from "fastify";
import { ApiError, errors } from "../api/errors.js";
import { FieldSelector, LabelSelector } from "../api/selector.js";
import { cpuQuantity, memoryQuantity, windowDuration } from "./format.js";
import type { MetricsReader, NodeSample, PodSample } from "./types.js";
import { rfc3339 } from "../api/time.js";

export const METRICS_GROUP_VERSION = "metrics.k8s.io/v1beta1";
const PREFIX = "/apis/metrics.k8s.io/v1beta1";

/** Labels of the objects the metrics describe, for labelSelector (metrics carry their object's labels). */
export interface MetricsLabelLookup {
  nodeLabels(name: string): Record<string, string> | undefined;
  podLabels(namespace: string, name: string): Record<string, string> | undefined;
}

export interface MetricsApiOptions {
  reader: MetricsReader;
  labels?: MetricsLabelLookup;
}

export function nodeMetricsObject(s: NodeSample, labels?: Record<string, string>): Record<string, unknown> {
  return {
    kind: "NodeMetrics",
    apiVersion: METRICS_GROUP_VERSION,
    metadata: { name: s.nodeName, creationTimestamp: rfc3339(s.timestamp), ...(labels ? { labels } : {}) },
    timestamp: rfc3339(s.timestamp),
    window: windowDuration(s.windowMs),
    usage: { cpu: cpuQuantity(s.cpuNanoCores), memory: memoryQuantity(s.memoryBytes) },
  };
}

export function podMetricsObject(s: PodSample, labels?: Record<string, string>): Record<string, unknown> {
  return {
    kind: "PodMetrics",
    apiVersion: METRICS_GROUP_VERSION,
    metadata: { name: s.name, namespace: s.namespace, creationTimestamp: rfc3339(s.timestamp), ...(labels ? { labels } : {}) },
    timestamp: rfc3339(s.timestamp),
    window: windowDuration(s.windowMs),
    containers: s.containers.map((c) => ({ name: c.name, usage: { cpu: cpuQuantity(c.cpuNanoCores), memory: memoryQuantity(c.memoryBytes) } })),
  };
}

function parseSelectors(q: { labelSelector?: string; fieldSelector?: string }): { labels?: LabelSelector; fields?: FieldSelector } {
  try {
    return {
      labels: q.labelSelector ? LabelSelector.parse(q.labelSelector) : undefined,
      fields: q.fieldSelector ? FieldSelector.parse(q.fieldSelector) : undefined,
    };
  } catch (e) {
    throw errors.badRequest(`unable to parse requirement: ${(e as Error).message}`);
  }
}

function list(kind: string, items: unknown[]): Record<string, unknown> {
  return { kind, apiVersion: METRICS_GROUP_VERSION, metadata: {}, items };
}

/** A fastify plugin for ApiServerOptions.plugins. */
export function metricsApiPlugin(opts: MetricsApiOptions): (app: FastifyInstance) => void {
  const { reader, labels } = opts;
  type Q = { Querystring: { labelSelector?: string; fieldSelector?: string } };

  const nodes = (q: Q["Querystring"]) => {
    const sel = parseSelectors(q);
    return reader
      .nodeMetrics()
      .map((s) => ({ s, l: labels?.nodeLabels(s.nodeName) }))
      .filter(({ s, l }) => (!sel.labels || sel.labels.matches(l ?? {})) && (!sel.fields || sel.fields.matches({ metadata: { name: s.nodeName } })))
      .map(({ s, l }) => nodeMetricsObject(s, l));
  };
  const pods = (namespace: string | undefined, q: Q["Querystring"]) => {
    const sel = parseSelectors(q);
    return reader
      .podMetrics(namespace)
      .map((s) => ({ s, l: labels?.podLabels(s.namespace, s.name) }))
      .filter(
        ({ s, l }) =>
          (!sel.labels || sel.labels.matches(l ?? {})) && (!sel.fields || sel.fields.matches({ metadata: { name: s.name, namespace: s.namespace } })),
      )
      .map(({ s, l }) => podMetricsObject(s, l));
  };

  return (app) => {
    app.get<Q>(`${PREFIX}/nodes`, async (req) => list("NodeMetricsList", nodes(req.query)));
    app.get<Q & { Params: { name: string } }>(`${PREFIX}/nodes/:name`, async (req) => {
      const s = reader.nodeMetrics().find((n) => n.nodeName === req.params.name);
      if (!s) throw new ApiError("NotFound", `nodemetrics.metrics.k8s.io "${req.params.name}" not found`, { name: req.params.name, group: "metrics.k8s.io", kind: "nodes" });
      return nodeMetricsObject(s, labels?.nodeLabels(s.nodeName));
    });
    app.get<Q>(`${PREFIX}/pods`, async (req) => list("PodMetricsList", pods(undefined, req.query)));
    app.get<Q & { Params: { ns: string } }>(`${PREFIX}/namespaces/:ns/pods`, async (req) => list("PodMetricsList", pods(req.params.ns, req.query)));
    app.get<Q & { Params: { ns: string; name: string } }>(`${PREFIX}/namespaces/:ns/pods/:name`, async (req) => {
      const { ns, name } = req.params;
      const s = reader.podMetrics(ns).find((p) => p.name === name);
      if (!s) throw new ApiError("NotFound", `podmetrics.metrics.k8s.io "${ns}/${name}" not found`, { name: `${ns}/${name}`, group: "metrics.k8s.io", kind: "pods" });
      return podMetricsObject(s, labels?.podLabels(ns, name));
    });
  };
}
