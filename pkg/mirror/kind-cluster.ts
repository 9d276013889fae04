// `skiff kind up|down`: a kind cluster named "skiff" to mirror onto. kind runs
// Kubernetes nodes as Docker containers, so both binaries must be on PATH; when
// one is missing the user is told what to install rather than shown a spawn
// error. The kubeconfig kind writes goes into the state dir, where
// `skiff mirror` looks for it when no --kubeconfig is given.
import { spawn } from "node:child_process";
import { accessSync, constants, existsSync, mkdirSync, statSync } from "node:fs";
import { delimiter, join } from "node:path";

export const KIND_CLUSTER_NAME = "skiff";
/** The context kind writes for a cluster named skiff. */
export const KIND_CONTEXT = `kind-${KIND_CLUSTER_NAME}`;
export const KIND_DOCS = "https://kind.sigs.k8s.io/docs/user/quick-start/#installation";

/** Where `skiff kind up` writes the kind cluster's kubeconfig, and where `skiff mirror` looks by default. */
export function kindKubeconfigPath(stateDir: string): string {
  return join(stateDir, "kind-kubeconfig");
}

/** The executable `name` on this PATH, or undefined. */
export function findOnPath(name: string, pathVar: string | undefined): string | undefined {
  for (const dir of (pathVar ?? "").split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, name);
    try {
      if (!statSync(candidate).isFile()) continue;
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here (or not executable): keep looking
    }
  }
  return undefined;
}

export class MissingToolsError extends Error {
  override name = "MissingToolsError";
  constructor(readonly missing: string[]) {
    super(missingToolsMessage(missing));
  }
}

export function missingToolsMessage(missing: string[]): string {
  const lines = [`skiff kind needs ${missing.map((m) => `\`${m}\``).join(" and ")} on PATH, and ${missing.length === 1 ? "it is" : "they are"} not there.`];
  if (missing.includes("kind")) lines.push(`  kind: install it as described in ${KIND_DOCS} (a single binary; put it on PATH).`);
  if (missing.includes("docker")) lines.push("  docker: kind runs its nodes as Docker containers; install the Docker engine and its CLI, and make sure `docker ps` works.");
  lines.push("Any other cluster works too: skiff mirror --kubeconfig PATH [--context NAME].");
  return lines.join("\n");
}

export interface KindOptions {
  stateDir: string;
  /** PATH and the rest of the environment for kind (tests point PATH at an empty dir). */
  env?: NodeJS.ProcessEnv;
  /** Where kind's output goes (the CLI passes stderr through). */
  onOutput?: (chunk: string) => void;
}

function requireTools(env: NodeJS.ProcessEnv): string {
  const missing = ["kind", "docker"].filter((t) => !findOnPath(t, env.PATH));
  if (missing.length > 0) throw new MissingToolsError(missing);
  return findOnPath("kind", env.PATH)!;
}

/** Create the kind cluster "skiff" (an existing one is kept) and write its kubeconfig; returns the path. */
export async function kindUp(opts: KindOptions): Promise<{ kubeconfig: string; created: boolean }> {
  const env = opts.env ?? process.env;
  const kind = requireTools(env);
  const kubeconfig = kindKubeconfigPath(opts.stateDir);
  mkdirSync(opts.stateDir, { recursive: true, mode: 0o700 });
  const clusters = await run(kind, ["get", "clusters"], env, undefined);
  const exists = clusters.stdout.split("\n").some((l) => l.trim() === KIND_CLUSTER_NAME);
  if (exists) {
    // Refresh the kubeconfig (the API port changes when Docker restarts the node).
    const r = await run(kind, ["export", "kubeconfig", "--name", KIND_CLUSTER_NAME, "--kubeconfig", kubeconfig], env, opts.onOutput);
    if (r.code !== 0) throw new Error(`kind export kubeconfig failed (exit ${r.code})`);
    return { kubeconfig, created: false };
  }
  const r = await run(kind, ["create", "cluster", "--name", KIND_CLUSTER_NAME, "--kubeconfig", kubeconfig], env, opts.onOutput);
  if (r.code !== 0) throw new Error(`kind create cluster failed (exit ${r.code})`);
  return { kubeconfig, created: true };
}

/** Delete the kind cluster "skiff"; a missing cluster is fine (kind says so and exits 0). */
export async function kindDown(opts: KindOptions): Promise<{ kubeconfig: string }> {
  const env = opts.env ?? process.env;
  const kind = requireTools(env);
  const kubeconfig = kindKubeconfigPath(opts.stateDir);
  const args = ["delete", "cluster", "--name", KIND_CLUSTER_NAME];
  if (existsSync(kubeconfig)) args.push("--kubeconfig", kubeconfig);
  const r = await run(kind, args, env, opts.onOutput);
  if (r.code !== 0) throw new Error(`kind delete cluster failed (exit ${r.code})`);
  return { kubeconfig };
}

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv, onOutput: ((s: string) => void) | undefined): Promise<{ code: number; stdout: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { env, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    child.stdout.on("data", (d: Buffer) => {
      stdout += d.toString();
      onOutput?.(d.toString());
    });
    child.stderr.on("data", (d: Buffer) => onOutput?.(d.toString()));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code: code ?? 1, stdout }));
  });
}
