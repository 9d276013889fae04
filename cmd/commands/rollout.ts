// `skiff rollout status|history|undo|pause|resume|restart` for deployments.
import { displayRef, R, resolveResource, type ResourceInfo } from "../../pkg/api/kinds.js";
import { ApiError } from "../../pkg/api/errors.js";
import type { KubeObject } from "../../pkg/api/types.js";
import { HttpClient } from "../../pkg/client/http-client.js";
import { rfc3339Local } from "../../pkg/describe/format.js";
import { rollbackTo, type DeploymentLike } from "../../pkg/controllers/history.js";
import { formatHistory, formatRevision, historyOf, ownedReplicaSets } from "../../pkg/describe/rollout.js";
import { RolloutError, waitForRollout } from "../../pkg/describe/rollout-status.js";
import { connect, ExitError, type GlobalOptions } from "../context.js";
import { describeError } from "../output.js";

/** "deploy/web" or "deploy web": one kind and one name. */
export function resolveOne(kindOrRef: string, name: string | undefined, verb: string): { info: ResourceInfo; name: string } {
  const [k, n] = kindOrRef.includes("/") ? kindOrRef.split("/", 2) : [kindOrRef, name];
  const info = resolveResource(k);
  if (!info) throw new ExitError(1, `error: the server doesn't have a resource type "${k}"`);
  if (!n) throw new ExitError(1, `error: you must specify the name of the ${info.singular} to ${verb}, e.g. 'skiff ${verb} ${info.shortNames[0] ?? info.singular}/NAME'`);
  return { info, name: n };
}

/** Go-style durations ("30s", "5m", "1h30m", "250ms", "0"), in milliseconds. */
export function parseDuration(s: string): number {
  if (/^\d+$/.test(s)) return Number(s) * 1000;
  const units: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
  let total = 0;
  let rest = s;
  while (rest.length > 0) {
    const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)/.exec(rest);
    if (!m) throw new ExitError(1, `error: invalid duration "${s}" (use e.g. 30s, 5m, 1h)`);
    total += Number(m[1]) * units[m[2]];
    rest = rest.slice(m[0].length);
  }
  return total;
}

interface RolloutBase {
  kind: string;
  name?: string;
  globals: GlobalOptions;
}

function deploymentTarget(o: RolloutBase, verb: string): string {
  const t = resolveOne(o.kind, o.name, `rollout ${verb}`);
  if (t.info !== R.deployments) throw new ExitError(1, `error: rollout ${verb} is only supported for deployments, not ${t.info.plural}`);
  return t.name;
}

/** Run body with an HttpClient; API and rollout errors become kubectl-style messages with exit 1. */
async function withClient(o: RolloutBase, body: (c: HttpClient, ns: string) => Promise<void>): Promise<void> {
  const s = connect(o.globals);
  const client = new HttpClient(s.client);
  try {
    await body(client, s.namespace);
  } catch (e) {
    if (e instanceof RolloutError) throw new ExitError(1, `error: ${e.message}`);
    if (e instanceof ApiError) throw new ExitError(1, describeError(e));
    throw e;
  } finally {
    client.close();
  }
}

export async function runRolloutStatus(o: RolloutBase & { watch?: string | boolean; timeout?: string; revision?: number }): Promise<void> {
  const name = deploymentTarget(o, "status");
  const watch = o.watch === undefined || o.watch === true || o.watch !== "false";
  const timeoutMs = o.timeout ? parseDuration(o.timeout) : 0;
  await withClient(o, (c, ns) => waitForRollout(c, ns, name, { watch, timeoutMs, revision: o.revision, onMessage: (m) => process.stdout.write(`${m}\n`) }));
}

export async function runRolloutHistory(o: RolloutBase & { revision?: number }): Promise<void> {
  const name = deploymentTarget(o, "history");
  await withClient(o, async (c, ns) => {
    const deploy = await c.get(R.deployments, ns, name);
    const history = historyOf(await ownedReplicaSets(c, deploy));
    const ref = displayRef(R.deployments, name);
    if (o.revision && o.revision > 0) {
      const text = formatRevision(history, o.revision);
      process.stdout.write(`${ref} with revision #${o.revision}\n${text}`);
    } else {
      // kubectl prints the name, a space, and the table on the next line.
      process.stdout.write(`${ref} \n${formatHistory(history)}\n`);
    }
  });
}

export async function runRolloutUndo(o: RolloutBase & { toRevision?: number }): Promise<void> {
  const name = deploymentTarget(o, "undo");
  await withClient(o, async (c, ns) => {
    const deploy = await c.get<DeploymentLike>(R.deployments, ns, name);
    // The same rollback the deployment controller's own history code does (pkg/controllers/history.ts).
    const r = await rollbackTo(c, deploy, o.toRevision);
    process.stdout.write(`${displayRef(R.deployments, name)} ${r.skipped ?? "rolled back"}\n`);
  });
}

async function setPaused(o: RolloutBase, paused: boolean): Promise<void> {
  const verb = paused ? "pause" : "resume";
  const name = deploymentTarget(o, verb);
  await withClient(o, async (c, ns) => {
    const deploy = await c.get(R.deployments, ns, name);
    const isPaused = (deploy.spec as { paused?: boolean } | undefined)?.paused === true;
    if (isPaused === paused) {
      throw new ExitError(1, `error: deployments.apps ${JSON.stringify(name)} ${paused ? "is already paused" : "is not paused"}`);
    }
    await c.patch(R.deployments, ns, name, "strategic", { spec: { paused } }, { fieldManager: "skiff-rollout" });
    process.stdout.write(`${displayRef(R.deployments, name)} ${paused ? "paused" : "resumed"}\n`);
  });
}

export const runRolloutPause = (o: RolloutBase) => setPaused(o, true);
export const runRolloutResume = (o: RolloutBase) => setPaused(o, false);

export async function runRolloutRestart(o: RolloutBase): Promise<void> {
  const name = deploymentTarget(o, "restart");
  await withClient(o, async (c, ns) => {
    const deploy: KubeObject = await c.get(R.deployments, ns, name);
    if ((deploy.spec as { paused?: boolean } | undefined)?.paused) {
      throw new ExitError(1, `error: deployments.apps ${JSON.stringify(name)} can't restart paused deployment (run rollout resume first)`);
    }
    // A changed template annotation is a new pod template: the controller rolls every pod.
    const patch = { spec: { template: { metadata: { annotations: { "kubectl.kubernetes.io/restartedAt": rfc3339Local(new Date()) } } } } };
    await c.patch(R.deployments, ns, name, "strategic", patch, { fieldManager: "skiff-rollout" });
    process.stdout.write(`${displayRef(R.deployments, name)} restarted\n`);
  });
}
