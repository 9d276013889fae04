// The progress display for `apply --wait` and `up -f`: a cli-progress bar on a
// terminal, plain lines ("deployment.apps/web ready (2/2 available)") when the
// output is a pipe or a CI log.
import { byKind, type ResourceInfo } from "../pkg/api/kinds.js";
import type { KubeObject } from "../pkg/api/types.js";
import type { Client } from "../pkg/client/client.js";
import { waitForReady, waitTargets, type TargetStatus } from "../pkg/apply/wait.js";
import { ExitError } from "./context.js";
import { useColour } from "./output.js";

/** "5m", "90s", "1h30m", "500ms", or a bare number of seconds. */
export function parseTimeout(text: string | undefined, fallbackMs: number): number {
  if (text === undefined || text === "") return fallbackMs;
  if (/^\d+$/.test(text)) return parseInt(text, 10) * 1000;
  const re = /(\d+(?:\.\d+)?)(ms|h|m|s)/g;
  let total = 0;
  let consumed = "";
  for (const m of text.matchAll(re)) {
    total += parseFloat(m[1]) * { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[m[2] as "ms" | "s" | "m" | "h"];
    consumed += m[0];
  }
  if (consumed !== text) throw new ExitError(1, `error: invalid --timeout "${text}" (use e.g. 90s, 5m, 1h)`);
  return total;
}

export interface AppliedObject {
  object: KubeObject;
}

function targetsOf(applied: AppliedObject[], namespace: string) {
  return waitTargets(
    applied.flatMap(({ object }) => {
      const info: ResourceInfo | undefined = byKind(String(object.apiVersion), String(object.kind));
      if (!info || !object.metadata?.name) return [];
      return [{ info, namespace: info.namespaced ? object.metadata.namespace || namespace : undefined, name: object.metadata.name }];
    }),
  );
}

/**
 * Wait for everything applied to become ready, showing progress on stderr.
 * Throws ExitError(1) naming what is not ready on timeout or failure.
 */
export async function waitWithProgress(client: Pick<Client, "get">, applied: AppliedObject[], opts: { namespace: string; timeoutMs: number }): Promise<void> {
  const targets = targetsOf(applied, opts.namespace);
  if (targets.length === 0) return;
  const out = process.stderr;
  const tty = !!out.isTTY && process.env.TERM !== "dumb";
  const total = targets.length;
  let bar: import("cli-progress").SingleBar | undefined;
  if (tty) {
    const { default: progress } = await import("cli-progress");
    bar = new progress.SingleBar(
      {
        format: `waiting {bar} {value}/{total} ready  {detail}`,
        barsize: 24,
        hideCursor: true,
        clearOnComplete: false,
        stream: out,
        barCompleteChar: useColour(out) ? "\u2588" : "#",
        barIncompleteChar: useColour(out) ? "\u2591" : "-",
      },
      progress.Presets.shades_classic,
    );
    bar.start(total, 0, { detail: "" });
  } else {
    out.write(`waiting for ${total} workload${total === 1 ? "" : "s"} to be ready (timeout ${Math.round(opts.timeoutMs / 1000)}s)\n`);
  }
  const announced = new Set<string>();
  const onProgress = (statuses: TargetStatus[]) => {
    const ready = statuses.filter((s) => s.readiness.state === "ready");
    const pending = statuses.find((s) => s.readiness.state !== "ready");
    if (bar) bar.update(ready.length, { detail: pending ? `${pending.ref}: ${pending.readiness.message}` : "" });
    else {
      for (const s of ready) {
        if (announced.has(s.ref)) continue;
        announced.add(s.ref);
        out.write(`${s.ref} ready (${s.readiness.message})\n`);
      }
    }
  };
  let outcome;
  try {
    outcome = await waitForReady(client, targets, { timeoutMs: opts.timeoutMs, onProgress });
  } finally {
    bar?.stop();
  }
  if (outcome.ok) {
    out.write(`all ${total} workload${total === 1 ? " is" : "s are"} ready\n`);
    return;
  }
  const notReady = outcome.statuses.filter((s) => s.readiness.state !== "ready").map((s) => `  ${s.ref}: ${s.readiness.message}`);
  const why = outcome.timedOut ? `timed out after ${Math.round(opts.timeoutMs / 1000)}s waiting for` : "gave up: a workload failed";
  throw new ExitError(1, [`error: ${why}:`, ...notReady, "(skiff describe KIND NAME and skiff get events show why)"].join("\n"));
}
