// The usage accountant: after every sampler round, adds each namespace's
// totals (Σ pod cpu, Σ pod memory, pod count) to its usage record in the store
// (usage-record.ts). A namespace with no running pods in a round consumed
// nothing and gets no sample.
import { errors as apiErrors, isApiError } from "../api/errors.js";
import { R } from "../api/kinds.js";
import type { KubeObject } from "../api/types.js";
import type { Client } from "../client/client.js";
import type { MetricsSnapshot } from "./types.js";
import {
  addSample,
  DEFAULT_RETENTION,
  emptyRecord,
  encodeRecord,
  recordFromConfigMap,
  recordName,
  USAGE_RECORD_LABEL,
  USAGE_RECORD_NAMESPACE,
  type RetentionPolicy,
  type UsageSample,
} from "./usage-record.js";

export interface UsageAccountantOptions {
  client: Client;
  retention?: Partial<RetentionPolicy>;
  onError?: (namespace: string, e: Error) => void;
}

/** Σ per namespace for one round. */
export function namespaceSamples(snap: MetricsSnapshot): Map<string, UsageSample> {
  const out = new Map<string, UsageSample>();
  for (const p of snap.pods) {
    const s = out.get(p.namespace) ?? { t: snap.timestamp, windowMs: snap.windowMs, cpuNanoCores: 0, memoryBytes: 0, pods: 0 };
    s.cpuNanoCores += Math.round(p.cpuNanoCores);
    s.memoryBytes += Math.round(p.memoryBytes);
    s.pods += 1;
    out.set(p.namespace, s);
  }
  return out;
}

export class UsageAccountant {
  private readonly retention: RetentionPolicy;

  constructor(private readonly opts: UsageAccountantOptions) {
    this.retention = { ...DEFAULT_RETENTION, ...opts.retention };
  }

  /** Record one round. Safe to call concurrently with other writers (optimistic concurrency, retried). */
  async record(snap: MetricsSnapshot): Promise<void> {
    await Promise.all(
      [...namespaceSamples(snap)].map(async ([ns, sample]) => {
        try {
          await this.append(ns, sample);
        } catch (e) {
          if (this.opts.onError) this.opts.onError(ns, e as Error);
          else throw e;
        }
      }),
    );
  }

  private async append(namespace: string, sample: UsageSample): Promise<void> {
    const { client } = this.opts;
    const name = recordName(namespace);
    for (let attempt = 0; attempt < 10; attempt++) {
      let current: KubeObject | undefined;
      try {
        current = await client.get(R.configmaps, USAGE_RECORD_NAMESPACE, name);
      } catch (e) {
        if (!isApiError(e, "NotFound")) throw e;
      }
      const rec = addSample(current ? recordFromConfigMap(current) : emptyRecord(namespace), sample, this.retention);
      try {
        if (!current) {
          await client.create(R.configmaps, USAGE_RECORD_NAMESPACE, {
            apiVersion: "v1",
            kind: "ConfigMap",
            metadata: { name, namespace: USAGE_RECORD_NAMESPACE, labels: { [USAGE_RECORD_LABEL]: "true", "skiff.dev/namespace": namespace } },
            data: encodeRecord(rec),
          } as KubeObject);
        } else {
          await client.update(R.configmaps, { ...current, data: encodeRecord(rec) } as KubeObject);
        }
        return;
      } catch (e) {
        // Another writer got there first: read again and re-apply the sample.
        if (isApiError(e, "Conflict") || isApiError(e, "AlreadyExists")) continue;
        throw e;
      }
    }
    throw apiErrors.conflict("", "configmaps", name, `usage record for ${namespace} kept changing; sample at ${sample.t} dropped`);
  }
}
