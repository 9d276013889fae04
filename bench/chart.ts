// How cost grows with work, as one hand-written SVG with small panels
// (no chart library: the picture is a few lines, dots and labels):
//   scheduler pods/s at 100 / 1,000 / 5,000 nodes   (scheduler*.json)
//   apply → Running seconds at 1 / 10 / 50 replicas on Docker, with the raw engine   (startup*.json)
//   proxy req/s at 1 / 10 / 50 / 100 connections, direct and through the proxy   (proxy*.json)
//   create / scale / rolling update seconds: skiff, Docker Swarm, the raw engine   (swarm*.json)
//
//   node dist/bench/chart.js     rewrites docs/benchmarks.svg from bench/results/
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { resultsDir } from "./lib.js";

export interface ChartPoint {
  x: string;
  y: number;
}

export interface Series {
  name: string;
  color: string;
  points: ChartPoint[];
  /** Dashed: a baseline rather than skiff itself. */
  dashed?: boolean;
}

export interface Panel {
  title: string;
  xLabel: string;
  yLabel: string;
  /** Categories in order; points place themselves by their x. */
  xs: string[];
  /** Optional second line under each x tick (e.g. the pod count at that cluster size). */
  xSub?: string[];
  series: Series[];
  /** How to print a value next to its dot. */
  format: (y: number) => string;
  /** Shown under the panel when a size is missing from the results. */
  note?: string;
}

const W = 330;
const H = 250;
const M = { left: 58, right: 16, top: 58, bottom: 48 };
const SKIFF = "#1f6feb";
const BASE = "#8b949e";
const OTHER = "#d1741f";

function esc(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

/** Axis end and step: 4–6 ticks of 1, 2, 2.5 or 5 × 10^k, covering max. */
export function niceAxis(max: number): { top: number; step: number } {
  if (!(max > 0)) return { top: 1, step: 0.25 };
  const raw = max / 4;
  const p = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * p).find((s) => s >= raw) ?? 10 * p;
  return { top: step * Math.ceil(max / step), step };
}

export function compact(y: number): string {
  if (y === 0) return "0";
  if (y >= 10_000) return `${Math.round(y / 1000)}k`;
  if (y >= 1_000) return y % 1000 === 0 ? `${y / 1000}k` : `${(y / 1000).toFixed(1)}k`;
  if (y >= 100) return String(Math.round(y));
  if (y >= 10) return y.toFixed(1);
  return y.toFixed(2);
}

function renderPanel(p: Panel, ox: number, oy: number): string {
  const pw = W - M.left - M.right;
  const ph = H - M.top - M.bottom;
  const all = p.series.flatMap((s) => s.points.map((pt) => pt.y));
  const axis = niceAxis(Math.max(0, ...all) * 1.1);
  const ymax = axis.top;
  const X = (x: string) => {
    const i = p.xs.indexOf(x);
    return M.left + (p.xs.length === 1 ? pw / 2 : (i * pw) / (p.xs.length - 1));
  };
  const Y = (y: number) => M.top + ph - (y / ymax) * ph;
  const out: string[] = [`<g transform="translate(${ox},${oy})">`];
  out.push(`<rect x="0.5" y="0.5" width="${W - 1}" height="${H - 1}" fill="#fff" stroke="#d0d7de"/>`);
  out.push(`<text x="${W / 2}" y="18" text-anchor="middle" font-size="13" font-weight="bold">${esc(p.title)}</text>`);
  // legend under the title
  let lx = M.left;
  for (const s of p.series) {
    out.push(`<line x1="${lx}" y1="33" x2="${lx + 16}" y2="33" stroke="${s.color}" stroke-width="2"${s.dashed ? ' stroke-dasharray="4 3"' : ""}/>`);
    out.push(`<text x="${lx + 20}" y="37" font-size="10.5">${esc(s.name)}</text>`);
    lx += 28 + s.name.length * 5.6;
  }
  // y grid and ticks
  for (let i = 0; i * axis.step <= ymax + 1e-9; i++) {
    const v = i * axis.step;
    const y = Y(v);
    out.push(`<line x1="${M.left}" y1="${y}" x2="${W - M.right}" y2="${y}" stroke="${i === 0 ? "#57606a" : "#eaeef2"}"/>`);
    out.push(`<text x="${M.left - 5}" y="${y + 3.5}" text-anchor="end" font-size="10" fill="#57606a">${esc(compact(v))}</text>`);
  }
  out.push(`<line x1="${M.left}" y1="${M.top}" x2="${M.left}" y2="${M.top + ph}" stroke="#57606a"/>`);
  // x ticks
  for (const x of p.xs) {
    out.push(`<line x1="${X(x)}" y1="${M.top + ph}" x2="${X(x)}" y2="${M.top + ph + 4}" stroke="#57606a"/>`);
    out.push(`<text x="${X(x)}" y="${M.top + ph + 15}" text-anchor="middle" font-size="10" fill="#57606a">${esc(x)}</text>`);
    const sub = p.xSub?.[p.xs.indexOf(x)];
    if (sub) out.push(`<text x="${X(x)}" y="${M.top + ph + 26}" text-anchor="middle" font-size="8.5" fill="#8b949e">${esc(sub)}</text>`);
  }
  out.push(`<text x="${M.left + pw / 2}" y="${H - 6}" text-anchor="middle" font-size="11">${esc(p.xLabel)}</text>`);
  out.push(`<text transform="translate(14,${M.top + ph / 2}) rotate(-90)" text-anchor="middle" font-size="11">${esc(p.yLabel)}</text>`);
  if (all.length === 0) {
    out.push(`<text x="${M.left + pw / 2}" y="${M.top + ph / 2}" text-anchor="middle" font-size="11" fill="#cf222e">no results yet</text>`);
  }
  // series: line, dots, values. A value goes above its dot when it is the highest
  // at that x and below otherwise, unless that would cross the axis; values at
  // the right edge are right-aligned so they stay inside the panel.
  const valueAt = (si: number, x: string) => p.series[si].points.find((pt) => pt.x === x)?.y;
  p.series.forEach((s, si) => {
    const pts = s.points.filter((pt) => p.xs.includes(pt.x)).sort((a, b) => p.xs.indexOf(a.x) - p.xs.indexOf(b.x));
    if (pts.length === 0) return;
    const path = pts.map((pt, i) => `${i ? "L" : "M"}${X(pt.x).toFixed(1)},${Y(pt.y).toFixed(1)}`).join(" ");
    out.push(`<path d="${path}" fill="none" stroke="${s.color}" stroke-width="2"${s.dashed ? ' stroke-dasharray="4 3"' : ""}/>`);
    for (const pt of pts) {
      const x = X(pt.x);
      const y = Y(pt.y);
      out.push(`<circle cx="${x.toFixed(1)}" cy="${y.toFixed(1)}" r="3" fill="${s.color}"/>`);
      const highest = p.series.every((_, oi) => oi === si || (valueAt(oi, pt.x) ?? -Infinity) < pt.y || ((valueAt(oi, pt.x) ?? -Infinity) === pt.y && si < oi));
      const axisY = M.top + ph;
      // a lower series squeezed against the axis puts its value above-right of its dot: make room
      const squeezed = p.series.some((_, oi) => {
        const v = valueAt(oi, pt.x);
        return oi !== si && v !== undefined && v <= pt.y && Y(v) + 14 > axisY - 3 && Math.abs(Y(v) - y) < 16;
      });
      let ly = highest ? y - (squeezed ? 17 : 7) : y + 14;
      let lx = x;
      let anchor = "middle";
      const atRightEdge = x >= W - M.right - 20;
      if (!highest && ly > axisY - 3) {
        // no room under the dot: above-right of it instead (above-left at the right edge)
        ly = y - 5;
        lx = atRightEdge ? x - 6 : x + 6;
        anchor = atRightEdge ? "end" : "start";
      } else if (atRightEdge) {
        lx = x + 3;
        anchor = "end";
      }
      out.push(`<text x="${lx.toFixed(1)}" y="${ly.toFixed(1)}" text-anchor="${anchor}" font-size="9.5" fill="${s.color}">${esc(p.format(pt.y))}</text>`);
    }
  });
  if (p.note) out.push(`<text x="${W - M.right}" y="${M.top - 6}" text-anchor="end" font-size="9" fill="#57606a">${esc(p.note)}</text>`);
  out.push("</g>");
  return out.join("\n");
}

/** The whole picture: panels side by side, a caption line under them. */
export function renderChart(panels: Panel[], caption: string): string {
  const width = panels.length * (W + 10) + 10;
  const height = H + 40;
  const body = panels.map((p, i) => renderPanel(p, 10 + i * (W + 10), 10)).join("\n");
  return [
    `<?xml version="1.0" encoding="UTF-8"?>`,
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="Helvetica, Arial, sans-serif">`,
    `<rect width="${width}" height="${height}" fill="#f6f8fa"/>`,
    body,
    `<text x="10" y="${height - 10}" font-size="10" fill="#57606a">${esc(caption)}</text>`,
    `</svg>`,
    "",
  ].join("\n");
}

// ---- reading bench/results ------------------------------------------------------------

type Json = Record<string, unknown>;

export function readResult(dir: string, file: string): Json | undefined {
  const path = join(dir, file);
  if (!existsSync(path)) return undefined;
  try {
    return JSON.parse(readFileSync(path, "utf8")) as Json;
  } catch {
    return undefined;
  }
}

/** Files `<name>.json`, `<name>.full.json`, `<name>.<anything>.json`, newest first. */
export function resultsOf(dir: string, name: string): Json[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f === `${name}.json` || (f.startsWith(`${name}.`) && f.endsWith(".json")))
    .map((f) => readResult(dir, f))
    .filter((r): r is Json => r !== undefined)
    .sort((a, b) => String(b.at).localeCompare(String(a.at)));
}

/** Keyed points from several result files: the newest measurement of each key wins. */
function newestByKey<T>(results: Json[], pointsOf: (r: Json) => Array<{ key: number; value: T }>): Map<number, T> {
  const out = new Map<number, T>();
  for (const r of results) for (const { key, value } of pointsOf(r)) if (!out.has(key)) out.set(key, value);
  return out;
}

function num(x: unknown): number {
  return typeof x === "number" ? x : NaN;
}

export function schedulerPanel(dir: string): Panel {
  const sizes = [100, 1_000, 5_000];
  const byNodes = newestByKey(resultsOf(dir, "scheduler"), (r) => [
    { key: num(r.nodes), value: { pods: num(r.pods), cycle: num((r.cycle as Json)?.podsPerSec), e2e: num((r.endToEnd as Json)?.podsPerSec) } },
  ]);
  const label = (n: number) => `${n.toLocaleString("en-US")}`;
  const xs = sizes.map(label);
  const missing = sizes.filter((n) => !byNodes.has(n));
  return {
    title: "Scheduler throughput",
    xLabel: "nodes (fake, mixed requests)",
    yLabel: "pods per second",
    xs,
    xSub: sizes.map((n) => (byNodes.has(n) ? `${compact(byNodes.get(n)!.pods)} pods` : "")),
    series: [
      { name: "cycle alone", color: OTHER, points: sizes.filter((n) => byNodes.has(n)).map((n) => ({ x: label(n), y: byNodes.get(n)!.cycle })) },
      { name: "end to end (sqlite)", color: SKIFF, points: sizes.filter((n) => byNodes.has(n)).map((n) => ({ x: label(n), y: byNodes.get(n)!.e2e })) },
    ],
    format: compact,
    note: missing.length ? `not measured: ${missing.map(label).join(", ")} nodes` : undefined,
  };
}

export function startupPanel(dir: string): Panel {
  const sizes = [1, 10, 50];
  const byReplicas = newestByKey(resultsOf(dir, "startup"), (r) =>
    ((r.points as Json[] | undefined) ?? []).map((p) => ({ key: num(p.replicas), value: { skiff: num(p.skiffSeconds), raw: num(p.rawSeconds) } })),
  );
  const have = sizes.filter((n) => byReplicas.has(n));
  const missing = sizes.filter((n) => !byReplicas.has(n));
  return {
    title: "Apply → all Running on Docker",
    xLabel: "replicas (busybox, 1 node)",
    yLabel: "seconds",
    xs: sizes.map(String),
    series: [
      { name: "skiff", color: SKIFF, points: have.map((n) => ({ x: String(n), y: byReplicas.get(n)!.skiff })) },
      { name: "raw engine", color: BASE, dashed: true, points: have.map((n) => ({ x: String(n), y: byReplicas.get(n)!.raw })) },
    ],
    format: (y) => `${y.toFixed(y < 10 ? 2 : 1)}s`,
    note: missing.length ? `not measured: ${missing.join(", ")}` : undefined,
  };
}

export function proxyPanel(dir: string): Panel {
  const sizes = [1, 10, 50, 100];
  const byConn = newestByKey(resultsOf(dir, "proxy"), (r) =>
    ((r.points as Json[] | undefined) ?? []).map((p) => ({ key: num(p.connections), value: { direct: num((p.direct as Json)?.rps), proxied: num((p.proxied as Json)?.rps) } })),
  );
  const have = sizes.filter((n) => byConn.has(n));
  const missing = sizes.filter((n) => !byConn.has(n));
  return {
    title: "Service proxy throughput",
    xLabel: "concurrent connections",
    yLabel: "requests per second",
    xs: sizes.map(String),
    series: [
      { name: "through the proxy", color: SKIFF, points: have.map((n) => ({ x: String(n), y: byConn.get(n)!.proxied })) },
      { name: "direct", color: BASE, dashed: true, points: have.map((n) => ({ x: String(n), y: byConn.get(n)!.direct })) },
    ],
    format: compact,
    note: missing.length ? `not measured: ${missing.join(", ")}` : undefined,
  };
}

export function swarmPanel(dir: string): Panel {
  // the full-size record when there is one, as in docs/benchmarks.md
  const r = readResult(dir, "swarm.full.json") ?? readResult(dir, "swarm.json");
  const rows = ((r?.rows as Json[] | undefined) ?? []).filter((row) => Number.isFinite(num(row.skiffSeconds)));
  const names: Record<string, string> = { create: "create", scale: "scale up", rolling: "rolling" };
  const xs = rows.length ? rows.map((row) => names[String(row.workload)] ?? String(row.workload)) : Object.values(names);
  const series = (name: string, color: string, key: string, dashed?: boolean): Series => ({
    name,
    color,
    dashed,
    points: rows.map((row, i) => ({ x: xs[i], y: num(row[key]) })),
  });
  return {
    title: "skiff vs Docker Swarm",
    xLabel: r ? `${num(r.replicas)} replicas, scale to ${num(r.scaleTo)}, update ${num(r.batch)} at a time` : "workload",
    yLabel: "seconds",
    xs,
    // The raw engine is in the table; three near-equal labelled lines here would print over each other.
    series: [series("skiff", SKIFF, "skiffSeconds"), series("Docker Swarm", OTHER, "swarmSeconds")],
    format: (y) => `${y.toFixed(y < 10 ? 2 : 1)}s`,
  };
}

export function chartFromResults(dir = resultsDir()): { svg: string; panels: Panel[] } {
  const panels = [schedulerPanel(dir), startupPanel(dir), proxyPanel(dir), swarmPanel(dir)];
  const machine = resultsOf(dir, "startup")[0]?.machine ?? resultsOf(dir, "scheduler")[0]?.machine;
  const m = machine as Json | undefined;
  const caption = `skiff benchmarks, newest result per size from bench/results/${m ? ` · ${m.cpus} × ${m.cpuModel}, Node ${m.node}` : ""}`;
  return { svg: renderChart(panels, caption), panels };
}

export function writeChart(file: string, dir = resultsDir()): Panel[] {
  const { svg, panels } = chartFromResults(dir);
  writeFileSync(file, svg);
  return panels;
}

/** <repo>/docs, from dist/bench/chart.js. */
export function docsDir(): string {
  // SKIFF_BENCH_DOCS_DIR: render somewhere else (the CI smoke checks the renderer without touching docs/).
  if (process.env.SKIFF_BENCH_DOCS_DIR) return process.env.SKIFF_BENCH_DOCS_DIR;
  return fileURLToPath(new URL("../../docs", import.meta.url));
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const file = join(docsDir(), "benchmarks.svg");
  writeChart(file);
  console.log(`chart written to ${file}`);
}
