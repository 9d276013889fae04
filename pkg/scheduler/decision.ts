// A scheduling decision, compacted so that thousands of them fit in the store:
// rejected nodes are grouped into classes by identical outcome (plugin and
// reasons), with a few example names and, for resource rejections, the range of
// numbers behind them; only the top scores are kept, each broken down by score
// plugin. 1,000 rejected nodes become a handful of rows, and the record of a
// pod weighs about the same whatever the size of the cluster.
//
// compactDecision runs synchronously right after scheduleOne, before the pod is
// assumed, so the node numbers it reads are the ones the filters saw.
import { CycleState, type FilterPlugin, type Pod, type Profile, type ReasonDetail, type ScoreTrace, type Snapshot, type Status } from "./framework.js";
import { podInfoOf } from "./pod-info.js";
import { defaultProfile } from "./profile.js";
import type { ScheduleResult } from "./schedule-one.js";

/** Feasible nodes kept per decision, best first. */
export const TOP_SCORES = 5;
/** Example node names kept per class of rejected nodes. */
export const CLASS_EXAMPLES = 5;
/** Classes kept per decision (the largest); the rest are counted in `otherRejected`. */
export const MAX_CLASSES = 20;

export interface Decision {
  pod: string;
  uid: string;
  /** RFC 3339, when the decision was made. */
  time: string;
  /** Scheduling attempts for this pod so far, this one included. */
  attempts: number;
  result: "Scheduled" | "Unschedulable" | "Error";
  /** The winner (Scheduled only). */
  node?: string;
  /** The FailedScheduling message ("0/3 nodes are available: …") or the error. */
  message?: string;
  /** What the filters compared: the pod's summed requests, as quantities. */
  requests: { cpu: string; memory: string };
  nodes: { total: number; evaluated: number; feasible: number };
  /** Rejected nodes grouped by identical outcome, largest class first. */
  rejected: NodeClass[];
  /** Rejected nodes left out of `rejected` (beyond MAX_CLASSES classes). */
  otherRejected?: number;
  /** False when there was nothing to compare (one feasible node): scores are then empty. */
  scored: boolean;
  /** The best feasible nodes with each score plugin's weighted score; the first is the winner. */
  scores: ScoreRow[];
  /** Score plugins that did not change the ranking, and why. */
  skipped?: Record<string, "prescore" | "equal">;
}

export interface NodeClass {
  plugin: string;
  /** Kubernetes' wording, as in events ("Insufficient memory"). */
  reasons: string[];
  count: number;
  /** Up to CLASS_EXAMPLES node names, in name order. */
  nodes: string[];
  /** The reasons with their numbers ("Insufficient memory: requested 512Mi, 300Mi free of 4Gi"). */
  details?: string[];
}

export interface ScoreRow {
  node: string;
  total: number;
  /** Plugin name → weight × normalised score. */
  scores: Record<string, number>;
}

export interface CompactOptions {
  nowMs: number;
  attempts?: number;
  profile?: Profile;
}

const DEFAULT_PROFILE = defaultProfile();

export function compactDecision(pod: Pod, res: ScheduleResult, trace: ScoreTrace | undefined, snapshot: Snapshot, opts: CompactOptions): Decision {
  const profile = opts.profile ?? DEFAULT_PROFILE;
  const req = podInfoOf(pod).requests;
  const d: Decision = {
    pod: String(pod.metadata.name ?? ""),
    uid: String(pod.metadata.uid ?? ""),
    time: new Date(opts.nowMs).toISOString().replace(/\.\d{3}Z$/, "Z"),
    attempts: opts.attempts ?? 1,
    result: res.node ? "Scheduled" : res.status.code === "Error" ? "Error" : "Unschedulable",
    requests: { cpu: formatMilliCpu(req.milliCpu), memory: formatBytes(req.memory) },
    nodes: { total: snapshot.nodes().length, evaluated: res.evaluatedNodes, feasible: res.feasibleNodes },
    rejected: [],
    scored: false,
    scores: [],
  };
  if (res.node) d.node = res.node;
  else if (res.status.reasons.length > 0) d.message = res.status.reasons.join(", ");
  const { classes, other } = rejectedClasses(pod, res.diagnosis, snapshot, profile);
  d.rejected = classes;
  if (other > 0) d.otherRejected = other;
  if (trace && res.node) fillScores(d, trace, res.node);
  return d;
}

// --- rejected nodes ---------------------------------------------------------------

interface Group {
  plugin: string;
  reasons: string[];
  names: string[];
}

function rejectedClasses(pod: Pod, diagnosis: ReadonlyMap<string, Status>, snapshot: Snapshot, profile: Profile): { classes: NodeClass[]; other: number } {
  // Plugins hand out shared, frozen Status objects, so grouping by identity first
  // touches each rejected node once with no string building; groups with equal
  // wording (one Status per taint object, say) are merged afterwards.
  const byStatus = new Map<Status, string[]>();
  for (const [node, s] of diagnosis) {
    let names = byStatus.get(s);
    if (!names) byStatus.set(s, (names = []));
    names.push(node);
  }
  const byWording = new Map<string, Group>();
  for (const [s, names] of byStatus) {
    const plugin = s.plugin ?? "";
    const key = `${plugin}\u0000${s.reasons.join("\u0000")}`;
    const g = byWording.get(key);
    if (g) for (const n of names) g.names.push(n);
    else byWording.set(key, { plugin, reasons: [...s.reasons], names });
  }
  const groups = [...byWording.values()].sort((a, b) => b.names.length - a.names.length || a.plugin.localeCompare(b.plugin) || a.reasons.join().localeCompare(b.reasons.join()));
  const filters = new Map<string, FilterPlugin>(profile.filter.map((f) => [f.name, f]));
  const state = CycleState.for(pod);
  const classes: NodeClass[] = [];
  let other = 0;
  for (const g of groups) {
    if (classes.length >= MAX_CLASSES) {
      other += g.names.length;
      continue;
    }
    const c: NodeClass = { plugin: g.plugin, reasons: g.reasons, count: g.names.length, nodes: examples(g.names) };
    const explain = filters.get(g.plugin)?.explain;
    if (explain) {
      const details = explainClass(g.names, (ni) => explain.call(filters.get(g.plugin), state, pod, ni), snapshot);
      if (details.length > 0) c.details = details;
    }
    classes.push(c);
  }
  return { classes, other };
}

function examples(names: string[]): string[] {
  const out: string[] = [];
  // Partial selection of the smallest names: a class may hold thousands.
  for (const n of names) {
    if (out.length < CLASS_EXAMPLES) {
      out.push(n);
      out.sort(naturalCompare);
    } else if (naturalCompare(n, out[CLASS_EXAMPLES - 1]) < 0) {
      out[CLASS_EXAMPLES - 1] = n;
      out.sort(naturalCompare);
    }
  }
  return out;
}

interface Range {
  resource: ReasonDetail["resource"];
  requested: number;
  freeMin: number;
  freeMax: number;
  allocMin: number;
  allocMax: number;
}

/** One detail line per reason, with the range of numbers over the class's nodes. */
function explainClass(names: string[], explain: (ni: NonNullable<ReturnType<Snapshot["get"]>>) => ReasonDetail[], snapshot: Snapshot): string[] {
  const ranges = new Map<string, Range>();
  for (const name of names) {
    const ni = snapshot.get(name);
    if (!ni) continue;
    for (const d of explain(ni)) {
      const r = ranges.get(d.reason);
      if (!r) {
        ranges.set(d.reason, { resource: d.resource, requested: d.requested, freeMin: d.free, freeMax: d.free, allocMin: d.allocatable, allocMax: d.allocatable });
        continue;
      }
      r.freeMin = Math.min(r.freeMin, d.free);
      r.freeMax = Math.max(r.freeMax, d.free);
      r.allocMin = Math.min(r.allocMin, d.allocatable);
      r.allocMax = Math.max(r.allocMax, d.allocatable);
    }
  }
  return [...ranges].map(([reason, r]) => detailLine(reason, r));
}

function detailLine(reason: string, r: Range): string {
  const fmt = r.resource === "memory" ? formatBytes : r.resource === "cpu" ? formatMilliCpu : String;
  const span = (lo: number, hi: number) => (lo === hi ? fmt(lo) : `${fmt(lo)}-${fmt(hi)}`);
  if (r.resource === "pods") return `${reason}: ${span(r.allocMin - r.freeMax, r.allocMax - r.freeMin)} of ${span(r.allocMin, r.allocMax)} pods already on the node`;
  return `${reason}: requested ${fmt(r.requested)}, ${span(r.freeMin, r.freeMax)} free of ${span(r.allocMin, r.allocMax)}`;
}

/** One node's detail lines, for a single-node view (the same wording as a class of one). */
export function explainNode(details: readonly ReasonDetail[]): string[] {
  return details.map((d) => detailLine(d.reason, { resource: d.resource, requested: d.requested, freeMin: d.free, freeMax: d.free, allocMin: d.allocatable, allocMax: d.allocatable }));
}

// --- scores -----------------------------------------------------------------------

function fillScores(d: Decision, trace: ScoreTrace, winner: string): void {
  const n = trace.nodes.length;
  const totals = trace.totals;
  d.scored = totals !== undefined && n > 1;
  if (!totals || n <= 1) {
    d.scores = [{ node: winner, total: 0, scores: {} }];
    return;
  }
  // Top TOP_SCORES by total; on ties the node met first ranks first, which is
  // scheduleOne's own tie-break, so the winner always heads the list.
  const top: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = totals[i];
    if (top.length === TOP_SCORES && t <= totals[top[top.length - 1]]) continue;
    let at = top.length;
    while (at > 0 && totals[top[at - 1]] < t) at--;
    top.splice(at, 0, i);
    if (top.length > TOP_SCORES) top.pop();
  }
  const skipped: Record<string, "prescore" | "equal"> = {};
  for (const p of trace.plugins) if (p.skipped) skipped[p.name] = p.skipped;
  if (Object.keys(skipped).length > 0) d.skipped = skipped;
  d.scores = top.map((i) => {
    const scores: Record<string, number> = {};
    for (const p of trace.plugins) if (p.scores) scores[p.name] = round(p.scores[i]);
    return { node: trace.nodes[i].name, total: round(totals[i]), scores };
  });
}

function round(x: number): number {
  return Math.round(x * 100) / 100;
}

// --- numbers as people read them ---------------------------------------------------

const BINARY: Array<[string, number]> = [
  ["Ti", 2 ** 40],
  ["Gi", 2 ** 30],
  ["Mi", 2 ** 20],
  ["Ki", 2 ** 10],
];

/** 536870912 → "512Mi", 1610612736 → "1.5Gi", 0 → "0". */
export function formatBytes(bytes: number): string {
  if (bytes < 0) return `-${formatBytes(-bytes)}`;
  for (const [unit, size] of BINARY) {
    if (bytes >= size) {
      const v = bytes / size;
      return `${Number.isInteger(v) ? v : v >= 100 ? Math.round(v) : Math.round(v * 10) / 10}${unit}`;
    }
  }
  return String(Math.round(bytes));
}

/** 500 → "500m", 2000 → "2", 1500 → "1500m". */
export function formatMilliCpu(milli: number): string {
  if (milli < 0) return `-${formatMilliCpu(-milli)}`;
  return milli % 1000 === 0 ? String(milli / 1000) : `${Math.round(milli)}m`;
}

const collator = new Intl.Collator("en", { numeric: true });

/** "node-2" before "node-10". */
export function naturalCompare(a: string, b: string): number {
  return collator.compare(a, b);
}
