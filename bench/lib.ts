// Shared helpers for the benchmarks: flags, percentiles, tables, progress and
// the JSON results every benchmark writes to bench/results/.
import { mkdirSync, writeFileSync } from "node:fs";
import { cpus, totalmem } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import cliProgress from "cli-progress";

export function argInt(flag: string, dflt: number): number {
  const i = process.argv.indexOf(flag);
  return i >= 0 && process.argv[i + 1] ? parseInt(process.argv[i + 1], 10) : dflt;
}

export function hasFlag(flag: string): boolean {
  return process.argv.includes(flag);
}

/** q in [0,1] over an ascending array (nearest rank). */
export function percentile(sorted: number[], q: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
}

export function printTable(title: string, rows: string[][]): void {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => (r[c] ?? "").length)));
  const line = (r: string[]) => "| " + r.map((c, i) => (c ?? "").padEnd(widths[i])).join(" | ") + " |";
  console.log(`\n${title}\n`);
  console.log(line(rows[0]));
  console.log("|" + widths.map((w) => "-".repeat(w + 2)).join("|") + "|");
  for (const r of rows.slice(1)) console.log(line(r));
  console.log("");
}

export function resultsDir(): string {
  // SKIFF_BENCH_RESULTS_DIR: somewhere else (the CI smoke writes to a temp dir, never over the record).
  if (process.env.SKIFF_BENCH_RESULTS_DIR) return process.env.SKIFF_BENCH_RESULTS_DIR;
  // dist/bench/lib.js → <repo>/bench/results
  return join(fileURLToPath(new URL("../../bench/results", import.meta.url)));
}

export function writeResult(name: string, result: object): string {
  const dir = resultsDir();
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${name}.json`);
  const machine = { cpus: cpus().length, cpuModel: cpus()[0]?.model, memGiB: Math.round(totalmem() / 2 ** 30), node: process.version };
  writeFileSync(file, JSON.stringify({ benchmark: name, at: new Date().toISOString(), machine, ...result }, null, 2) + "\n");
  console.log(`results written to ${file}`);
  return file;
}

/** A progress bar on a TTY; silent otherwise (CI logs stay readable). */
export function progress(label: string, total: number): { tick(): void; done(): void } {
  if (!process.stderr.isTTY) return { tick() {}, done() {} };
  const bar = new cliProgress.SingleBar({ format: `${label} [{bar}] {value}/{total} {eta_formatted}`, stream: process.stderr }, cliProgress.Presets.shades_classic);
  bar.start(total, 0);
  return { tick: () => bar.increment(), done: () => bar.stop() };
}
