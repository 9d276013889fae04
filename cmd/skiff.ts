#!/usr/bin/env node
// The skiff CLI: parses flags (commander) and wires pkg/ objects together.
// Commands load their modules on demand, so `skiff get` does not pay for the
// API server, the store or the schema tables at start-up.
import { Command, Option } from "commander";
import { join } from "node:path";
import { defaultStateDir } from "../pkg/cluster/paths.js";
import { describeError } from "./output.js";
import { SKIFF_VERSION } from "../pkg/version.js";
import { ExitError, type GlobalOptions } from "./context.js";

function globals(cmd: Command): GlobalOptions {
  const o = cmd.optsWithGlobals<{ kubeconfig?: string; namespace?: string; context?: string }>();
  return {
    kubeconfig: o.kubeconfig ?? process.env.SKIFF_KUBECONFIG ?? join(defaultStateDir(), "kubeconfig"),
    namespace: o.namespace,
    context: o.context,
  };
}

const collect = (v: string, prev: string[] = []) => [...prev, v];

export function buildProgram(): Command {
  const program = new Command("skiff")
    .description("A container orchestrator in miniature, shaped like Kubernetes")
    .version(SKIFF_VERSION, "--client-version", "print the client version")
    .option("--kubeconfig <path>", "kubeconfig file (default: $SKIFF_HOME/kubeconfig)")
    .option("-n, --namespace <ns>", "namespace for this request")
    .option("--context <name>", "kubeconfig context to use")
    .showHelpAfterError("(run with --help for usage)")
    .configureOutput({ outputError: (s, write) => write(s.startsWith("error") ? s : `error: ${s}`) });

  program
    .command("up")
    .description("start a cluster (control plane with a durable store) in this process")
    .option("--port <port>", "API server port", (v) => parseInt(v, 10), 6443)
    .option("--host <addr>", "address the API server binds", "127.0.0.1")
    .option("--store <spec>", "store backend: sqlite (in $SKIFF_HOME) | memory | sqlite:/path/file.db", "sqlite")
    .option("--state-dir <dir>", "state directory (default: $SKIFF_HOME or ~/.skiff)")
    .option("-f, --filename <path>", "manifest file or directory to apply once the cluster is up (repeatable)", collect, [])
    .option("-v, --verbose", "log every API request")
    .action(async (o, cmd: Command) => (await import("./commands/up.js")).runUp({ ...o, stateDir: o.stateDir ?? defaultStateDir(), globals: globals(cmd) }));

  program
    .command("apply")
    .description("apply a configuration to a resource by file name or stdin")
    .requiredOption("-f, --filename <path>", "file, directory or - for stdin (repeatable)", collect, [])
    .option("-R, --recursive", "process directories recursively")
    .addOption(new Option("--dry-run <mode>", "client: print only; server: validate on the server without saving").choices(["none", "client", "server"]))
    .option("-o, --output <format>", "output format: name | yaml | json")
    .action(async (o, cmd: Command) => (await import("./commands/apply.js")).runApply({ ...o, globals: globals(cmd), verb: "apply" }));

  program
    .command("create")
    .description("create resources from a file or stdin (fails if they exist)")
    .requiredOption("-f, --filename <path>", "file, directory or - for stdin (repeatable)", collect, [])
    .option("-R, --recursive", "process directories recursively")
    .addOption(new Option("--dry-run <mode>", "client | server").choices(["none", "client", "server"]))
    .option("-o, --output <format>", "output format: name | yaml | json")
    .action(async (o, cmd: Command) => (await import("./commands/apply.js")).runApply({ ...o, globals: globals(cmd), verb: "create" }));

  program
    .command("get")
    .description("display one or many resources")
    .argument("<kinds>", "resource kinds, comma separated (pods,svc), or kind/name")
    .argument("[names...]", "object names")
    .option("-o, --output <format>", "wide | yaml | json | name")
    .option("-l, --selector <selector>", "label selector (app=web,tier!=db)")
    .option("--field-selector <selector>", "field selector (status.phase=Running)")
    .option("-A, --all-namespaces", "list across all namespaces")
    .option("-w, --watch", "after listing, watch for changes")
    .option("--show-labels", "show labels as the last column")
    .option("--no-headers", "do not print headers")
    .action(async (kinds: string, names: string[], o, cmd: Command) => (await import("./commands/get.js")).runGet({ ...o, kinds, names, globals: globals(cmd) }));

  program
    .command("delete")
    .description("delete resources by file name, kind and names, or label selector")
    .argument("[kinds]", "resource kind(s), or kind/name")
    .argument("[names...]", "object names")
    .option("-f, --filename <path>", "file, directory or - for stdin (repeatable)", collect, [])
    .option("-R, --recursive", "process directories recursively")
    .option("-l, --selector <selector>", "label selector")
    .option("--all", "delete all objects of the kind in the namespace")
    .option("--grace-period <seconds>", "seconds the object is given to terminate", (v) => parseInt(v, 10))
    .option("--ignore-not-found", "treat a missing object as deleted")
    .addOption(new Option("--cascade <mode>", "background | foreground | orphan").choices(["background", "foreground", "orphan"]).default("background"))
    .action(async (kinds: string | undefined, names: string[], o, cmd: Command) => (await import("./commands/delete.js")).runDelete({ ...o, kinds, names, globals: globals(cmd) }));

  program
    .command("version")
    .description("print the client and server versions")
    .option("--client", "client version only")
    .action(async (o, cmd: Command) => (await import("./commands/version.js")).runVersion({ ...o, globals: globals(cmd) }));

  return program;
}

export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  program.exitOverride();
  try {
    await program.parseAsync(argv);
    return 0;
  } catch (e) {
    const err = e as { code?: string; exitCode?: number };
    if (typeof err.code === "string" && err.code.startsWith("commander.")) {
      return err.code === "commander.helpDisplayed" || err.code === "commander.version" ? 0 : (err.exitCode ?? 1);
    }
    if (e instanceof ExitError) {
      if (e.message) process.stderr.write(e.message.endsWith("\n") ? e.message : `${e.message}\n`);
      return e.exitCode;
    }
    process.stderr.write(`error: ${describeError(e)}\n`);
    return 1;
  }
}

// Run only when executed, not when imported by tests.
const invoked = process.argv[1] ?? "";
if (/skiff(\.js)?$/.test(invoked) || invoked.endsWith("cmd/skiff.ts")) {
  main(process.argv).then((code) => {
    process.exitCode = code;
  });
}
