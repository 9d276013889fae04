// `rollout status`: kubectl's DeploymentStatusViewer messages, word for word,
// and a loop that watches the Deployment until it is rolled out.
import { ApiError } from "../api/errors.js";
import { R } from "../api/kinds.js";
import { deploymentRollout, type DeploymentRolloutFields } from "../api/rollout.js";
import { as, type KubeObject } from "../api/types.js";
import type { Client, ClientWatch } from "../client/client.js";

/** A rollout that cannot finish (deadline exceeded, wrong revision, timeout); exit 1. */
export class RolloutError extends Error {
  override name = "RolloutError";
}

export interface RolloutStatus {
  /** One line, without the trailing newline. */
  message: string;
  done: boolean;
}

const REVISION = "deployment.kubernetes.io/revision";

/** DeploymentStatusViewer.Status; throws RolloutError where kubectl returns an error. */
export function deploymentRolloutStatus(d: DeploymentRolloutFields, revision = 0): RolloutStatus {
  const name = d.metadata.name ?? "";
  const q = JSON.stringify(name);
  if (revision > 0) {
    const current = Number(d.metadata.annotations?.[REVISION] ?? NaN);
    if (!Number.isInteger(current)) throw new RolloutError(`cannot get the revision of deployment ${q}: no revision annotation`);
    if (current !== revision) throw new RolloutError(`desired revision (${revision}) is different from the running revision (${current})`);
  }
  const r = deploymentRollout(d);
  const waiting = (what: string) => ({ message: `Waiting for deployment ${q} rollout to finish: ${what}`, done: false });
  switch (r.state) {
    case "notObserved":
      return { message: "Waiting for deployment spec update to be observed...", done: false };
    case "deadlineExceeded":
      throw new RolloutError(`deployment ${q} exceeded its progress deadline`);
    case "updating":
      return waiting(`${r.updated} out of ${r.want} new replicas have been updated...`);
    case "terminatingOld":
      return waiting(`${r.old} old replicas are pending termination...`);
    case "becomingAvailable":
      return waiting(`${r.available} of ${r.updated} updated replicas are available...`);
    case "complete":
      return { message: `deployment ${q} successfully rolled out`, done: true };
  }
}

export interface WaitOptions {
  /** false: report the current status once and return. */
  watch: boolean;
  /** 0 or undefined: wait forever. */
  timeoutMs?: number;
  revision?: number;
  /** Called with each message that differs from the one before. */
  onMessage(message: string): void;
}

/**
 * Follow a Deployment until it is rolled out. Resolves when done (or at once
 * without watch); rejects with RolloutError, or the ApiError of a missing object.
 */
export async function waitForRollout(client: Client, namespace: string, name: string, opts: WaitOptions): Promise<void> {
  let last: string | undefined;
  const report = (obj: KubeObject): boolean => {
    const s = deploymentRolloutStatus(as<DeploymentRolloutFields>(obj), opts.revision ?? 0);
    if (s.message !== last) opts.onMessage(s.message);
    last = s.message;
    return s.done;
  };

  const first = await client.get(R.deployments, namespace, name);
  if (report(first) || !opts.watch) return;

  let timer: NodeJS.Timeout | undefined;
  let stopCurrent: (() => void) | undefined;
  let finished = false;
  const timedOut = new Promise<never>((_, reject) => {
    if (!opts.timeoutMs) return;
    timer = setTimeout(() => reject(new RolloutError("timed out waiting for the condition")), opts.timeoutMs);
  });
  timedOut.catch(() => undefined);

  const follow = async (): Promise<void> => {
    let rv = first.metadata.resourceVersion;
    while (!finished) {
      let outcome: { done: boolean; error?: Error } = { done: false };
      // The handler may run before watch() resolves (in-process clients), so stopping can wait for the handle.
      let w: ClientWatch | undefined;
      w = await client.watch(R.deployments, namespace, { resourceVersion: rv, fieldSelector: `metadata.name=${name}` }, (ev) => {
        if (outcome.done || outcome.error) return;
        try {
          if (ev.type === "DELETED") throw new RolloutError(`deployment ${JSON.stringify(name)} was deleted`);
          if (ev.type !== "ADDED" && ev.type !== "MODIFIED") return;
          rv = ev.object.metadata.resourceVersion;
          if (report(ev.object)) outcome = { done: true };
        } catch (e) {
          outcome = { done: false, error: e as Error };
        }
        if (outcome.done || outcome.error) w?.stop();
      });
      const handle = w;
      stopCurrent = () => handle.stop();
      if (outcome.done || outcome.error) handle.stop();
      const end = await handle.done;
      if (outcome.error) throw outcome.error;
      if (outcome.done) return;
      // The watch ended on its own (server timeout, expired version): read the
      // current state, which may already be done, and watch again from there.
      if (end.error && !(end.error instanceof ApiError)) throw end.error;
      const now = await client.get(R.deployments, namespace, name);
      if (report(now)) return;
      rv = now.metadata.resourceVersion;
    }
  };

  try {
    await Promise.race([follow(), timedOut]);
  } finally {
    finished = true;
    if (timer) clearTimeout(timer);
    stopCurrent?.();
  }
}
