// The metrics pipeline of one `skiff up` process: the sampler over the
// in-process node agents, the metrics.k8s.io API plugin, and the usage
// accountant. Built before the control plane (the API plugin must be
// registered when the server is built), attached to a client once one exists,
// started once the agents run.
import type { FastifyInstance } from "fastify";
import { R } from "../api/kinds.js";
import type { Client } from "../client/client.js";
import type { InformerFactory } from "../client/informer.js";
import type { Clock } from "../util/clock.js";
import { UsageAccountant } from "./accountant.js";
import { metricsApiPlugin, type MetricsLabelLookup } from "./api.js";
import { MetricsSampler, type StatsSource } from "./sampler.js";
import type { RetentionPolicy } from "./usage-record.js";

export interface MetricsPipelineOptions {
  sources: () => Iterable<StatsSource>;
  intervalMs?: number;
  clock?: Clock;
  retention?: Partial<RetentionPolicy>;
  /** Record per-namespace usage in the store (default true). */
  accounting?: boolean;
  onError?: (component: string, e: Error) => void;
}

export interface MetricsPipeline {
  readonly sampler: MetricsSampler;
  /** For ApiServerOptions.plugins. */
  readonly apiPlugin: (app: FastifyInstance) => void;
  /** Give the pipeline its client (accounting) and informers (labels for labelSelector). */
  attach(client: Client, informers: InformerFactory): void;
  start(): void;
  stop(): Promise<void>;
}

export function buildMetricsPipeline(opts: MetricsPipelineOptions): MetricsPipeline {
  const onError = opts.onError ?? (() => undefined);
  const sampler = new MetricsSampler({
    sources: opts.sources,
    intervalMs: opts.intervalMs,
    clock: opts.clock,
    onError: (node, e) => onError(`metrics ${node}`, e),
  });
  let labels: MetricsLabelLookup | undefined;
  const lookup: MetricsLabelLookup = {
    nodeLabels: (name) => labels?.nodeLabels(name),
    podLabels: (ns, name) => labels?.podLabels(ns, name),
  };
  let unsubscribe: (() => void) | undefined;
  let accountant: UsageAccountant | undefined;
  return {
    sampler,
    apiPlugin: metricsApiPlugin({ reader: sampler, labels: lookup }),
    attach(client, informers) {
      const pods = informers.for(R.pods).lister;
      const nodes = informers.for(R.nodes).lister;
      labels = {
        nodeLabels: (name) => nodes.get(undefined, name)?.metadata.labels,
        podLabels: (ns, name) => pods.get(ns, name)?.metadata.labels,
      };
      if (opts.accounting !== false) {
        accountant = new UsageAccountant({ client, retention: opts.retention, onError: (ns, e) => onError(`usage ${ns}`, e) });
      }
    },
    start() {
      if (accountant && !unsubscribe) {
        const a = accountant;
        unsubscribe = sampler.onSnapshot((snap) => a.record(snap));
      }
      sampler.start();
    },
    async stop() {
      await sampler.stop();
      unsubscribe?.();
      unsubscribe = undefined;
    },
  };
}
