// `skiff chaos …`: fault injection through the cluster's /apis/skiff.dev/v1/chaos
// route (pkg/chaos). The faults live in the `skiff up` process, so they keep
// going after this command returns, until `skiff chaos stop`.
import { ApiError } from "../../pkg/api/errors.js";
import { parseQuantity } from "../../pkg/api/quantity.js";
import type { ChaosActionList } from "../../pkg/chaos/api.js";
import type { ChaosAction, ChaosRequest } from "../../pkg/chaos/controller.js";
import { TabWriter } from "../../pkg/describe/tab-writer.js";
import { connect, ExitError, type GlobalOptions } from "../context.js";
import { parseDuration } from "./rollout.js";

const PATH = "/apis/skiff.dev/v1/chaos";

export interface ChaosStartOptions {
  action: ChaosRequest["action"];
  target?: string;
  selector?: string;
  every?: string;
  latency?: string;
  container?: string;
  /** fill-disk, memory-pressure: a quantity ("2Gi"). */
  size?: string;
  globals: GlobalOptions;
}

export async function runChaosStart(o: ChaosStartOptions): Promise<void> {
  const s = connect(o.globals);
  const req: ChaosRequest = { action: o.action };
  if (["kill-node", "partition", "slow-node", "stop-runtime", "fill-disk", "memory-pressure"].includes(o.action)) req.node = o.target;
  if (o.size !== undefined) {
    try {
      req.bytes = parseQuantity(o.size).toNumber();
    } catch {
      throw new ExitError(1, `error: --size: invalid quantity "${o.size}" (e.g. 2Gi)`);
    }
  }
  if (o.action === "oom") {
    req.pod = o.target?.replace(/^(pods?|po)\//, "");
    req.namespace = s.namespace;
    if (o.container) req.container = o.container;
  }
  if (o.action === "kill-pod") {
    if (!o.selector) throw new ExitError(1, "error: kill-pod needs -l SELECTOR (e.g. -l app=web)");
    req.selector = o.selector;
    req.namespace = s.namespace;
    if (o.every) req.everyMs = parseDuration(o.every);
  }
  if (o.action === "slow-node") {
    if (!o.latency) throw new ExitError(1, "error: slow-node needs --latency (e.g. --latency 500ms)");
    req.latencyMs = parseDuration(o.latency);
  }
  try {
    const a = await s.client.request<ChaosAction>("POST", PATH, { body: req });
    process.stdout.write(`${a.id} ${a.action} ${a.target}: ${a.effects.join("; ") || "started"}\n`);
    if (a.state === "active") process.stdout.write(`undo with: skiff chaos stop ${a.id}\n`);
  } catch (e) {
    throw asExit(e);
  } finally {
    s.client.close();
  }
}

export async function runChaosStop(o: { id?: string; all?: boolean; globals: GlobalOptions }): Promise<void> {
  if (!o.id && !o.all) throw new ExitError(1, "error: which action? skiff chaos stop ACTION-ID, or --all (skiff chaos list shows them)");
  const s = connect(o.globals);
  try {
    const stopped = o.all
      ? (await s.client.request<ChaosActionList>("DELETE", PATH)).items
      : [await s.client.request<ChaosAction>("DELETE", `${PATH}/${encodeURIComponent(o.id!)}`)];
    if (stopped.length === 0) process.stdout.write("no active chaos actions\n");
    for (const a of stopped) process.stdout.write(`${a.id} ${a.action} ${a.target}: ${a.state}${a.effects.length ? ` (${a.effects[a.effects.length - 1]})` : ""}\n`);
  } catch (e) {
    throw asExit(e);
  } finally {
    s.client.close();
  }
}

export async function runChaosList(o: { globals: GlobalOptions }): Promise<void> {
  const s = connect(o.globals);
  try {
    const list = await s.client.request<ChaosActionList>("GET", PATH);
    process.stdout.write(formatChaosList(list.items));
  } catch (e) {
    throw asExit(e);
  } finally {
    s.client.close();
  }
}

export function formatChaosList(items: ChaosAction[]): string {
  if (items.length === 0) return "No chaos actions.\n";
  const tw = new TabWriter({ padding: 3 });
  tw.write("ID\tACTION\tTARGET\tSTATE\tSTARTED\tLAST EFFECT\n");
  for (const a of items) tw.write(`${a.id}\t${a.action}\t${a.target}\t${a.state}\t${a.startedAt}\t${a.effects[a.effects.length - 1] ?? ""}\n`);
  return tw.toString();
}

function asExit(e: unknown): unknown {
  if (e instanceof ApiError) return new ExitError(1, `Error from server (${e.reason}): ${e.message}`);
  return e;
}
