// `skiff up`: start the control plane in this process and keep it running
// until Ctrl-C / SIGTERM; optionally apply manifests once it answers.
import { startCluster, type RuntimeChoice } from "../../pkg/cluster/cluster.js";
import { decodeSources, ManifestErrors } from "../../pkg/manifest/decode.js";
import { applyDocuments, BatchRejected, formatProblem, validateDocuments } from "../../pkg/apply/apply.js";
import { RestClient } from "../../pkg/client/rest.js";
import { bold } from "../output.js";
import { ExitError, type GlobalOptions } from "../context.js";

export interface UpOptions {
  port: number;
  host: string;
  store: string;
  stateDir: string;
  filename: string[];
  nodes: number;
  runtime: RuntimeChoice;
  nodeCpu?: string;
  nodeMemory?: string;
  fakeHttp?: boolean;
  verbose?: boolean;
  globals: GlobalOptions;
}

export async function runUp(o: UpOptions): Promise<void> {
  // Decode and validate manifests before starting anything: bad input changes nothing.
  const docs = o.filename.length > 0 ? await decodeOrExit(o.filename) : [];
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
      runtime: o.runtime,
      nodeCapacity: capacity,
      fakeHttp: o.fakeHttp,
      log: (line) => process.stderr.write(line + "\n"),
    });
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    if (err.code === "EADDRINUSE") throw new ExitError(1, `error: port ${o.port} on ${o.host} is in use - is another skiff running? (skiff up --port N picks another)`);
    throw e;
  }
  const cp = cluster.controlPlane;
  const storeText = o.store === "sqlite" ? `sqlite ${cp.paths.db}` : o.store;
  const nodesText = cluster.nodeNames.length === 0 ? "none (control plane only)" : `${cluster.nodeNames.length} (${cluster.runtime?.name} runtime)`;
  process.stdout.write(
    [
      `${bold("skiff is up")}`,
      `  API server:  ${cp.url}`,
      `  store:       ${storeText}`,
      `  nodes:       ${nodesText}`,
      `  state dir:   ${cp.paths.dir}`,
      "",
      "Use it with skiff or real kubectl:",
      `  export KUBECONFIG=${cp.paths.kubeconfig}`,
      `  kubectl get namespaces`,
      "",
      "Press Ctrl-C to stop.",
      "",
    ].join("\n"),
  );
  if (docs.length > 0) {
    const client = new RestClient({ server: cp.url, caPem: cp.caPem, token: cp.token, namespace: "default", contextName: "skiff" });
    try {
      await applyDocuments(client, docs, { namespace: o.globals.namespace ?? "default", onResult: (r) => process.stdout.write(`${r.ref} ${r.action}\n`) });
    } catch (e) {
      if (e instanceof BatchRejected) process.stderr.write(`${e.message}\nnothing from the manifests was applied\n`);
      else process.stderr.write(`error applying manifests: ${(e as Error).message}\n`);
    } finally {
      client.close();
    }
  }
  await new Promise<void>((resolve) => {
    const stop = () => {
      process.stdout.write("\nstopping skiff... (containers keep running; the next `skiff up` adopts them)\n");
      cluster.close().then(resolve, resolve);
    };
    process.once("SIGINT", stop);
    process.once("SIGTERM", stop);
  });
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
