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
    .description("start a cluster in this process: API server, store, controllers, scheduler, node agents, service proxy")
    .option("--port <port>", "API server port", (v) => parseInt(v, 10), 6443)
    .option("--host <addr>", "address the API server binds", "127.0.0.1")
    .option("--store <spec>", "store backend: sqlite (in $SKIFF_HOME) | memory | sqlite:/path/file.db", "sqlite")
    .option("--state-dir <dir>", "state directory (default: $SKIFF_HOME or ~/.skiff)")
    .option("-f, --filename <path>", "manifest file or directory to apply once the cluster is up (repeatable)", collect, [])
    .option("--nodes <n>", "node agents to run in this process (0: control plane only)", (v) => parseInt(v, 10), 1)
    .addOption(new Option("--runtime <runtime>", "container runtime for the nodes (auto: Docker if it answers, else fake)").choices(["auto", "docker", "fake"]).default("auto"))
    .option("--node-cpu <cpu>", "cpu capacity of each node (default: the host's for docker, 4 for fake)")
    .option("--node-memory <mem>", "memory capacity of each node (default: the host's for docker, 8Gi for fake)")
    .option("--fake-http", "fake runtime: answer HTTP on every container port with the pod name")
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
    .command("logs")
    .description("print the logs of a container in a pod")
    .argument("<pod>", "pod name (or pod/NAME)")
    .option("-c, --container <name>", "container name (required when the pod has several)")
    .option("-f, --follow", "stream new lines as they are written")
    .option("-p, --previous", "logs of the previous, terminated instance of the container")
    .option("--tail <n>", "only the last N lines (-1: all)", (v) => parseInt(v, 10))
    .option("--timestamps", "prefix each line with its RFC 3339 timestamp")
    .option("--since-seconds <n>", "only lines newer than N seconds", (v) => parseInt(v, 10))
    .action(async (pod: string, o, cmd: Command) => (await import("./commands/logs.js")).runLogs({ ...o, pod, globals: globals(cmd) }));

  program
    .command("version")
    .description("print the client and server versions")
    .option("--client", "client version only")
    .action(async (o, cmd: Command) => (await import("./commands/version.js")).runVersion({ ...o, globals: globals(cmd) }));

  program
    .command("describe")
    .description("show details of a resource or group of resources, with their events")
    .argument("<kinds>", "resource kind (pods, deploy, nodes…), or kind/name")
    .argument("[names...]", "object names or name prefixes")
    .option("-l, --selector <selector>", "label selector")
    .option("-A, --all-namespaces", "describe across all namespaces")
    .option("--show-events [bool]", "show related events (--show-events=false to hide them)")
    .action(async (kinds: string, names: string[], o, cmd: Command) => (await import("./commands/describe.js")).runDescribe({ ...o, kinds, names, globals: globals(cmd) }));

  program
    .command("scale")
    .description("set a new size for a deployment or replica set")
    .argument("<kinds>", "resource kind, or kind/name")
    .argument("[names...]", "object names")
    .option("--replicas <n>", "the new desired number of replicas", (v) => parseInt(v, 10))
    .option("--current-replicas <n>", "precondition: the current size must be this (-1: none)", (v) => parseInt(v, 10))
    .option("--resource-version <rv>", "precondition: the current resource version must be this")
    .action(async (kinds: string, names: string[], o, cmd: Command) => (await import("./commands/scale.js")).runScale({ ...o, kinds, names, globals: globals(cmd) }));

  const rollout = program.command("rollout").description("manage the rollout of a deployment");
  rollout
    .command("status")
    .description("watch the rollout until it finishes")
    .argument("<kind>", "deploy/NAME, or deploy")
    .argument("[name]", "deployment name")
    .option("-w, --watch [bool]", "keep watching until the rollout finishes (--watch=false: report once)")
    .option("--timeout <duration>", "give up after this long (e.g. 5m; 0 waits forever)")
    .option("--revision <n>", "pin to a revision; fail if the rollout moves past it", (v) => parseInt(v, 10))
    .action(async (kind: string, name: string | undefined, o, cmd: Command) => (await import("./commands/rollout.js")).runRolloutStatus({ ...o, kind, name, globals: globals(cmd) }));
  rollout
    .command("history")
    .description("list the revisions of a deployment, or show one")
    .argument("<kind>", "deploy/NAME, or deploy")
    .argument("[name]", "deployment name")
    .option("--revision <n>", "show the pod template of this revision", (v) => parseInt(v, 10))
    .action(async (kind: string, name: string | undefined, o, cmd: Command) => (await import("./commands/rollout.js")).runRolloutHistory({ ...o, kind, name, globals: globals(cmd) }));
  rollout
    .command("undo")
    .description("roll back to the previous (or a given) revision")
    .argument("<kind>", "deploy/NAME, or deploy")
    .argument("[name]", "deployment name")
    .option("--to-revision <n>", "the revision to roll back to (default: the previous one)", (v) => parseInt(v, 10))
    .action(async (kind: string, name: string | undefined, o, cmd: Command) => (await import("./commands/rollout.js")).runRolloutUndo({ ...o, kind, name, globals: globals(cmd) }));
  for (const [verb, run, what] of [
    ["pause", "runRolloutPause", "stop rolling out template changes until resumed"],
    ["resume", "runRolloutResume", "resume a paused deployment"],
    ["restart", "runRolloutRestart", "replace every pod with a new one, one rollout step at a time"],
  ] as const) {
    rollout
      .command(verb)
      .description(what)
      .argument("<kind>", "deploy/NAME, or deploy")
      .argument("[name]", "deployment name")
      .action(async (kind: string, name: string | undefined, _o, cmd: Command) => (await import("./commands/rollout.js"))[run]({ kind, name, globals: globals(cmd) }));
  }

  program
    .command("events")
    .description("list events, oldest first (like kubectl events)")
    .option("-A, --all-namespaces", "events of every namespace")
    .option("--for <kind/name>", "only events about this object")
    .option("-w, --watch", "after listing, print new events as they come")
    .option("--types <types>", "only these types, comma separated (Normal,Warning)")
    .option("--no-headers", "do not print headers")
    .action(async (o, cmd: Command) => (await import("./commands/events.js")).runEvents({ ...o, globals: globals(cmd) }));

  const drainOptions = (c: Command) =>
    c
      .argument("<node>", "node name")
      .option("--force", "also delete pods that no controller manages (they are not recreated)")
      .option("--ignore-daemonsets", "leave DaemonSet-managed pods in place")
      .option("--delete-emptydir-data", "also delete pods with emptyDir volumes (their data is lost)")
      .option("--grace-period <seconds>", "seconds each pod gets to stop (default: the pod's own)", (v) => parseInt(v, 10))
      .option("--timeout <duration>", "give up after this long (e.g. 5m; 0 waits forever)");
  const nodes = program.command("nodes").description("node maintenance: cordon, uncordon, drain");
  for (const parent of [program, nodes]) {
    parent
      .command("cordon")
      .description("mark a node unschedulable")
      .argument("<node>", "node name")
      .action(async (node: string, _o, cmd: Command) => (await import("./commands/nodes.js")).runCordon({ node, globals: globals(cmd) }));
    parent
      .command("uncordon")
      .description("mark a node schedulable again")
      .argument("<node>", "node name")
      .action(async (node: string, _o, cmd: Command) => (await import("./commands/nodes.js")).runUncordon({ node, globals: globals(cmd) }));
    drainOptions(parent.command("drain").description("cordon a node and delete its pods so their controllers replace them elsewhere"))
      .action(async (node: string, o, cmd: Command) => (await import("./commands/nodes.js")).runDrain({ ...o, node, globals: globals(cmd) }));
  }

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
