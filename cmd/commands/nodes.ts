// `skiff cordon|uncordon|drain NODE` (also `skiff nodes cordon|uncordon|drain`):
// mark a node unschedulable, and move its pods off it through the Eviction API,
// which refuses (429) while a PodDisruptionBudget allows no disruption; such a
// pod is retried every 5 s until the budget allows it or --timeout passes, as
// kubectl drain does.
import type { V1Pod } from "@kubernetes/client-node";
import { as } from "../../pkg/api/types.js";
import { ApiError } from "../../pkg/api/errors.js";
import { R } from "../../pkg/api/kinds.js";
import { HttpClient } from "../../pkg/client/http-client.js";
import { resourcePath } from "../../pkg/client/rest.js";
import { planDrain } from "../../pkg/describe/drain.js";
import { connect, ExitError, type GlobalOptions } from "../context.js";
import { describeError } from "../output.js";
import { parseDuration } from "./rollout.js";

export interface NodeCommandOptions {
  node: string;
  globals: GlobalOptions;
}

export interface DrainOptions extends NodeCommandOptions {
  force?: boolean;
  ignoreDaemonsets?: boolean;
  deleteEmptydirData?: boolean;
  /** Seconds each pod gets to stop; unset or negative: the pod's own terminationGracePeriodSeconds. */
  gracePeriod?: number;
  /** Go duration; "0" or unset waits forever. */
  timeout?: string;
}

const POLL_MS = 250;
/** kubectl drain's wait between eviction attempts refused by a disruption budget. */
const EVICTION_RETRY_MS = 5_000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Sets spec.unschedulable; prints "node/n1 cordoned" or "node/n1 already cordoned". */
async function setUnschedulable(client: HttpClient, node: string, desired: boolean): Promise<void> {
  const obj = await client.get(R.nodes, undefined, node);
  const current = (obj.spec as { unschedulable?: boolean } | undefined)?.unschedulable === true;
  const word = desired ? "cordoned" : "uncordoned";
  if (current === desired) {
    process.stdout.write(`node/${node} already ${word}\n`);
    return;
  }
  // null removes the field, as kubectl's patch does when uncordoning.
  await client.patch(R.nodes, undefined, node, "merge", { spec: { unschedulable: desired ? true : null } }, { fieldManager: "skiff-cordon" });
  process.stdout.write(`node/${node} ${word}\n`);
}

async function withClient(g: GlobalOptions, body: (c: HttpClient) => Promise<void>): Promise<void> {
  const s = connect(g);
  const client = new HttpClient(s.client);
  try {
    await body(client);
  } catch (e) {
    if (e instanceof ApiError) throw new ExitError(1, describeError(e));
    throw e;
  } finally {
    client.close();
  }
}

export const runCordon = (o: NodeCommandOptions) => withClient(o.globals, (c) => setUnschedulable(c, o.node, true));
export const runUncordon = (o: NodeCommandOptions) => withClient(o.globals, (c) => setUnschedulable(c, o.node, false));

/** An error that leaves the node cordoned but not drained: reported the way kubectl reports it. */
function notDrained(node: string, message: string): ExitError {
  process.stderr.write(`error: unable to drain node "${node}" due to error: ${message}, continuing command...\n`);
  process.stderr.write(`There are pending nodes to be drained:\n ${node}\n`);
  return new ExitError(1, `error: ${message}`);
}

/** POST pods/{name}/eviction, retrying while a disruption budget refuses (429), until the deadline. */
async function evictUntilAllowed(client: HttpClient, pod: V1Pod, grace: number | undefined, deadline: number, o: DrainOptions): Promise<void> {
  const ns = pod.metadata?.namespace ?? "";
  const name = pod.metadata?.name ?? "";
  process.stdout.write(`evicting pod ${ns}/${name}\n`);
  const body = {
    apiVersion: "policy/v1",
    kind: "Eviction",
    metadata: { name, namespace: ns },
    deleteOptions: { ...(grace !== undefined ? { gracePeriodSeconds: grace } : {}), preconditions: { uid: pod.metadata?.uid } },
  };
  for (;;) {
    try {
      await client.rest.request("POST", resourcePath(R.pods, ns, name, "eviction"), { body });
      return;
    } catch (e) {
      // Already gone (or replaced by a pod of the same name): nothing left to evict.
      if (e instanceof ApiError && (e.reason === "NotFound" || e.reason === "Conflict")) return;
      if (!(e instanceof ApiError && e.reason === "TooManyRequests")) throw e;
      if (Date.now() + EVICTION_RETRY_MS > deadline) {
        process.stderr.write(`There are pending pods in node "${o.node}" when an error occurred: error when evicting pods/"${name}" -n "${ns}": global timeout reached: ${o.timeout}\n`);
        throw notDrained(o.node, `error when evicting pods/"${name}" -n "${ns}": global timeout reached: ${o.timeout}`);
      }
      process.stderr.write(`error when evicting pods/"${name}" -n "${ns}" (will retry after 5s): ${e.message}\n`);
      await sleep(EVICTION_RETRY_MS);
    }
  }
}

export async function runDrain(o: DrainOptions): Promise<void> {
  const timeoutMs = o.timeout ? parseDuration(o.timeout) : 0;
  await withClient(o.globals, async (client) => {
    await setUnschedulable(client, o.node, true);
    const listOnNode = async () => (await client.list(R.pods, undefined, { fieldSelector: `spec.nodeName=${o.node}` })).items.map((p) => as<V1Pod>(p));
    const plan = planDrain(await listOnNode(), { force: o.force, ignoreDaemonSets: o.ignoreDaemonsets, deleteEmptyDirData: o.deleteEmptydirData });
    if (plan.errors.length > 0) throw notDrained(o.node, plan.errors.length === 1 ? plan.errors[0] : `[${plan.errors.join(", ")}]`);
    if (plan.warnings) process.stderr.write(`Warning: ${plan.warnings}\n`);

    const deadline = timeoutMs > 0 ? Date.now() + timeoutMs : Infinity;
    const grace = o.gracePeriod !== undefined && o.gracePeriod >= 0 ? o.gracePeriod : undefined;
    const pending = new Map<string, V1Pod>();
    await Promise.all(
      plan.toDelete.map(async (pod) => {
        await evictUntilAllowed(client, pod, grace, deadline, o);
        pending.set(pod.metadata?.uid ?? `${pod.metadata?.namespace}/${pod.metadata?.name}`, pod);
      }),
    );

    // A pod is gone when no pod with its uid remains on the node; the node's
    // agent removes a gracefully deleted pod once its containers have stopped.
    while (pending.size > 0) {
      const live = new Set((await listOnNode()).map((p) => p.metadata?.uid));
      for (const [uid, pod] of pending) {
        if (live.has(uid)) continue;
        pending.delete(uid);
        process.stdout.write(`pod/${pod.metadata?.name ?? ""} evicted\n`);
      }
      if (pending.size === 0) break;
      if (Date.now() >= deadline) {
        const left = [...pending.values()].map((p) => `pod/${p.metadata?.name ?? ""}`).join("\n");
        process.stderr.write(`There are pending pods in node "${o.node}" when an error occurred: drain did not complete within ${o.timeout}\n${left}\n`);
        throw notDrained(o.node, `drain did not complete within ${o.timeout}`);
      }
      await sleep(POLL_MS);
    }
    process.stdout.write(`node/${o.node} drained\n`);
  });
}
