// `skiff config view|current-context|get-contexts|use-context|set-context`,
// on the same kubeconfig file kubectl reads.
import { existsSync, readFileSync } from "node:fs";
import {
  contextRows,
  currentContext,
  KubeconfigEditError,
  kubeconfigText,
  parseKubeconfig,
  setContext,
  useContext,
  viewJson,
  viewKubeconfig,
  viewYaml,
} from "../../pkg/cli/kubeconfig-edit.js";
import { writeFileAtomic } from "../../pkg/cluster/state-dir.js";
import { ExitError, type GlobalOptions } from "../context.js";
import { formatColumns } from "../output.js";

function load(g: GlobalOptions): Record<string, unknown> {
  if (!existsSync(g.kubeconfig)) throw new ExitError(1, `error: no kubeconfig at ${g.kubeconfig} - start a cluster with \`skiff up\` (it writes the kubeconfig), or pass --kubeconfig`);
  return guard(() => parseKubeconfig(readFileSync(g.kubeconfig, "utf8")));
}

function guard<T>(fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof KubeconfigEditError || e instanceof Error) throw new ExitError(1, `error: ${e.message}`);
    throw e;
  }
}

export function runConfigView(o: { minify?: boolean; raw?: boolean; output?: string; globals: GlobalOptions }): void {
  const cfg = load(o.globals);
  const view = guard(() => viewKubeconfig(cfg, { minify: o.minify, raw: o.raw, context: o.globals.context }));
  if (o.output === "json") process.stdout.write(viewJson(view));
  else if (!o.output || o.output === "yaml") process.stdout.write(viewYaml(view));
  else throw new ExitError(1, `error: unable to match a printer suitable for the output format "${o.output}", allowed formats are: json,yaml`);
}

export function runConfigCurrentContext(o: { globals: GlobalOptions }): void {
  process.stdout.write(guard(() => currentContext(load(o.globals))) + "\n");
}

export function runConfigGetContexts(o: { globals: GlobalOptions }): void {
  const rows = contextRows(load(o.globals));
  process.stdout.write(formatColumns([["CURRENT", "NAME", "CLUSTER", "AUTHINFO", "NAMESPACE"], ...rows]) + "\n");
}

export function runConfigUseContext(o: { name: string; globals: GlobalOptions }): void {
  const cfg = load(o.globals);
  guard(() => useContext(cfg, o.name));
  writeFileAtomic(o.globals.kubeconfig, kubeconfigText(cfg));
  process.stdout.write(`Switched to context "${o.name}".\n`);
}

export function runConfigSetContext(o: { name?: string; current?: boolean; namespace?: string; cluster?: string; user?: string; globals: GlobalOptions }): void {
  const cfg = load(o.globals);
  if (o.current && o.name) throw new ExitError(1, "error: you cannot specify both a context name and --current");
  const name = o.current ? guard(() => currentContext(cfg)) : o.name;
  if (!name) throw new ExitError(1, "error: you must specify a non-empty context name or --current");
  const verb = setContext(cfg, name, { namespace: o.namespace, cluster: o.cluster, user: o.user });
  writeFileAtomic(o.globals.kubeconfig, kubeconfigText(cfg));
  process.stdout.write(`Context "${name}" ${verb}.\n`);
}
