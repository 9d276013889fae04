// `skiff mirror` and `skiff mirror status`: flags in, pkg/mirror out.
// The source is skiff's own kubeconfig; --kubeconfig/--context name the target
// (for mirror they are the target's, unlike every other command), defaulting to
// the kind cluster `skiff kind up` made.
import { existsSync } from "node:fs";
import { join } from "node:path";
import { HttpClient } from "../../pkg/client/http-client.js";
import { KubeconfigError, loadKubeconfig } from "../../pkg/client/kubeconfig.js";
import { defaultStateDir } from "../../pkg/cluster/paths.js";
import { kindKubeconfigPath } from "../../pkg/mirror/kind-cluster.js";
import { Mirror, type MirrorEvent, type MirrorSummary } from "../../pkg/mirror/mirror.js";
import { mirrorStatus } from "../../pkg/mirror/status.js";
import { ClientNodeTarget, TargetConfigError, loadTargetConfig } from "../../pkg/mirror/target.js";
import { ExitError } from "../context.js";
import { formatColumns } from "../output.js";

export interface MirrorCliOptions {
  /** The target's kubeconfig (--kubeconfig); default: $SKIFF_HOME/kind-kubeconfig. */
  kubeconfig?: string;
  context?: string;
  namespaces: string[];
  once?: boolean;
  watch?: boolean;
  prune?: boolean;
  /** skiff's kubeconfig; default $SKIFF_KUBECONFIG or $SKIFF_HOME/kubeconfig. */
  sourceKubeconfig?: string;
  stateDir?: string;
}

/**
 * Every -n/--namespace on the command line. The program's global -n keeps only
 * the last one, and mirror takes several (-n a -n b, or -n a,b).
 */
export function namespacesFromArgv(argv: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--") break;
    let v: string | undefined;
    if (a === "-n" || a === "--namespace") v = argv[++i];
    else if (a.startsWith("--namespace=")) v = a.slice("--namespace=".length);
    else if (/^-n[^-]/.test(a)) v = a.slice(2).replace(/^=/, "");
    if (v) out.push(...v.split(",").filter(Boolean));
  }
  return [...new Set(out)];
}

function connect(o: MirrorCliOptions): { source: HttpClient; target: ClientNodeTarget } {
  const stateDir = o.stateDir ?? defaultStateDir();
  const sourcePath = o.sourceKubeconfig ?? process.env.SKIFF_KUBECONFIG ?? join(stateDir, "kubeconfig");
  let source: HttpClient;
  try {
    source = new HttpClient(loadKubeconfig(sourcePath));
  } catch (e) {
    if (e instanceof KubeconfigError) throw new ExitError(1, `error: ${e.message} - start skiff with \`skiff up\` first (mirror copies from it)`);
    throw e;
  }
  const targetPath = o.kubeconfig ?? kindKubeconfigPath(stateDir);
  if (!o.kubeconfig && !existsSync(targetPath)) {
    source.close();
    throw new ExitError(1, "error: no target cluster: pass --kubeconfig PATH [--context NAME] (any Kubernetes cluster), or create a kind cluster with `skiff kind up`");
  }
  try {
    return { source, target: new ClientNodeTarget(loadTargetConfig(targetPath, o.context)) };
  } catch (e) {
    source.close();
    if (e instanceof TargetConfigError) throw new ExitError(1, `error: target: ${e.message}`);
    throw e;
  }
}

function printEvent(e: MirrorEvent, stamp: boolean): void {
  if (e.type === "unchanged" || (e.type === "skipped" && e.expected)) return;
  const prefix = stamp ? `${new Date().toISOString().slice(11, 19)} ` : "";
  const line =
    e.type === "note" ? `${e.ref}: note: ${e.message}` : e.type === "applied" || e.type === "deleted" || e.type === "pruned" ? `${e.ref} ${e.type}` : `${e.ref} ${e.type}: ${e.message ?? ""}`;
  (e.type === "error" ? process.stderr : process.stdout).write(`${prefix}${line}\n`);
}

function summaryLine(target: string, s: MirrorSummary, expectedSkips: number): string {
  const parts = [`${s.applied} applied`];
  if (s.deleted) parts.push(`${s.deleted} deleted`);
  if (s.pruned) parts.push(`${s.pruned} pruned`);
  if (s.kept) parts.push(`${s.kept} kept (not skiff's alone)`);
  const cannot = s.skipped - expectedSkips;
  if (cannot) parts.push(`${cannot} not mirrored (see above)`);
  parts.push(`${s.notes} note${s.notes === 1 ? "" : "s"}`, `${s.errors} error${s.errors === 1 ? "" : "s"}`);
  const tail = expectedSkips ? `; ${expectedSkips} objects made by skiff's controllers or built in were left to the target` : "";
  return `mirror to "${target}": ${parts.join(", ")}${tail}`;
}

export async function runMirror(o: MirrorCliOptions): Promise<void> {
  if (o.once && o.watch) throw new ExitError(1, "error: --once and --watch exclude each other");
  const { source, target } = connect(o);
  let expectedSkips = 0;
  const mirror = new Mirror({
    source,
    target,
    namespaces: o.namespaces,
    prune: o.prune,
    onEvent: (e) => {
      if (e.type === "skipped" && e.expected) expectedSkips++;
      printEvent(e, Boolean(o.watch));
    },
  });
  try {
    if (!o.watch) {
      const s = await mirror.syncOnce();
      process.stdout.write(`${summaryLine(target.name, s, expectedSkips)}\n`);
      if (s.errors > 0) throw new ExitError(1);
      return;
    }
    const w = await mirror.watch();
    process.stdout.write(`${summaryLine(target.name, w.summary(), expectedSkips)}\nwatching skiff for changes (Ctrl-C to stop)\n`);
    await new Promise<void>((resolve) => {
      const done = () => {
        process.off("SIGINT", done);
        process.off("SIGTERM", done);
        resolve();
      };
      process.on("SIGINT", done);
      process.on("SIGTERM", done);
    });
    await w.stop();
  } finally {
    source.close();
  }
}

export async function runMirrorStatus(o: MirrorCliOptions): Promise<void> {
  const { source, target } = connect(o);
  try {
    const rows = await mirrorStatus({ source, target, namespaces: o.namespaces });
    if (rows.length === 0) {
      process.stdout.write("nothing to mirror in scope\n");
      return;
    }
    const table = [["NAMESPACE", "KIND/NAME", "SKIFF", "TARGET", "DRIFT"], ...rows.map((r) => [r.namespace || "-", r.name, r.skiff || "-", r.target || "-", r.drift])];
    process.stdout.write(`${formatColumns(table)}\n`);
  } finally {
    source.close();
  }
}
