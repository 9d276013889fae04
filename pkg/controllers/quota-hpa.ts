// Wiring for the controllers of issue 9 — ResourceQuota status and the
// HorizontalPodAutoscaler — so the controller manager adds them with one call.
import type { Client } from "../client/client.js";
import type { InformerFactory } from "../client/informer.js";
import { WorkQueue } from "../client/workqueue.js";
import type { MetricsReader } from "../metrics/index.js";
import type { Clock } from "../util/clock.js";
import { registerHpaController, type HorizontalPodAutoscalerController, type HpaRegistration } from "./hpa.js";
import { registerResourceQuotaController, type ResourceQuotaController } from "./resourcequota.js";
import type { Reconciler } from "./runner.js";
import type { EventSink } from "./util.js";

/** HPA timing knobs (Kubernetes' --horizontal-pod-autoscaler-* flags); tests shorten them. */
export type HpaTuning = Omit<HpaRegistration, "metrics" | "events" | "clock">;

export interface QuotaHpaOptions {
  client: Client;
  informers: InformerFactory;
  clock: Clock;
  events: (component: string) => EventSink;
  /** Pod usage for the HPA; without it every HPA reports that no metrics are available. */
  metrics?: MetricsReader;
  hpa?: HpaTuning;
  quotaResyncMs?: number;
}

export interface QuotaHpaControllers {
  resourceQuotas: ResourceQuotaController;
  hpas: HorizontalPodAutoscalerController;
  loops: Array<{ reconciler: Reconciler; queue: WorkQueue }>;
}

const NO_METRICS: MetricsReader = { nodeMetrics: () => [], podMetrics: () => [] };

export function registerQuotaAndHpaControllers(opts: QuotaHpaOptions): QuotaHpaControllers {
  const { client, informers, clock } = opts;
  const quotaQueue = new WorkQueue({ clock, name: "resourcequota" });
  const hpaQueue = new WorkQueue({ clock, name: "horizontalpodautoscaler" });
  const resourceQuotas = registerResourceQuotaController(informers, client, (k) => quotaQueue.add(k), { clock, resyncMs: opts.quotaResyncMs });
  const hpas = registerHpaController(informers, client, (k) => hpaQueue.add(k), {
    ...opts.hpa,
    metrics: opts.metrics ?? NO_METRICS,
    events: opts.events("horizontal-pod-autoscaler"),
    clock,
  });
  return {
    resourceQuotas,
    hpas,
    loops: [
      { reconciler: resourceQuotas, queue: quotaQueue },
      { reconciler: hpas, queue: hpaQueue },
    ],
  };
}
