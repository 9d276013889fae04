// Running `node dist/cmd/skiff.js …` as separate processes in tests (control
// planes, agents), watching their output, and killing them — every process
// started here is remembered so a failing test still leaves none behind.
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { R } from "../../pkg/api/kinds.js";
import type { KubeObject } from "../../pkg/api/types.js";
import type { Client } from "../../pkg/client/client.js";

export const CLI = fileURLToPath(new URL("../../dist/cmd/skiff.js", import.meta.url));

export function cliBuilt(): boolean {
  const ok = existsSync(CLI);
  if (!ok) console.warn(`\n*** ${CLI} is missing: build first (npx tsc -p tsconfig.json); these tests are SKIPPED ***\n`);
  return ok;
}

export class SkiffProcess {
  readonly proc: ChildProcess;
  private out = "";
  private readonly exitedP: Promise<void>;
  private static readonly all = new Set<SkiffProcess>();

  /** `prefix` runs the CLI under another command (e.g. ["ip", "netns", "exec", "ns1"]). */
  constructor(
    readonly label: string,
    args: string[],
    env: NodeJS.ProcessEnv,
    prefix: string[] = [],
  ) {
    const argv = [...prefix, process.execPath, CLI, ...args];
    this.proc = spawn(argv[0]!, argv.slice(1), { env: { ...process.env, NO_COLOR: "1", ...env }, stdio: ["ignore", "pipe", "pipe"] });
    const take = (d: Buffer) => {
      this.out += d.toString();
      if (this.out.length > 400_000) this.out = this.out.slice(-200_000);
    };
    this.proc.stdout!.on("data", take);
    this.proc.stderr!.on("data", take);
    this.exitedP = new Promise((resolve) => this.proc.once("exit", () => resolve()));
    SkiffProcess.all.add(this);
    void this.exitedP.then(() => SkiffProcess.all.delete(this));
  }

  get output(): string {
    return this.out;
  }

  get running(): boolean {
    return this.proc.exitCode === null && this.proc.signalCode === null;
  }

  /** Resolves with the first match of `re` in the output; rejects when the process exits first or on timeout. */
  async waitFor(re: RegExp, timeoutMs = 60_000): Promise<RegExpMatchArray> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const m = this.out.match(re);
      if (m) return m;
      if (!this.running) throw new Error(`${this.label} exited (${this.proc.exitCode ?? this.proc.signalCode}) before printing ${re}:\n${this.out.slice(-3000)}`);
      if (Date.now() > deadline) throw new Error(`${this.label} did not print ${re} within ${timeoutMs} ms:\n${this.out.slice(-3000)}`);
      await sleep(50);
    }
  }

  async kill(signal: NodeJS.Signals = "SIGKILL"): Promise<void> {
    if (this.running) this.proc.kill(signal);
    await this.exitedP;
  }

  /** Kill every process still running (afterAll). */
  static async killAll(): Promise<void> {
    await Promise.all([...SkiffProcess.all].map((p) => p.kill("SIGKILL")));
  }
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Poll `probe` until it returns a truthy value; errors count as "not yet". */
export async function eventually<T>(what: string, probe: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs = 60_000, everyMs = 250): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastErr: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v) return v;
    } catch (e) {
      lastErr = e;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${lastErr ? ` (last error: ${(lastErr as Error).message})` : ""}`);
    await sleep(everyMs);
  }
}

export function nodeReady(node: KubeObject | undefined): string | undefined {
  const conds = ((node?.status ?? {}) as { conditions?: Array<{ type: string; status: string }> }).conditions ?? [];
  return conds.find((c) => c.type === "Ready")?.status;
}

/** Who holds a leader-election lease in kube-system ("" when nobody). */
export async function leaseHolder(client: Client, name: string): Promise<string> {
  const lease = await client.get(R.leases, "kube-system", name);
  return ((lease.spec ?? {}) as { holderIdentity?: string }).holderIdentity ?? "";
}
