// A scheduling decision, compacted so that thousands of them fit in the store:
// rejected nodes are grouped into classes by identical outcome (plugin and
// reasons), with a few example names and, for resource rejections, the range of
// numbers behind them; only the top scores are kept, each broken down by score
// plugin. 1,000 rejected nodes become a handful of rows, and the record of a
// pod weighs about the same whatever the size of the cluster.
//
// compactDecision runs synchronously right after scheduleOne, before the pod is
// assumed, so the node numbers it reads are the ones the filters saw.
import { CycleState, tracedScore, type FilterPlugin, type Pod, type Profile, type ReasonDetail, type ScoreTrace, type Snapshot, type Status } from "./framework.js";
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
  /** Up to CLASS_EXAMPLES node names (of the first met), in name order. */
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

/**
 * What must be taken from a cycle at once, before the pod is assumed and the
 * nodes change: the top scores, and the rejected nodes grouped by the Status
 * object that rejected them, with a few names and the range of numbers behind
 * resource rejections. One pass over the totals and one over the rejected
 * nodes, no strings built and nothing of the cycle kept, so the scheduler can
 * take it every cycle; the wording and layout wait until the record is
 * written, and only for the records that are kept.
 */
export interface DecisionCapture {
  pod: Pod;
  nowMs: number;
  attempts: number;
  totalNodes: number;
  evaluatedNodes: number;
  feasibleNodes: number;
  node?: string;
  code: Status["code"];
  message?: string;
  /** Rejected nodes by the Status that rejected them. */
  groups: CapturedGroup[];
  /** Only with more than one feasible node: the best nodes and each plugin's weighted score on them. */
  top?: { nodes: string[]; totals: number[]; plugins: string[]; values: number[][] };
  skipped?: Record<string, "prescore" | "equal">;
}

interface CapturedGroup {
  status: Status;
  count: number;
  /** The first CLASS_EXAMPLES names met (in scan order); sorted when compacted. */
  names: string[];
  /** Per reason, the range of the numbers the rejecting plugin's explain() gives. */
  ranges?: Map<string, Range>;
}

interface Range {
  resource: ReasonDetail["resource"];
  requested: number;
  freeMin: number;
  freeMax: number;
  allocMin: number;
  allocMax: number;
}

const DEFAULT_PROFILE = defaultProfile();

export function captureDecision(pod: Pod, res: ScheduleResult, trace: ScoreTrace | undefined, snapshot: Snapshot, opts: CompactOptions): DecisionCapture {
  const c: DecisionCapture = {
    pod,
    nowMs: opts.nowMs,
    attempts: opts.attempts ?? 1,
    totalNodes: snapshot.nodes().length,
    evaluatedNodes: res.evaluatedNodes,
    feasibleNodes: res.feasibleNodes,
    code: res.status.code,
    groups: [],
  };
  if (res.node) c.node = res.node;
  else if (res.status.reasons.length > 0) c.message = res.status.reasons.join(", ");
  if (trace && res.node) captureScores(c, trace);
  if (res.diagnosis.size > 0) captureRejections(c, res.diagnosis, snapshot, opts.profile ?? DEFAULT_PROFILE);
  return c;
}

function captureRejections(c: DecisionCapture, diagnosis: ReadonlyMap<string, Status>, snapshot: Snapshot, profile: Profile): void {
  const explainers = explainersOf(profile);
  const byStatus = new Map<Status, CapturedGroup>();
  let state: CycleState | undefined;
  // Rejections come in runs of the same (shared, frozen) Status: look it up once per run.
  let last: Status | undefined;
  let g: CapturedGroup | undefined;
  let f: FilterPlugin | undefined;
  diagnosis.forEach((s, node) => {
    if (s !== last) {
      last = s;
      g = byStatus.get(s);
      if (!g) byStatus.set(s, (g = { status: s, count: 0, names: [] }));
      f = s.plugin ? explainers.get(s.plugin) : undefined;
    }
    // The first few names met, not the smallest: no comparisons in a loop that may see every node.
    if (g!.count++ < CLASS_EXAMPLES) g!.names.push(node);
    if (!f) return;
    const ni = snapshot.get(node);
    if (!ni) return;
    state ??= CycleState.for(c.pod);
    const ranges = (g!.ranges ??= new Map());
    for (const d of f.explain!(state, c.pod, ni)) {
      const r = ranges.get(d.reason);
      if (!r) ranges.set(d.reason, { resource: d.resource, requested: d.requested, freeMin: d.free, freeMax: d.free, allocMin: d.allocatable, allocMax: d.allocatable });
      else {
        if (d.free < r.freeMin) r.freeMin = d.free;
        if (d.free > r.freeMax) r.freeMax = d.free;
        if (d.allocatable < r.allocMin) r.allocMin = d.allocatable;
        if (d.allocatable > r.allocMax) r.allocMax = d.allocatable;
      }
    }
  });
  c.groups = [...byStatus.values()];
}

/** The stored form of a captured decision. */
export function compactCapture(c: DecisionCapture): Decision {
  const req = podInfoOf(c.pod).requests;
  const d: Decision = {
    pod: String(c.pod.metadata.name ?? ""),
    uid: String(c.pod.metadata.uid ?? ""),
    time: new Date(c.nowMs).toISOString().replace(/\.\d{3}Z$/, "Z"),
    attempts: c.attempts,
    result: c.node ? "Scheduled" : c.code === "Error" ? "Error" : "Unschedulable",
    requests: { cpu: formatMilliCpu(req.milliCpu), memory: formatBytes(req.memory) },
    nodes: { total: c.totalNodes, evaluated: c.evaluatedNodes, feasible: c.feasibleNodes },
    rejected: [],
    scored: false,
    scores: [],
  };
  if (c.node) d.node = c.node;
  else if (c.message) d.message = c.message;
  const { classes, other } = rejectedClasses(c.groups);
  d.rejected = classes;
  if (other > 0) d.otherRejected = other;
  if (c.node) {
    d.scored = c.top !== undefined;
    d.scores = c.top ? scoreRows(c.top) : [{ node: c.node, total: 0, scores: {} }];
    if (c.skipped) d.skipped = c.skipped;
  }
  return d;
}

/** captureDecision and compactCapture in one go (the planner, `skiff why`, tests). */
export function compactDecision(pod: Pod, res: ScheduleResult, trace: ScoreTrace | undefined, snapshot: Snapshot, opts: CompactOptions): Decision {
  return compactCapture(captureDecision(pod, res, trace, snapshot, opts));
}

// --- rejected nodes ---------------------------------------------------------------

interface Group {
  plugin: string;
  reasons: string[];
  count: number;
  names: string[];
  ranges: Map<string, Range>;
}

/** Captured groups merged by wording (one Status per taint object, say, reads the same), largest first. */
function rejectedClasses(captured: readonly CapturedGroup[]): { classes: NodeClass[]; other: number } {
  const byWording = new Map<string, Group>();
  for (const cg of captured) {
    const s = cg.status;
    const plugin = s.plugin ?? "";
    const key = `${plugin}\u0000${s.reasons.join("\u0000")}`;
    let g = byWording.get(key);
    if (!g) byWording.set(key, (g = { plugin, reasons: [...s.reasons], count: 0, names: [], ranges: new Map() }));
    g.count += cg.count;
    for (const n of cg.names) addExample(g.names, n);
    for (const [reason, r] of cg.ranges ?? []) {
      const m = g.ranges.get(reason);
      if (!m) g.ranges.set(reason, { ...r });
      else {
        m.freeMin = Math.min(m.freeMin, r.freeMin);
        m.freeMax = Math.max(m.freeMax, r.freeMax);
        m.allocMin = Math.min(m.allocMin, r.allocMin);
        m.allocMax = Math.max(m.allocMax, r.allocMax);
      }
    }
  }
  const groups = [...byWording.values()].sort((a, b) => b.count - a.count || cheapCompare(a.plugin, b.plugin) || cheapCompare(a.reasons.join(), b.reasons.join()));
  const classes: NodeClass[] = [];
  let other = 0;
  for (const g of groups) {
    if (classes.length >= MAX_CLASSES) {
      other += g.count;
      continue;
    }
    const c: NodeClass = { plugin: g.plugin, reasons: g.reasons, count: g.count, nodes: g.names };
    if (g.ranges.size > 0) c.details = [...g.ranges].map(([reason, r]) => detailLine(reason, r));
    classes.push(c);
  }
  return { classes, other };
}

const explainerMaps = new WeakMap<Profile, Map<string, FilterPlugin>>();

/** The profile's filters that can explain their rejections, by name. */
function explainersOf(profile: Profile): Map<string, FilterPlugin> {
  let m = explainerMaps.get(profile);
  if (!m) explainerMaps.set(profile, (m = new Map(profile.filter.filter((f) => f.explain).map((f) => [f.name, f]))));
  return m;
}

/**
 * Shorter first, then by code unit: "node-2" before "node-10" for the usual
 * prefix-and-number names, without a collator in the scheduling loop.
 */
function cheapCompare(a: string, b: string): number {
  return a.length - b.length || (a < b ? -1 : a > b ? 1 : 0);
}

/** Keep the CLASS_EXAMPLES smallest names in a short sorted list (a class may hold thousands). */
function addExample(out: string[], n: string): void {
  if (out.length === CLASS_EXAMPLES && cheapCompare(n, out[CLASS_EXAMPLES - 1]) >= 0) return;
  let at = out.length;
  while (at > 0 && cheapCompare(out[at - 1], n) > 0) at--;
  out.splice(at, 0, n);
  if (out.length > CLASS_EXAMPLES) out.pop();
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

function captureScores(c: DecisionCapture, trace: ScoreTrace): void {
  const n = trace.nodes.length;
  const totals = trace.totals;
  if (!totals || n <= 1) return;
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
  const plugins: string[] = [];
  const values: number[][] = [];
  for (const p of trace.plugins) {
    if (p.skipped) (c.skipped ??= {})[p.name] = p.skipped;
    if (!p.scores && !p.plugin) continue;
    plugins.push(p.name);
    values.push(top.map((i) => round(tracedScore(trace, p, i))));
  }
  c.top = { nodes: top.map((i) => trace.nodes[i].name), totals: top.map((i) => round(totals[i])), plugins, values };
}

function scoreRows(top: NonNullable<DecisionCapture["top"]>): ScoreRow[] {
  return top.nodes.map((node, r) => {
    const scores: Record<string, number> = {};
    top.plugins.forEach((p, k) => (scores[p] = top.values[k][r]));
    return { node, total: top.totals[r], scores };
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
