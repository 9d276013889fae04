// Run the built CLI (dist/, from `npx tsc -p tsconfig.json`) the way a user
// does: `skiff up` as its own process that a test can SIGKILL, and one-shot
// commands. Every child is tracked so a failed test still kills it.
import { spawn, type ChildProcess } from "node:child_process";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { loadKubeconfig } from "../../pkg/client/kubeconfig.js";
import { HttpClient } from "../../pkg/client/http-client.js";

export const CLI = fileURLToPath(new URL("../../dist/cmd/skiff.js", import.meta.url));

export interface Up {
  proc: ChildProcess;
  home: string;
  /** Everything it printed so far. */
  output(): string;
  /** Resolves with the exit code once it exits (also after a kill). */
  exited: Promise<number | null>;
}

const children = new Set<ChildProcess>();

/** Kill every child still running (afterAll safety net). */
export function killAll(): void {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
  children.clear();
}

/** Start `skiff up`; resolves once it prints "Press Ctrl-C", rejects if it exits first. */
export function startUp(home: string, args: string[], env: Record<string, string> = {}, timeoutMs = 120_000): Promise<Up> {
  const proc = spawn(process.execPath, [CLI, "up", "--port", "0", ...args], { env: { ...process.env, SKIFF_HOME: home, NO_COLOR: "1", ...env } });
  children.add(proc);
  let out = "";
  proc.stdout!.on("data", (d) => (out += d));
  proc.stderr!.on("data", (d) => (out += d));
  const exited = new Promise<number | null>((resolve) => proc.on("exit", (code) => {
    children.delete(proc);
    resolve(code);
  }));
  const up: Up = { proc, home, output: () => out, exited };
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`skiff up did not start within ${timeoutMs} ms:\n${out}`)), timeoutMs);
    const onData = () => {
      if (out.includes("Press Ctrl-C")) {
        clearTimeout(timer);
        resolve(up);
      }
    };
    proc.stdout!.on("data", onData);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(Object.assign(new Error(`skiff up exited with ${code} before it was up:\n${out}`), { code, output: out }));
    });
  });
}

/** Run `skiff up` expecting it to fail: the exit code and what it printed. */
export async function upFails(home: string, args: string[], timeoutMs = 60_000): Promise<{ code: number | null; output: string }> {
  try {
    const up = await startUp(home, args, {}, timeoutMs);
    up.proc.kill("SIGKILL");
    await up.exited;
    return { code: 0, output: up.output() };
  } catch (e) {
    const err = e as { code?: number | null; output?: string; message: string };
    return { code: err.code ?? null, output: err.output ?? err.message };
  }
}

export async function kill9(up: Up): Promise<void> {
  up.proc.kill("SIGKILL");
  await up.exited;
}

/** An HTTP client from the kubeconfig `skiff up` wrote (its port changes on every start). */
export function clientFor(home: string): HttpClient {
  return new HttpClient(loadKubeconfig(join(home, "kubeconfig")));
}

export function runSkiff(home: string, args: string[], input = ""): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], { env: { ...process.env, SKIFF_HOME: home, NO_COLOR: "1" } });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    child.stdin.end(input);
    child.on("close", (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

/** Poll `check` until it returns a truthy value; the last error or value goes into the failure message. */
export async function waitFor<T>(what: string, check: () => Promise<T | undefined | false>, timeoutMs = 120_000, everyMs = 250): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v) return v;
      last = v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; last: ${last instanceof Error ? last.message : JSON.stringify(last)}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
