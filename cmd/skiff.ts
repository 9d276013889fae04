#!/usr/bin/env node
// The skiff CLI: parses flags (commander) and wires pkg/ objects together.
// Commands load their modules on demand, so `skiff get` does not pay for the
// API server, the store or the schema tables at start-up.
import { Argument, Command, Option } from "commander";
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

  registerObjectCommands(program);
  registerRolloutCommands(program);
  registerChaosAndNodeCommands(program);
  registerAccessCommands(program);
  registerEditingAndProcessCommands(program);
  registerOperationsCommands(program);

  return program;
}

/** Up, apply, create (and create job), wait, get, delete, logs, dashboard, version, describe, scale. */
function registerObjectCommands(program: Command): void {
  program
    .command("up")
    .description("start a cluster in this process: API server, store, controllers, scheduler, node agents, service proxy")
    .option("--port <port>", "API server port", (v) => parseInt(v, 10), 6443)
    .option("--host <addr>", "address the API server binds", "127.0.0.1")
    .option("--store <spec>", "store backend: sqlite (in $SKIFF_HOME) | memory | sqlite:/path/file.db", "sqlite")
    .option("--state-dir <dir>", "state directory (default: $SKIFF_HOME or ~/.skiff)")
    .option("-f, --filename <path>", "manifest file or directory to apply once the cluster is up (repeatable)", collect, [])
    .option("--nodes <n>", "node agents to run in this process (0: control plane only)", (v) => parseInt(v, 10), 1)
    .option("--fake-nodes <n>", "also run N simulated nodes fake-1..N (fake runtime, label skiff.dev/runtime=fake) beside the real ones", (v) => parseInt(v, 10))
    .addOption(new Option("--runtime <runtime>", "container runtime for the nodes (auto: Docker if it answers, else fake)").choices(["auto", "docker", "fake"]).default("auto"))
    .option("--node-cpu <cpu>", "cpu capacity of each node (default: the host's for docker, 4 for fake)")
    .option("--node-memory <mem>", "memory capacity of each node (default: the host's for docker, 8Gi for fake)")
    .option("--fake-http", "fake runtime: answer HTTP on every container port with the pod name")
    .option("--fake-stages <file>", "fake runtime: YAML table of container life cycles replacing the default one (README: Fake runtime stages)")
    .option("--ingress-port <port>", "host port of the built-in ingress controller on 127.0.0.1 (0: off)", (v) => parseInt(v, 10), 8080)
    .addOption(new Option("--pod-security <level>", "Pod Security Standard enforced (and warned, audited) in namespaces without pod-security.kubernetes.io labels (default: baseline)").choices(["privileged", "baseline", "restricted"]))
    .option("--tls-san <host>", "extra DNS name or IP for the API server certificate, e.g. the address clients use from outside a container (repeatable)", collect, [])
    .option("-v, --verbose", "log every API request")
    .option("-d, --detach", "run in the background (pid in $SKIFF_HOME/skiff.pid, log in skiff.log); `skiff down` stops it")
    .option("--timeout <duration>", "with -f: how long to wait for the workloads to be ready (default 5m)")
    .action(async (o, cmd: Command) => (await import("./commands/up.js")).runUp({ ...o, stateDir: o.stateDir ?? defaultStateDir(), globals: globals(cmd) }));

  program
    .command("apply")
    .description("apply a configuration to a resource by file name or stdin")
    .requiredOption("-f, --filename <path>", "file, directory or - for stdin (repeatable)", collect, [])
    .option("-R, --recursive", "process directories recursively")
    .addOption(new Option("--dry-run <mode>", "client: print only; server: validate on the server without saving").choices(["none", "client", "server"]))
    .option("-o, --output <format>", "output format: name | yaml | json")
    .option("--wait", "wait until the applied workloads are ready (Deployments, StatefulSets, DaemonSets, Jobs, Pods), with a progress bar")
    .option("--timeout <duration>", "with --wait: give up after this long (default 5m)")
    .option("--plan", "show the diff, the pods that would be created/deleted/replaced and where they would run, and write nothing; exit 0: no changes, 2: changes, 1: error")
    .action(async (o, cmd: Command) => (await import("./commands/apply.js")).runApply({ ...o, globals: globals(cmd), verb: "apply" }));

  program
    .command("create")
    .description("create resources from a file or stdin (fails if they exist)")
    .requiredOption("-f, --filename <path>", "file, directory or - for stdin (repeatable)", collect, [])
    .option("-R, --recursive", "process directories recursively")
    .addOption(new Option("--dry-run <mode>", "client | server").choices(["none", "client", "server"]))
    .option("-o, --output <format>", "output format: name | yaml | json")
    .action(async (o, cmd: Command) => (await import("./commands/apply.js")).runApply({ ...o, globals: globals(cmd), verb: "create" }));

  // `create job`: a subcommand of `create`, which keeps working as `create -f FILE`.
  // Options the parent also defines (-o, --dry-run) land on the parent, so read them merged.
  program.commands
    .find((c) => c.name() === "create")!
    .command("job")
    .description("create a job from an image and command, or from a cronjob's job template")
    .argument("<name>", "name of the job")
    .argument("[command...]", "command to run (after --)")
    .option("--image <image>", "image for the job's container")
    .option("--from <resource>", "the cronjob whose job template to run (cronjob/NAME)")
    .option("-o, --output <format>", "output format: name | yaml | json")
    .addOption(new Option("--dry-run <mode>", "client | server").choices(["none", "client", "server"]))
    .action(async (name: string, command: string[], _o, cmd: Command) => (await import("./commands/create-job.js")).runCreateJob({ ...cmd.optsWithGlobals(), name, command, globals: globals(cmd) }));

  program
    .command("wait")
    .description("wait for a condition on resources: --for=condition=Complete, --for=delete, --for=jsonpath='{.status.phase}'=Running")
    .argument("<kinds>", "resource kind, or kind/name (job/pi)")
    .argument("[names...]", "object names")
    .requiredOption("--for <condition>", "condition=TYPE[=value] | delete | jsonpath={.path}[=value]")
    .option("--timeout <duration>", "give up after this long (default 30s; 0: check once)")
    .action(async (kinds: string, names: string[], o, cmd: Command) => (await import("./commands/wait.js")).runWait({ ...o, kinds, names, globals: globals(cmd) }));

  program
    .command("get")
    .description("display one or many resources")
    .argument("<kinds>", "resource kinds, comma separated (pods,svc), or kind/name")
    .argument("[names...]", "object names")
    .option("-o, --output <format>", "wide | yaml | json | name | jsonpath=TEMPLATE | jsonpath-file=FILE | custom-columns=SPEC | custom-columns-file=FILE")
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
    .argument("<pod>", "pod name, pod/NAME, or TYPE/NAME (svc, deploy, …): one of its pods")
    .option("-c, --container <name>", "container name (required when the pod has several)")
    .option("-f, --follow", "stream new lines as they are written")
    .option("-p, --previous", "logs of the previous, terminated instance of the container")
    .option("--tail <n>", "only the last N lines (-1: all)", (v) => parseInt(v, 10))
    .option("--timestamps", "prefix each line with its RFC 3339 timestamp")
    .option("--since-seconds <n>", "only lines newer than N seconds", (v) => parseInt(v, 10))
    .action(async (pod: string, o, cmd: Command) => (await import("./commands/logs.js")).runLogs({ ...o, pod, globals: globals(cmd) }));

  program
    .command("dashboard")
    .description("print a one-time login link for the web dashboard")
    .action(async (_o, cmd: Command) => (await import("./commands/dashboard.js")).runDashboard({ globals: globals(cmd) }));

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
}

/** Rollout status/history/undo (and pause/resume/restart), events, why. */
function registerRolloutCommands(program: Command): void {
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

  program
    .command("why")
    .description("explain a pod: where the scheduler put it and why (score table, rejected nodes with numbers), why it is Pending, and what controllers did to it")
    .argument("<kind>", "pod (or pod/NAME)")
    .argument("[name]", "pod name")
    .option("-o, --output <format>", "json | yaml (default: text)")
    .action(async (kind: string, name: string | undefined, o, cmd: Command) => (await import("./commands/why.js")).runWhy({ ...o, kind, name, globals: globals(cmd) }));
}

/** Chaos, and cordon/uncordon/drain (top level and under nodes). */
function registerChaosAndNodeCommands(program: Command): void {
  const chaos = program.command("chaos").description("inject faults into a `skiff up` cluster for labs and tests; each is recorded as an event and undone by `chaos stop`");
  const chaosStart = (action: string, target: string | undefined, o: Record<string, string | undefined>, cmd: Command) =>
    import("./commands/chaos.js").then((m) => m.runChaosStart({ ...o, action: action as "kill-node", target, globals: globals(cmd) }));
  chaos
    .command("kill-node")
    .description("stop a node's heartbeats (Lease and status): it goes NotReady and its pods are evicted")
    .argument("<node>", "node name")
    .action((node: string, o, cmd: Command) => chaosStart("kill-node", node, o, cmd));
  chaos
    .command("partition")
    .description("cut a node's agent off from the API server (its calls fail): NotReady, like kill-node, but the agent keeps trying")
    .argument("<node>", "node name")
    .action((node: string, o, cmd: Command) => chaosStart("partition", node, o, cmd));
  chaos
    .command("slow-node")
    .description("delay every API call of a node's agent")
    .argument("<node>", "node name")
    .requiredOption("--latency <duration>", "added to each call, e.g. 500ms")
    .action((node: string, o, cmd: Command) => chaosStart("slow-node", node, o, cmd));
  chaos
    .command("kill-pod")
    .description("delete one pod matching a selector now, and with --every again each period until stopped")
    .requiredOption("-l, --selector <selector>", "label selector, e.g. app=web")
    .option("--every <duration>", "repeat, e.g. 10s (until skiff chaos stop)")
    .action((o, cmd: Command) => chaosStart("kill-pod", undefined, o, cmd));
  chaos
    .command("oom")
    .description("OOM-kill a pod's container (Docker: a real kernel OOM kill; fake runtime: simulated); it restarts per restartPolicy")
    .argument("<pod>", "pod name")
    .option("-c, --container <name>", "container (default: the first running one)")
    .action((pod: string, o, cmd: Command) => chaosStart("oom", pod, o, cmd));
  chaos
    .command("stop-runtime")
    .description("make a node's container runtime stop answering its agent (containers keep running): NotReady, container runtime is down, pods not ready")
    .argument("<node>", "node name")
    .action((node: string, o, cmd: Command) => chaosStart("stop-runtime", node, o, cmd));
  chaos
    .command("fill-disk")
    .description("add simulated disk use on a node: image GC, DiskPressure, then evictions")
    .argument("<node>", "node name")
    .option("--size <quantity>", "how much, e.g. 20Gi (default: leave 5% free)")
    .action((node: string, o, cmd: Command) => chaosStart("fill-disk", node, o, cmd));
  chaos
    .command("memory-pressure")
    .description("add simulated memory use on a node: MemoryPressure, then pods evicted by the kubelet's ranking")
    .argument("<node>", "node name")
    .option("--size <quantity>", "how much, e.g. 2Gi (default: leave 50Mi free)")
    .action((node: string, o, cmd: Command) => chaosStart("memory-pressure", node, o, cmd));
  chaos
    .command("stop")
    .description("undo a chaos action (or --all)")
    .argument("[id]", "action id from skiff chaos list")
    .option("--all", "undo every active action")
    .action(async (id: string | undefined, o, cmd: Command) => (await import("./commands/chaos.js")).runChaosStop({ ...o, id, globals: globals(cmd) }));
  chaos
    .command("list")
    .description("list chaos actions, active and recent")
    .action(async (_o, cmd: Command) => (await import("./commands/chaos.js")).runChaosList({ globals: globals(cmd) }));

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
}

/** Token, auth can-i. */
function registerAccessCommands(program: Command): void {
  const token = program.command("token").description("API tokens for users and node agents ($SKIFF_HOME/tokens.json)");
  token
    .command("create")
    .description("make a token: --user NAME [--role admin|edit|view|cluster-admin] [-n NS], or a node join token with --node NODE")
    .option("--user <name>", "user the token authenticates as")
    .option("--group <group>", "a group of the user (repeatable)", collect, [])
    .addOption(new Option("--role <role>", "bind this default ClusterRole to the user (in -n NS, else cluster-wide)").choices(["admin", "edit", "view", "cluster-admin"]))
    .option("--node <node>", "node join token: user system:node:NODE in group system:nodes (the Node authorizer's rules)")
    .option("--ttl <duration>", "expire after this long (e.g. 24h, 7d)")
    .option("--state-dir <dir>", "state directory (default: $SKIFF_HOME or ~/.skiff)")
    .action(async (o, cmd: Command) =>
      (await import("./commands/token.js")).runTokenCreate({ ...o, bindNamespace: globals(cmd).namespace, stateDir: o.stateDir ?? defaultStateDir(), globals: globals(cmd) }),
    );
  token
    .command("list")
    .description("list tokens (only their first characters)")
    .option("--state-dir <dir>", "state directory (default: $SKIFF_HOME or ~/.skiff)")
    .action(async (o) => (await import("./commands/token.js")).runTokenList({ stateDir: o.stateDir ?? defaultStateDir() }));
  token
    .command("delete")
    .description("delete a token by its first characters (as `token list` shows), or every token of --user")
    .argument("[prefix]", "the token's first characters (at least 6)")
    .option("--user <name>", "delete every token of this user")
    .option("--state-dir <dir>", "state directory (default: $SKIFF_HOME or ~/.skiff)")
    .action(async (prefix: string | undefined, o, cmd: Command) =>
      (await import("./commands/token.js")).runTokenDelete({ prefix, user: o.user, stateDir: o.stateDir ?? defaultStateDir(), globals: globals(cmd) }),
    );

  program
    .command("auth")
    .description("inspect authorization")
    .command("can-i")
    .description("check whether an action is allowed: prints yes or no, exits 0 or 1")
    .argument("[verb]", "get, list, watch, create, update, patch, delete…")
    .argument("[resource]", "resource (pods, deployments.apps, pods/log) or non-resource URL (/healthz)")
    .argument("[name]", "object name")
    .option("-A, --all-namespaces", "ask about all namespaces")
    .option("--as <user>", "ask about another user (needs permission to create subjectaccessreviews)")
    .option("--as-group <group>", "a group of the --as user (repeatable)", collect, [])
    .option("--list", "list everything you may do in the namespace")
    .option("-q, --quiet", "print nothing; only the exit code answers")
    .action(async (verb: string | undefined, resource: string | undefined, name: string | undefined, o, cmd: Command) =>
      (await import("./commands/auth.js")).runCanI({ ...o, verb, resource, name, globals: globals(cmd) }),
    );
}

/** Label, annotate, edit, explain, config, completion, exec, and the processes: down, status, agent, control-plane. */
function registerEditingAndProcessCommands(program: Command): void {
  // ---- label, annotate, edit, explain, config, completion, exec, down, status (issue 6) ----
  for (const [verb, field, what] of [
    ["label", "labels", "add, change (--overwrite) or remove (key-) labels: KIND NAME key=val key-"],
    ["annotate", "annotations", "add, change (--overwrite) or remove (key-) annotations: KIND NAME key=val key-"],
  ] as const) {
    program
      .command(verb)
      .description(what)
      .argument("<kinds>", "resource kind, or kind/name")
      .argument("[args...]", "object names, then key=value and key- changes")
      .option("--overwrite", "allow changing a key that already has a value")
      .option("-l, --selector <selector>", "change every object matching this label selector")
      .option("--all", "change every object of the kind in the namespace")
      .option("-A, --all-namespaces", "with -l/--all: across all namespaces")
      .option("--list", "print the current keys and values instead of changing them")
      .action(async (kinds: string, args: string[], o, cmd: Command) => (await import("./commands/label.js")).runLabel({ ...o, field, kinds, args, globals: globals(cmd) }));
  }

  program
    .command("edit")
    .description("edit a live object in $KUBE_EDITOR, $EDITOR or vi, and save it back (re-opens with the error if the save fails)")
    .argument("<kinds>", "resource kind, or kind/name")
    .argument("[names...]", "object names")
    .addOption(new Option("-o, --output <format>", "format to edit in").choices(["yaml", "json"]).default("yaml"))
    .action(async (kinds: string, names: string[], o, cmd: Command) => (await import("./commands/edit.js")).runEdit({ ...o, kinds, names, globals: globals(cmd) }));

  program
    .command("explain")
    .description("documentation of a resource or field (deploy.spec.strategy), from the API types")
    .argument("<resource>", "RESOURCE[.field.path], e.g. pods.spec.containers.resources")
    .option("--recursive", "print every nested field, without descriptions")
    .action(async (resource: string, o) => (await import("./commands/explain.js")).runExplain({ ...o, resource }));

  registerConfigCommands(program);

  program
    .command("completion")
    .description("print a shell completion script: source <(skiff completion bash)")
    .addArgument(new Argument("<shell>", "bash or zsh").choices(["bash", "zsh"]))
    .action(async (shell: string) => (await import("./commands/completion.js")).runCompletion({ shell, program }));

  registerStreamingCommands(program);

  program
    .command("down")
    .description("stop the skiff started by `skiff up` (or `up --detach`) for this state dir, and remove its containers")
    .option("--state-dir <dir>", "state directory (default: $SKIFF_HOME or ~/.skiff)")
    .option("--keep-containers", "leave the containers running; the next `skiff up` adopts them")
    .option("--volumes", "also delete the data of the volumes the local-path provisioner made (kept by default)")
    .option("--timeout <duration>", "how long to wait for it to stop (default 2m)")
    .action(async (o) =>
      (await import("./commands/daemon.js")).runDown({
        stateDir: o.stateDir ?? defaultStateDir(),
        removeContainers: !o.keepContainers,
        removeVolumes: o.volumes === true,
        timeoutMs: (await import("./wait-progress.js")).parseTimeout(o.timeout, 120_000),
      }),
    );

  program
    .command("status")
    .description("is a skiff running for this state dir? its pid, API server health, nodes and log file")
    .option("--state-dir <dir>", "state directory (default: $SKIFF_HOME or ~/.skiff)")
    .action(async (o) => (await import("./commands/daemon.js")).runStatus({ stateDir: o.stateDir ?? defaultStateDir() }));

  program
    .command("agent")
    .description("run one node agent in this process and join it to a cluster with a node token (`skiff token create --node NAME`)")
    .requiredOption("--server <url[,url…]>", "the API server, e.g. https://10.0.0.1:6443; several of an HA control plane, comma-separated, are used in turn when one is unreachable")
    .requiredOption("--token <token>", "the node's join token")
    .requiredOption("--name <node>", "the node name (the token's node)")
    .option("--ca-cert-hash <sha256:hex>", "the cluster CA's public key hash, as `skiff up` prints it; the agent refuses any other CA")
    .option("--unsafe-skip-ca-verification", "trust whatever CA the server presents (no --ca-cert-hash)")
    .addOption(new Option("--runtime <runtime>", "container runtime").choices(["docker", "fake"]).default("docker"))
    .option("--docker-host <url>", "Docker engine: unix:///var/run/docker.sock or tcp://host:port (default: DOCKER_HOST or the local socket)")
    .option("--cpu <cpu>", "cpu capacity to report (default: the host's; 4 for fake)")
    .option("--memory <mem>", "memory capacity to report (default: the host's; 8Gi for fake)")
    .option("--pods <n>", "pod capacity (default 110)", (v) => parseInt(v, 10))
    .option("--node-ip <addr>", "this node's address as pods report it (status.hostIP; default 127.0.0.1)")
    .option("--heartbeat <duration>", "lease renewal period (default 10s)")
    .option("--eviction-hard <thresholds>", "evict pods below these, as the kubelet (default memory.available<100Mi,nodefs.available<10%,imagefs.available<15%; \"\" = never)")
    .option("--state-dir <dir>", "where pod volumes live: DIR/agents/NODE (default: $SKIFF_HOME or ~/.skiff)")
    .action(async (o) => (await import("./commands/agent.js")).runAgent({ ...o, stateDir: o.stateDir ?? defaultStateDir() }));

  program
    .command("control-plane")
    .description("run one member of a highly available control plane over etcd: API server, and controllers + scheduler while it holds their leases")
    .option("--store <spec>", "store: etcd://host:2379[,host:2379…][?prefix=/skiff] (shared by every member), or sqlite for a single member", "sqlite")
    .option("--port <port>", "API server port", (v) => parseInt(v, 10), 6443)
    .option("--host <addr>", "address the API server binds", "127.0.0.1")
    .option("--state-dir <dir>", "state directory with the cluster CA and tokens (default: $SKIFF_HOME or ~/.skiff); share or copy it between members")
    .option("--tls-san <host>", "extra DNS name or IP for the API server certificate (repeatable)", collect, [])
    .option("--node-grace-period <duration>", "mark a node NotReady after this long without a heartbeat (default 40s)")
    .option("--pod-eviction-timeout <duration>", "evict pods from a NotReady node after this long (default 5m)")
    .option("--leader-elect-lease-duration <duration>", "how long a leader's lease lasts without renewal (default 15s)")
    .option("--leader-elect-renew-deadline <duration>", "a leader that cannot renew for this long stops acting (default 10s)")
    .option("--leader-elect-retry-period <duration>", "how often candidates try to take the lease (default 2s)")
    .option("--identity <name>", "this member's name in the leases (default: hostname_uuid)")
    .option("-v, --verbose", "log every API request")
    .action(async (o) => (await import("./commands/control-plane.js")).runControlPlane({ ...o, stateDir: o.stateDir ?? defaultStateDir() }));
}

/** Certs, top, usage, autoscale, mirror, kind. */
/** `skiff config …`: the kubeconfig, as kubectl config edits it. */
function registerConfigCommands(program: Command): void {
  const config = program.command("config").description("view and change the kubeconfig (--kubeconfig, default $SKIFF_HOME/kubeconfig)");
  config
    .command("view")
    .description("print the kubeconfig; tokens and certificate data are redacted unless --raw")
    .option("--minify", "only the current context, its cluster and its user")
    .option("--raw", "show tokens and certificate data")
    .option("-o, --output <format>", "yaml (default) | json")
    .action(async (o, cmd: Command) => (await import("./commands/config.js")).runConfigView({ ...o, globals: globals(cmd) }));
  config
    .command("current-context")
    .description("print the name of the current context")
    .action(async (_o, cmd: Command) => (await import("./commands/config.js")).runConfigCurrentContext({ globals: globals(cmd) }));
  config
    .command("get-contexts")
    .description("list the contexts")
    .action(async (_o, cmd: Command) => (await import("./commands/config.js")).runConfigGetContexts({ globals: globals(cmd) }));
  config
    .command("use-context")
    .description("make a context the current one")
    .argument("<name>", "context name")
    .action(async (name: string, _o, cmd: Command) => (await import("./commands/config.js")).runConfigUseContext({ name, globals: globals(cmd) }));
  config
    .command("set-context")
    .description("change a context: set-context --current --namespace=NS sets the namespace commands use")
    .argument("[name]", "context name (or --current)")
    .option("--current", "change the current context")
    .option("--cluster <name>", "cluster of the context")
    .option("--user <name>", "user of the context")
    .action(async (name: string | undefined, o, cmd: Command) => (await import("./commands/config.js")).runConfigSetContext({ ...o, name, namespace: globals(cmd).namespace, globals: globals(cmd) }));
}

/** exec, attach, port-forward and cp: kubectl's streaming verbs. */
function registerStreamingCommands(program: Command): void {
  program
    .command("exec")
    .description("run a command in a container (kubectl's protocol): -i sends stdin, -t gives it a terminal; the exit code is the command's")
    .argument("<pod>", "pod name, pod/NAME, or TYPE/NAME (svc, deploy, …): one of its pods")
    .argument("[command...]", "the command and its arguments, after --")
    .option("-c, --container <name>", "container name (required when the pod has several)")
    .option("-i, --stdin", "pass stdin to the container")
    .option("-t, --tty", "stdin is a TTY (with -i: an interactive shell)")
    .action(async (pod: string, command: string[], o, cmd: Command) => (await import("./commands/exec.js")).runExec({ ...o, pod, command, globals: globals(cmd) }));

  program
    .command("attach")
    .description("attach to a running container's process (kubectl's protocol): its output from now on; -i sends stdin, -t gives it a terminal")
    .argument("<pod>", "pod name, pod/NAME, or TYPE/NAME (svc, deploy, rs, sts, …): one of its pods")
    .option("-c, --container <name>", "container name (required when the pod has several)")
    .option("-i, --stdin", "pass stdin to the container")
    .option("-t, --tty", "stdin is a TTY")
    .action(async (pod: string, o, cmd: Command) => {
      // Ctrl-C detaches (the process keeps running); in raw mode it goes to the container instead.
      const stop = new AbortController();
      const detach = () => stop.abort();
      process.once("SIGINT", detach);
      try {
        await (await import("./commands/attach.js")).runAttach({ ...o, pod, globals: globals(cmd), signal: stop.signal });
      } finally {
        process.off("SIGINT", detach);
      }
    });

  program
    .command("port-forward")
    .description("forward local ports to a pod (kubectl's protocol): [LOCAL:]REMOTE, :REMOTE picks a free local port; Ctrl-C stops")
    .argument("<target>", "pod name, pod/NAME, svc/NAME (ports are the Service's) or deploy/NAME, rs/NAME, sts/NAME…")
    .argument("<ports...>", "[LOCAL:]REMOTE port pairs")
    .option("--address <ip>", "address to listen on", "127.0.0.1")
    .action(async (target: string, ports: string[], o: { address: string }, cmd: Command) => {
      const stop = new AbortController();
      const onSignal = () => stop.abort();
      process.once("SIGINT", onSignal);
      process.once("SIGTERM", onSignal);
      try {
        await (await import("./commands/port-forward.js")).runPortForward({ target, ports, address: o.address, globals: globals(cmd), signal: stop.signal });
      } finally {
        process.off("SIGINT", onSignal);
        process.off("SIGTERM", onSignal);
      }
    });

  program
    .command("cp")
    .description("copy files and directories to and from a container (tar over exec, as kubectl cp; the container needs tar)")
    .argument("<src>", "[NAMESPACE/]POD:PATH or a local path")
    .argument("<dest>", "a local path or [NAMESPACE/]POD:PATH")
    .option("-c, --container <name>", "container name (required when the pod has several)")
    .action(async (src: string, dest: string, o, cmd: Command) => (await import("./commands/cp.js")).runCp({ ...o, src, dest, globals: globals(cmd) }));
}

function registerOperationsCommands(program: Command): void {
  const certs = program.command("certs").description("cluster certificates");
  certs
    .command("rotate")
    .description("issue a new API serving certificate from the cluster CA; running API servers load it without a restart")
    .option("--state-dir <dir>", "state directory (default: $SKIFF_HOME or ~/.skiff)")
    .action(async (o) => (await import("./commands/certs.js")).runCertsRotate({ stateDir: o.stateDir ?? defaultStateDir() }));

  const images = program
    .command("images")
    .description("images on each node (repository, tag, size) and the pods using them; `images load FILE.tar` brings one to every node")
    .option("--node <name>", "one node")
    .option("--no-headers", "do not print headers")
    .action(async (o, cmd: Command) => (await import("./commands/images.js")).runImages({ ...o, globals: globals(cmd) }));
  images
    .command("load")
    .description("load a `docker save` tarball on every node of a `skiff up` cluster (no registry needed)")
    .argument("<file>", "the tarball")
    .action(async (file: string, _o, cmd: Command) => (await import("./commands/images.js")).runImagesLoad({ file, globals: globals(cmd) }));
  const top = program.command("top").description("show cpu and memory usage of nodes or pods (the metrics.k8s.io API)");
  top
    .command("nodes")
    .alias("node")
    .alias("no")
    .description("usage of nodes: CPU(cores) CPU(%) MEMORY(bytes) MEMORY(%)")
    .argument("[name]", "one node")
    .option("-l, --selector <selector>", "label selector")
    .option("--no-headers", "do not print headers")
    .action(async (name: string | undefined, o, cmd: Command) => (await import("./commands/top.js")).runTop({ ...o, what: "nodes", name, globals: globals(cmd) }));
  top
    .command("pods")
    .alias("pod")
    .alias("po")
    .description("usage of pods: CPU(cores) MEMORY(bytes)")
    .argument("[name]", "one pod")
    .option("-A, --all-namespaces", "pods of every namespace")
    .option("--containers", "one row per container")
    .option("-l, --selector <selector>", "label selector")
    .option("--no-headers", "do not print headers")
    .action(async (name: string | undefined, o, cmd: Command) => (await import("./commands/top.js")).runTop({ ...o, what: "pods", name, globals: globals(cmd) }));

  program
    .command("usage")
    .description("resources consumed per namespace: cpu-seconds, memory byte-hours (and GiB-hours), peak pods")
    .option("-A, --all-namespaces", "every namespace")
    .option("--since <duration>", "only usage in the last DURATION (e.g. 1h, 30m, 7d)")
    .option("-o, --output <format>", "json")
    .option("--no-headers", "do not print headers")
    .action(async (o, cmd: Command) => (await import("./commands/usage.js")).runUsage({ ...o, globals: globals(cmd) }));

  program
    .command("autoscale")
    .description("create a HorizontalPodAutoscaler for a deployment or replica set")
    .argument("<kind>", "deploy/NAME, or deploy")
    .argument("[name]", "deployment name")
    .requiredOption("--max <n>", "upper limit of replicas", (v) => parseInt(v, 10))
    .option("--min <n>", "lower limit of replicas (default 1)", (v) => parseInt(v, 10))
    .option("--cpu-percent <n>", "target average cpu utilization, percent of request (default 80)", (v) => parseInt(v, 10))
    .option("--name <name>", "name of the autoscaler (default: the target's)")
    .addOption(new Option("--dry-run <mode>", "server: validate without saving").choices(["none", "server"]))
    .action(async (kind: string, name: string | undefined, o, cmd: Command) =>
      (await import("./commands/autoscale.js")).runAutoscale({ ...o, kind, name, hpaName: o.name, globals: globals(cmd) }),
    );

  // ---- mirror onto a real cluster, and a kind cluster to mirror onto (issue 8) ----
  // For mirror, --kubeconfig/--context name the TARGET cluster; skiff itself is read
  // through $SKIFF_HOME/kubeconfig (or --source-kubeconfig). -n may be repeated.
  const mirrorArgs = async (o: { sourceKubeconfig?: string; stateDir?: string; once?: boolean; watch?: boolean; prune?: boolean }, cmd: Command) => {
    // Options of `mirror` given after `status` land on `mirror`: read them merged.
    const g = cmd.optsWithGlobals<{ kubeconfig?: string; context?: string; sourceKubeconfig?: string; stateDir?: string }>();
    let top = cmd;
    while (top.parent) top = top.parent;
    // The global -n keeps only its last value; commander keeps the raw argv on the root (untyped).
    const raw: unknown = Reflect.get(top, "rawArgs");
    const argv = Array.isArray(raw) ? raw.map(String) : process.argv;
    return { ...o, kubeconfig: g.kubeconfig, context: g.context, sourceKubeconfig: g.sourceKubeconfig, stateDir: g.stateDir, namespaces: (await import("./commands/mirror.js")).namespacesFromArgv(argv) };
  };
  const mirror = program
    .command("mirror")
    .description("apply what runs in skiff to a real cluster (server-side apply, field manager skiff): --kubeconfig PATH [--context NAME] [-n NS…] [--once|--watch] [--prune]")
    .option("--once", "apply everything once and exit (default)")
    .option("-w, --watch", "keep applying changes (and deletions) as they happen")
    .option("--prune", "delete in the target what carries skiff's label but is gone from skiff")
    .option("--source-kubeconfig <path>", "skiff's kubeconfig (default: $SKIFF_HOME/kubeconfig)")
    .option("--state-dir <dir>", "state directory (default: $SKIFF_HOME or ~/.skiff); the default target is its kind-kubeconfig")
    .action(async (o, cmd: Command) => (await import("./commands/mirror.js")).runMirror(await mirrorArgs(o, cmd)));
  mirror
    .command("status")
    .description("each mirrored object in skiff and in the target side by side, with the drift between them (same flags as mirror)")
    .action(async (o, cmd: Command) => (await import("./commands/mirror.js")).runMirrorStatus(await mirrorArgs(o, cmd)));
  const kind = program.command("kind").description("a kind cluster named skiff to mirror onto (needs the kind and docker binaries)");
  for (const action of ["up", "down"] as const) {
    kind
      .command(action)
      .description(action === "up" ? "create the kind cluster skiff and point `skiff mirror` at it" : "delete the kind cluster skiff")
      .option("--state-dir <dir>", "state directory (default: $SKIFF_HOME or ~/.skiff)")
      .action(async (o) => (await import("./commands/kind.js")).runKind({ action, stateDir: o.stateDir }));
  }
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
