// Real kubectl against a test cluster: one runner instead of a private copy of
// execFile + KUBECONFIG + error shaping in every test file.
import { execFile } from "node:child_process";
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export const KUBECTL = process.env.KUBECTL ?? "/usr/bin/kubectl";
export const haveKubectl = existsSync(KUBECTL);

export interface KubectlResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface Kubectl {
  /** Runs kubectl; never throws — the exit code, stdout and stderr are returned. */
  run(args: string[], stdin?: string, timeoutMs?: number): Promise<KubectlResult>;
  /** Runs kubectl and returns stdout; throws with stderr when it exits non-zero. */
  ok(...args: string[]): Promise<string>;
  /** Writes yaml to `<dir>/<name>.yaml` and runs `kubectl apply -f` on it. */
  apply(name: string, yaml: string, ...extra: string[]): Promise<KubectlResult>;
  /** Parses `kubectl get … -o json`. */
  json<T>(...args: string[]): Promise<T>;
}

/** A kubectl bound to the kubeconfig in dir (HOME too, so its cache stays in the test's directory). */
export function kubectlFor(dir: string, kubeconfig = join(dir, "kubeconfig")): Kubectl {
  const env = { ...process.env, KUBECONFIG: kubeconfig, HOME: dir };
  const run = (args: string[], stdin?: string, timeoutMs = 30_000) =>
    new Promise<KubectlResult>((resolve) => {
      const child = execFile(KUBECTL, args, { env, timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
        const code = err ? (typeof (err as { code?: unknown }).code === "number" ? (err as { code: number }).code : 1) : 0;
        resolve({ code, stdout: String(stdout), stderr: String(stderr) });
      });
      if (stdin !== undefined) child.stdin?.end(stdin);
    });
  const ok = async (...args: string[]) => {
    const r = await run(args);
    if (r.code !== 0) throw new Error(`kubectl ${args.join(" ")} exited ${r.code}: ${r.stderr}`);
    return r.stdout;
  };
  return {
    run,
    ok,
    apply: (name, yaml, ...extra) => {
      const file = join(dir, `${name}.yaml`);
      writeFileSync(file, yaml);
      return run(["apply", "-f", file, ...extra]);
    },
    json: async <T>(...args: string[]) => JSON.parse(await ok(...args, "-o", "json")) as T,
  };
}
