// docs/reliability.md from the suite's records: fuzz case counts, faults
// survived, checks, and the soak's figures. The records come from
// test/reliability/results/ (results.jsonl, appended by the test files when
// SKIFF_RELIABILITY_RESULTS is set; soak.json, written by the soak). Only the
// newest record of each fuzz suite, fault and check is kept.
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

type Rec = Record<string, unknown> & { time: string; kind: string };

export interface SoakResult {
  time: string;
  seconds: number;
  nodes: number;
  deployments: number;
  watchers: number;
  requests: number;
  errors: number;
  errorSamples: string[];
  latencyMs: { p50: number; p99: number; max: number };
  rssMiB: { baseline: number; end: number; max: number; growthPct: number };
  /** Median heap after full garbage collections (--trace-gc), first vs last third after warm-up. */
  liveHeapMiB?: { first: number; last: number; growthPct: number; fullCollections: number };
  /** [seconds since start, MiB] every few seconds, for looking at the curve. */
  rssSamples?: Array<[number, number]>;
  /** Objects in the cluster at the end, by resource. */
  objectCounts?: Record<string, number>;
  rollouts: number;
  scalings: number;
  watchEvents: number;
  watchReconnects: number;
  watchRelists: number;
  settled: boolean;
  lost: number;
  host: string;
}

/** Findings of the suite: bugs it found and how they were fixed (kept by hand, next to the tests that found them). */
const FINDINGS = [
  ["fuzz-api: deep nesting", "A body nested ~10,000 levels deep overflowed the stack in structuredClone and the schema walk: 500.", "Bodies are measured before parsing (pkg/util/json-depth.ts, in the JSON/YAML body parsers and in Registry.decodeBody/patch for in-process callers): more than 100 levels → 400."],
  ["fuzz-api: pod QoS", "`spec.containers` that was not a list of objects crashed the QoS computation that runs before validation: 500.", "qosClass (pkg/apiserver/registry.ts) tolerates malformed specs; validation reports them (422)."],
  ["fuzz-api: Warning header", "An unknown field whose name had non-ASCII characters put them into the Warning header, which Node refuses: 500.", "warningHeader (pkg/apiserver/server.ts) escapes non-ASCII as \\uXXXX and caps the header at 8 KiB."],
  ["fuzz-api: service allocation", "A Service whose `spec` or `ports` had the wrong type crashed IP/port allocation before validation: 500.", "pkg/apiserver/service-alloc.ts skips allocation for malformed specs; validation answers 422."],
  ["fuzz-api: patch removing metadata", "A merge/strategic patch setting `metadata: null` crashed the update path: 500.", "Registry.patch treats removed metadata as empty (server-owned fields come back); a non-object is 422."],
  ["fuzz-api: bad URLs", "`/%ff` got fastify's own error body instead of a Status; a path segment with a literal `%` (after the router decoded it) threw URIError: 500.", "frameworkErrors answers a 400 Status; parseResourcePath keeps undecodable segments (→ 404)."],
  ["security: store file mode", "skiff.db (which holds every Secret) was created 0644.", "SqliteStore creates it 0600 (the -wal/-shm files inherit that) and tightens an existing one; the state dir is chmod 0700 at start."],
  ["faults: full disk / read-only", "A failing write (SQLITE_FULL, SQLITE_READONLY, I/O error) answered 500 \"Internal error\".", "SqliteStore answers 503 ServiceUnavailable: \"the store cannot save changes: the disk is full (…; path)\"; reads keep working; nothing half-written."],
];

function readRecords(dir: string): Rec[] {
  const file = join(dir, "results.jsonl");
  if (!existsSync(file)) return [];
  return readFileSync(file, "utf8")
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Rec);
}

/** Newest record per key. */
function latest(records: Rec[], key: (r: Rec) => string): Rec[] {
  const m = new Map<string, Rec>();
  for (const r of records) {
    const k = key(r);
    const prev = m.get(k);
    if (!prev || prev.time <= r.time) m.set(k, r);
  }
  return [...m.values()];
}

const fmt = (n: number) => n.toLocaleString("en-US");

export function writeReport(resultsDir: string, docPath: string): { lost: number } {
  const records = readRecords(resultsDir);
  const readSoak = (f: string) => (existsSync(join(resultsDir, f)) ? (JSON.parse(readFileSync(join(resultsDir, f), "utf8")) as SoakResult) : undefined);
  const quick = readSoak("soak.json");
  const full = readSoak("soak.full.json");
  // Show the full-length (10 minute) run when there is one; a newer short run gets a line of its own.
  const soak = full ?? quick;
  const newerQuick = full && quick && quick.time > full.time ? quick : undefined;
  const fuzz = latest(records.filter((r) => r.kind === "fuzz"), (r) => String(r.suite));
  const faults = latest(records.filter((r) => r.kind === "fault"), (r) => String(r.fault));
  const checks = latest(records.filter((r) => r.kind === "check"), (r) => String(r.check));
  // Keep the file small: only the newest records.
  writeFileSync(join(resultsDir, "results.jsonl"), [...fuzz, ...faults, ...checks].map((r) => JSON.stringify(r)).join("\n") + "\n");

  const out: string[] = [];
  out.push("# Reliability and security", "");
  out.push("Generated by `npm run test:reliability` (fuzz and fault suites in `test/reliability/`, then `node dist/test/reliability/soak.js [--minutes N]`) from `test/reliability/results/`; do not edit by hand.", "");
  out.push(
    "The fuzz and fault suites also run in `npm test` (without writing results). Longer fuzzing: `SKIFF_FUZZ_SCALE=10 npx vitest run test/reliability/fuzz-*.test.ts`. A longer soak: `npm run test:reliability -- --minutes 10`. Docker tests skip, loudly, without an engine; tmpfs tests skip when `mount` is not permitted.",
    "",
  );

  let totalCases = 0;
  const fuzzRows: string[] = [];
  for (const r of fuzz.sort((a, b) => String(a.suite).localeCompare(String(b.suite)))) {
    const props = r.properties as Record<string, { cases: number; outcomes: Record<string, number> }>;
    for (const [name, p] of Object.entries(props)) {
      totalCases += p.cases;
      const outcomes = Object.entries(p.outcomes).sort().map(([k, v]) => `${k}: ${fmt(v)}`).join(", ");
      fuzzRows.push(`| ${r.suite} | ${name} | ${fmt(p.cases)} | ${outcomes} |`);
    }
  }
  const fiveXX = fuzz.reduce((n, r) => n + Object.values(r.properties as Record<string, { outcomes: Record<string, number> }>).reduce((m, p) => m + (p.outcomes["5xx"] ?? 0), 0), 0);
  out.push("## Bad input", "");
  out.push(`**${fmt(totalCases)} cases** of hostile input (fast-check), **${fiveXX} answered 5xx**. Every API case had to end within 10 s with a 2xx or a 4xx Kubernetes Status naming the problem; every rejected write had to leave the store's resourceVersion and full listing unchanged; parsers had to answer with their own error type; no \`__proto__\` key could reach Object.prototype.`, "");
  out.push("| suite | property | cases | outcomes |", "|---|---|---|---|", ...fuzzRows, "");

  let lost = 0;
  out.push("## Faults survived", "");
  out.push("| fault | outcome | lost |", "|---|---|---|");
  for (const f of faults.sort((a, b) => String(a.fault).localeCompare(String(b.fault)))) {
    const l = Number(f.lost ?? 0);
    lost += l;
    const { time: _t, kind: _k, fault, lost: _l, ...rest } = f;
    const outcome = Object.entries(rest).map(([k, v]) => `${k}: ${typeof v === "string" ? v.replace(/\|/g, "\\|") : JSON.stringify(v)}`).join("; ");
    out.push(`| ${fault} | ${outcome} | ${l} |`);
  }
  out.push("");
  if (checks.length > 0) {
    out.push("## Security checks", "");
    for (const c of checks) out.push(`- ${(c.leaks as string[] | undefined)?.length ? "✗" : "✓"} ${c.check}${(c.leaks as string[] | undefined)?.length ? ` — failed: ${(c.leaks as string[]).join(", ")}` : ""}`);
    out.push("");
  }

  out.push("## Soak", "");
  if (soak) {
    lost += soak.lost;
    const ok = (b: boolean) => (b ? "✓" : "✗ missed");
    out.push(`**${Math.round(soak.seconds)} s on a fake-runtime cluster** (${soak.nodes} nodes, \`skiff up\` in its own process, sqlite store): ${soak.deployments} deployments rolling repeatedly, a client scaling them, ${soak.watchers} watchers — ${soak.time.slice(0, 16).replace("T", " ")} UTC · ${soak.host}`, "");
    out.push("| figure | value | target | met |", "|---|---|---|---|");
    out.push(`| API requests (driver) | ${fmt(soak.requests)} |  |  |`);
    out.push(`| errors | ${soak.errors} | 0 | ${ok(soak.errors === 0)} |`);
    out.push(`| API latency p50 / p99 / max (ms) | ${soak.latencyMs.p50.toFixed(1)} / ${soak.latencyMs.p99.toFixed(1)} / ${soak.latencyMs.max.toFixed(1)} |  |  |`);
    out.push(`| server RSS after warm-up → end (MiB) | ${soak.rssMiB.baseline.toFixed(0)} → ${soak.rssMiB.end.toFixed(0)} (max ${soak.rssMiB.max.toFixed(0)}) |  |  |`);
    if (soak.liveHeapMiB) {
      const h = soak.liveHeapMiB;
      out.push(`| live heap after full GCs, first → last third (MiB) | ${h.first.toFixed(0)} → ${h.last.toFixed(0)} (${h.fullCollections} collections) |  |  |`);
      out.push(`| memory growth (live heap) | ${h.growthPct.toFixed(1)} % | < 10 % | ${ok(h.growthPct < 10)} |`);
      out.push(`| RSS growth (floor to floor) | ${soak.rssMiB.growthPct.toFixed(1)} % |  |  |`);
    } else {
      out.push(`| RSS growth | ${soak.rssMiB.growthPct.toFixed(1)} % | < 10 % | ${ok(soak.rssMiB.growthPct < 10)} |`);
    }
    out.push(`| rollouts started / scalings | ${fmt(soak.rollouts)} / ${fmt(soak.scalings)} |  |  |`);
    out.push(`| watch events received (reconnects, relists) | ${fmt(soak.watchEvents)} (${soak.watchReconnects}, ${soak.watchRelists}) |  |  |`);
    if (soak.objectCounts) out.push(`| objects at the end | ${Object.entries(soak.objectCounts).map(([k, v]) => `${k}: ${fmt(v)}`).join(", ")} |  |  |`);
    out.push(`| settled at the end (every deployment at its last replicas and template) | ${soak.settled ? "yes" : "no"} | yes | ${ok(soak.settled)} |`);
    out.push(`| lost (deployments not at their last written state) | ${soak.lost} | 0 | ${ok(soak.lost === 0)} |`);
    if (soak.errorSamples.length > 0) out.push("", "Errors seen:", "", ...soak.errorSamples.map((e) => `- ${e}`));
    out.push(
      "",
      "What grows in the live heap during a run is bounded caches filling up: each component's event recorder remembers up to 4,096 event series (a heap-snapshot diff 4 minutes apart during a soak showed ~12,000 series objects and nothing else growing: sockets, watch streams and timers stayed constant), and the store keeps the last 10,000 writes for watches to resume from. A 10-minute run ends before they are full, so part of the growth below is them.",
      "",
      "Memory growth is judged on the live heap: the heap size right after each full (mark-compact) collection of the skiff process (`node --trace-gc`), median of the first third after warm-up against the last third. RSS is shown as well (lowest sample of each third); it mostly follows how far V8 lets the heap grow before collecting, and on a machine with plenty of memory it lets it grow a long way.",
    );
    if (newerQuick) {
      lost += newerQuick.lost;
      out.push(
        "",
        `A newer ${Math.round(newerQuick.seconds)} s run (${newerQuick.time.slice(0, 16).replace("T", " ")} UTC): ${fmt(newerQuick.requests)} requests, ${newerQuick.errors} errors, p99 ${newerQuick.latencyMs.p99.toFixed(1)} ms, live heap growth ${newerQuick.liveHeapMiB?.growthPct.toFixed(1) ?? "—"} % (short runs are dominated by warm-up), lost ${newerQuick.lost}.`,
      );
    }
    out.push("");
  } else {
    out.push("(no soak result yet)", "");
  }

  out.push("## Anything lost", "", `**${lost}** (faults and soak together; must be 0).`, "");
  out.push("## What the suite found and fixed", "", "| where | bug | fix |", "|---|---|---|", ...FINDINGS.map(([w, b, f]) => `| ${w} | ${b} | ${f} |`), "");
  out.push(
    "## Not covered",
    "",
    "- Events are never deleted (Kubernetes drops them after an hour): the soak ends with tens of thousands of them, so the store and `get events` grow without bound. An event TTL belongs in the controllers.",
    "- A watch with a label or field selector lists its whole collection when it starts (to know what the client sees); 1,000 such watches on a namespace of 1,500 large objects took 100 s to open.",
    "- A byte flipped inside a stored object's JSON is not detected (SQLite has no page checksums; `quick_check` at start-up finds structural damage only).",
    "- The file system turning read-only under a running skiff cannot be staged here (Linux refuses to remount read-only while files are open for writing); the full-disk test exercises the same 503 path.",
    "- `npm audit --omit=dev --audit-level=high` could not be run on the development machine: its registry answers 405 to the advisory endpoint. The production dependencies' versions were checked by hand against the known high/critical advisories (tar-fs, jsonpath-plus, form-data, ws, node-fetch): all at fixed versions.",
    "- The per-client rate limit (429 with Retry-After, token bucket per user, 200/s burst 400, system:masters exempt) is tested in pkg/apiserver/rate-limit.test.ts; token comparison is constant-time (pkg/apiserver/auth.ts).",
    "- The Docker daemon is not restarted (other engineers share it); its outage is simulated by cutting a socket proxy the cluster talks through.",
    "",
  );
  writeFileSync(docPath, out.join("\n"));
  return { lost };
}
