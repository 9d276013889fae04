// `skiff autoscale deploy NAME --min N --max M --cpu-percent P`: create an
// autoscaling/v2 HorizontalPodAutoscaler for a deployment (or replica set),
// as `kubectl autoscale` does.
import { ApiError } from "../../pkg/api/errors.js";
import { apiVersionOf, R } from "../../pkg/api/kinds.js";
import type { KubeObject } from "../../pkg/api/types.js";
import { HttpClient } from "../../pkg/client/http-client.js";
import { connect, ExitError, type GlobalOptions } from "../context.js";
import { describeError } from "../output.js";
import { resolveOne } from "./rollout.js";

export interface AutoscaleOptions {
  kind: string;
  name?: string;
  min?: number;
  max?: number;
  cpuPercent?: number;
  /** HPA name; default the target's. */
  hpaName?: string;
  dryRun?: string;
  globals: GlobalOptions;
}

/** The HPA `autoscale` would create. */
export function autoscaleObject(target: { apiVersion: string; kind: string; name: string }, namespace: string, o: { min?: number; max: number; cpuPercent?: number; hpaName?: string }): KubeObject {
  const spec: Record<string, unknown> = {
    scaleTargetRef: { apiVersion: target.apiVersion, kind: target.kind, name: target.name },
    maxReplicas: o.max,
  };
  if (o.min !== undefined && o.min >= 0) spec.minReplicas = o.min;
  if (o.cpuPercent !== undefined && o.cpuPercent >= 0) {
    spec.metrics = [{ type: "Resource", resource: { name: "cpu", target: { type: "Utilization", averageUtilization: o.cpuPercent } } }];
  }
  return { apiVersion: "autoscaling/v2", kind: "HorizontalPodAutoscaler", metadata: { name: o.hpaName ?? target.name, namespace }, spec };
}

export async function runAutoscale(o: AutoscaleOptions): Promise<void> {
  const t = resolveOne(o.kind, o.name, "autoscale");
  if (!t.info.subresources.includes("scale")) throw new ExitError(1, `error: cannot autoscale a ${t.info.kind}: it has no scale subresource`);
  if (o.max === undefined || !Number.isInteger(o.max) || o.max < 1) throw new ExitError(1, "error: --max=MAXPODS is required and must be at least 1");
  if (o.min !== undefined && o.min !== -1 && (!Number.isInteger(o.min) || o.min < 1 || o.min > o.max)) {
    throw new ExitError(1, `error: --min=MINPODS must be between 1 and --max (${o.max})`);
  }
  const s = connect(o.globals);
  const client = new HttpClient(s.client);
  try {
    // The target must exist, as kubectl checks before creating.
    const target = await client.get(t.info, s.namespace, t.name);
    const hpa = autoscaleObject({ apiVersion: apiVersionOf(t.info), kind: t.info.kind, name: target.metadata.name! }, s.namespace, { ...o, max: o.max });
    await client.create(R.horizontalpodautoscalers, s.namespace, hpa, { dryRun: o.dryRun === "server", fieldManager: "skiff-autoscale" });
    process.stdout.write(`horizontalpodautoscaler.autoscaling/${hpa.metadata.name} autoscaled${o.dryRun === "server" ? " (server dry run)" : ""}\n`);
  } catch (e) {
    if (e instanceof ApiError) throw new ExitError(1, `${describeError(e)}`);
    throw e;
  } finally {
    client.close();
  }
}
