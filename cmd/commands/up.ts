// `skiff up`: start the control plane in this process and keep it running
// until Ctrl-C / SIGTERM; optionally apply manifests once it answers.
import { optionsFromEnv, type Level } from "../../pkg/admission/pod-security.js";
import { startCluster, type RuntimeChoice } from "../../pkg/cluster/cluster.js";
import { joinInstructions } from "../../pkg/cluster/join.js";
import { decodeSources, ManifestErrors } from "../../pkg/manifest/decode.js";
import { applyDocuments, BatchRejected, formatProblem, validateDocuments } from "../../pkg/apply/apply.js";
import { RestClient } from "../../pkg/client/rest.js";
import { HttpClient } from "../../pkg/client/http-client.js";
import type { ClusterConnection } from "../../pkg/client/kubeconfig.js";
import type { ManifestDocument } from "../../pkg/manifest/decode.js";
import { releasePidFile, runningPid, takeStopRequest, writePidFile } from "../../pkg/cluster/pid-file.js";
import { parseTimeout, waitWithProgress } from "../wait-progress.js";
import { bold } from "../output.js";
import { ExitError, type GlobalOptions } from "../context.js";
import { readFile } from "node:fs/promises";
import { FakeStageError, parseStages, type FakeStage } from "../../pkg/runtime/fake-stages.js";

export interface UpOptions {
  port: number;
  host: string;
  store: string;
  stateDir: string;
  filename: string[];
  nodes: number;
  /** Simulated nodes fake-1..N beside the real ones (--fake-nodes). */
  fakeNodes?: number;
  runtime: RuntimeChoice;
  nodeCpu?: string;
  nodeMemory?: string;
  fakeHttp?: boolean;
  /** YAML stage table for the fake runtime (--fake-stages). */
  fakeStages?: string;
  /** Host port of the ingress controller (--ingress-port, default 8080; 0 = off). */
  ingressPort?: number;
  /** Level for namespaces without Pod Security labels (--pod-security). */
  podSecurity?: Level;
  /** Extra subject alternative names for the serving certificate (--tls-san). */
  tlsSan?: string[];
  verbose?: boolean;
  /** Run in the background (pid file, log file) and return once the API answers. */
  detach?: boolean;
  /** With -f: how long to wait for the workloads (default 5m). */
  timeout?: string;
  globals: GlobalOptions;
}

export async function runUp(o: UpOptions): Promise<void> {
  // Decode and validate manifests before starting anything: bad input changes nothing.
  const docs = o.filename.length > 0 ? await decodeOrExit(o.filename) : [];
  const fakeStages = o.fakeStages !== undefined ? await readStagesOrExit(o.fakeStages) : undefined;
  const waitMs = parseTimeout(o.timeout, 5 * 60_000);
  if (o.detach) {
    const { runDetached } = await import("./daemon.js");
    const argv = process.argv.slice(process.argv.indexOf("up", 2) + 1);
    const conn = await runDetached({ stateDir: o.stateDir }, argv);
    if (docs.length > 0) await applyAndWait(conn, docs, o.globals.namespace ?? "default", waitMs, true);
    return;
  }
  const other = runningPid(o.stateDir);
  if (other) throw new ExitError(1, `error: skiff is already running for ${o.stateDir} (pid ${other}) - \`skiff status\` shows it, \`skiff down\` stops it`);
  let cluster;
  const capacity = o.nodeCpu || o.nodeMemory ? { cpu: o.nodeCpu ?? "4", memory: o.nodeMemory ?? "8Gi", pods: 110 } : undefined;
  try {
    cluster = await startCluster({
      stateDir: o.stateDir,
      store: o.store,
      host: o.host,
      port: o.port,
      logger: o.verbose,
      nodes: o.nodes,
      fakeNodes: o.fakeNodes,
      runtime: o.runtime,
      nodeCapacity: capacity,
      fakeHttp: o.fakeHttp,
      fakeStages,
      ingressPort: o.ingressPort,
      ...(o.podSecurity ? { podSecurity: { ...optionsFromEnv(), defaultLevel: o.podSecurity } } : {}),
      extraHosts: o.tlsSan,
      log: (line) => process.stderr.write(line + "\n"),
    });
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    if (err.code === "EADDRINUSE") throw new ExitError(1, `error: port ${o.port} on ${o.host} is in use - is another skiff running? (skiff up --port N picks another)`);
    throw e;
  }
  const cp = cluster.controlPlane;
  const storeText = o.store === "sqlite" ? `sqlite ${cp.paths.db}` : o.store;
  const simulated = o.fakeNodes ?? 0;
  const realNodes = cluster.nodeNames.length - simulated;
  const nodesText =
    cluster.nodeNames.length === 0
      ? "none (control plane only)"
      : `${realNodes > 0 ? `${realNodes} (${cluster.runtime?.name} runtime)` : ""}${realNodes > 0 && simulated > 0 ? " + " : ""}${simulated > 0 ? `${simulated} simulated (fake-1..${simulated}, label skiff.dev/runtime=fake)` : ""}`;
  process.stdout.write(
    [
      `${bold("skiff is up")}`,
      `  API server:  ${cp.url}`,
      `  dashboard:   ${cp.url}/ui`,
      `  store:       ${storeText}`,
      `  nodes:       ${nodesText}`,
      ...(cluster.dns ? [`  cluster DNS: ${cluster.dns.address}:${cluster.dns.port} (kube-system/kube-dns, *.svc.cluster.local)`] : []),
      ...(cluster.ingress ? [`  ingress:     http://127.0.0.1:${cluster.ingress.port} (IngressClass skiff)`] : []),
      `  state dir:   ${cp.paths.dir}`,
      "",
      "Use it with skiff or real kubectl:",
      `  export KUBECONFIG=${cp.paths.kubeconfig}`,
      `  kubectl get namespaces`,
      "",
      ...joinInstructions(cp.url, cp.caPem),
      "",
      "Press Ctrl-C to stop.",
      "",
    ].join("\n"),
  );
  writePidFile(o.stateDir);
  if (docs.length > 0) {
    const conn = { server: cp.url, caPem: cp.caPem, token: cp.token, namespace: "default", contextName: "skiff" };
    await applyAndWait(conn, docs, o.globals.namespace ?? "default", waitMs, false);
  }
  await new Promise<void>((resolve) => {
    const stop = () => {
      // `skiff down` leaves a request saying whether to remove the containers; Ctrl-C keeps them.
      const { removeContainers } = takeStopRequest(o.stateDir);
      process.stdout.write(
        removeContainers ? "\nstopping skiff and removing its containers...\n" : "\nstopping skiff... (containers keep running; the next `skiff up` adopts them)\n",
      );
      cluster.close({ removeContainers }).then(resolve, resolve);
    };
    process.once("SIGINT", stop);
    process.once("SIGTERM", stop);
  });
  releasePidFile(o.stateDir);
}

/**
 * `up -f`: apply the manifests, then wait for the workloads with a progress
 * display. In the foreground a failure is reported and the cluster keeps
 * running; with --detach it is the command's exit status.
 */
async function applyAndWait(conn: ClusterConnection, docs: ManifestDocument[], namespace: string, waitMs: number, fatal: boolean): Promise<void> {
  const client = new RestClient(conn);
  try {
    const results = await applyDocuments(client, docs, { namespace, onResult: (r) => process.stdout.write(`${r.ref} ${r.action}\n`) });
    await waitWithProgress(new HttpClient(client), results, { namespace, timeoutMs: waitMs });
  } catch (e) {
    if (fatal) {
      if (e instanceof BatchRejected) throw new ExitError(1, `${e.message}\nnothing from the manifests was applied`);
      throw e;
    }
    if (e instanceof BatchRejected) process.stderr.write(`${e.message}\nnothing from the manifests was applied\n`);
    else if (e instanceof ExitError) process.stderr.write(`${e.message}\n`);
    else process.stderr.write(`error applying manifests: ${(e as Error).message}\n`);
  } finally {
    client.close();
  }
}

export async function decodeOrExit(paths: string[], recursive = false) {
  let docs;
  try {
    docs = await decodeSources(paths, { recursive, stdin: process.stdin });
  } catch (e) {
    if (e instanceof ManifestErrors) throw new ExitError(1, e.errors.map((x) => `error: ${x.message}`).join("\n"));
    throw e;
  }
  const problems = validateDocuments(docs);
  if (problems.length > 0) {
    throw new ExitError(1, [...problems.map((p) => `error: ${formatProblem(p)}`), `error: ${problems.length} problem(s) found; nothing was applied`].join("\n"));
  }
  return docs;
}

/** The --fake-stages table, or exit 1 naming the file and the field. */
async function readStagesOrExit(file: string): Promise<FakeStage[]> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (e) {
    throw new ExitError(1, `error: --fake-stages ${file}: ${(e as Error).message}`);
  }
  try {
    return parseStages(text);
  } catch (e) {
    if (e instanceof FakeStageError) throw new ExitError(1, `error: --fake-stages ${file}: ${e.message}`);
    throw e;
  }
}
