// Where scheduling decisions live: one ConfigMap per owner (the pod's
// controller, e.g. its ReplicaSet) in the pod's namespace, named
// skiff-decisions-<owner-uid>, holding the last N decisions (default 20), one
// per pod, newest last. Pods without a controller share
// skiff-decisions-standalone. The ConfigMap names its owner in ownerReferences,
// so the garbage collector removes it with the ReplicaSet.
//
// Bounded twice: a ConfigMap never holds more than N compact decisions (a few
// KB each, see decision.ts), and there is at most one per owner — 10,000 pods
// of 50 Deployments make 50 small objects, not 10,000 annotations.
//
// Written off the scheduling path: record() takes a cheap capture and queues
// it in memory; the records are compacted and written once the scheduler has
// been quiet for quietMs (250 ms), or every flushMs (5 s) during a burst —
// one write per owner however many of its pods were placed meanwhile
// (coalesced), a few writes at a time. A lost write (a conflict that keeps
// losing, an API error) loses a record, never a binding.
import { isApiError } from "../api/errors.js";
import { R } from "../api/kinds.js";
import type { KubeObject } from "../api/types.js";
import type { Client } from "../client/client.js";
import { captureDecision, compactCapture, type Decision, type DecisionCapture } from "./decision.js";
import type { Pod, Profile, ScoreTrace, Snapshot } from "./framework.js";
import type { ScheduleResult } from "./schedule-one.js";

export const DECISIONS_LABEL = "skiff.dev/scheduling-decisions";
export const DECISIONS_PREFIX = "skiff-decisions-";
export const STANDALONE_BUCKET = "standalone";
export const DEFAULT_MAX_PER_OWNER = 20;
/** Standalone pods share one ConfigMap per namespace, so it keeps more. */
const STANDALONE_FACTOR = 5;

export interface DecisionLocation {
  namespace: string;
  name: string;
  owner?: { apiVersion: string; kind: string; name: string; uid: string };
}

/** The ConfigMap that holds (or will hold) this pod's decision. */
export function decisionLocation(pod: Pod): DecisionLocation {
  const namespace = String(pod.metadata.namespace ?? "default");
  const ref = pod.metadata.ownerReferences?.find((r) => r.controller === true);
  if (!ref?.uid) return { namespace, name: DECISIONS_PREFIX + STANDALONE_BUCKET };
  return { namespace, name: DECISIONS_PREFIX + ref.uid, owner: { apiVersion: ref.apiVersion, kind: ref.kind, name: ref.name, uid: ref.uid } };
}

/** Decisions held by a ConfigMap, oldest first; [] for anything unreadable. */
export function decisionsOf(cm: KubeObject | undefined): Decision[] {
  const raw = (cm as { data?: Record<string, string> } | undefined)?.data?.decisions;
  if (!raw) return [];
  try {
    const v = JSON.parse(raw) as unknown;
    return Array.isArray(v) ? (v as Array<Decision | PackedDecision>).map(unpackDecision) : [];
  } catch {
    return [];
  }
}

/**
 * How a decision is stored: the score table as a header of plugin names and
 * rows of numbers ["node-2", 287, 87, 200], instead of the names repeated in
 * every row — about half the bytes, and the ConfigMaps are rewritten often.
 */
export interface PackedDecision extends Omit<Decision, "scores"> {
  table?: { plugins: string[]; rows: Array<[string, number, ...number[]]> };
}

export function packDecision(d: Decision): PackedDecision {
  const { scores, ...rest } = d;
  const plugins: string[] = [];
  for (const row of scores) for (const p of Object.keys(row.scores)) if (!plugins.includes(p)) plugins.push(p);
  return { ...rest, table: { plugins, rows: scores.map((r) => [r.node, r.total, ...plugins.map((p) => r.scores[p] ?? 0)] as [string, number, ...number[]]) } };
}

export function unpackDecision(p: Decision | PackedDecision): Decision {
  if (!("table" in p) || !p.table) return { ...(p as Decision), scores: (p as Decision).scores ?? [] };
  const { table, ...rest } = p;
  const scores = table.rows.map(([node, total, ...values]) => {
    const byPlugin: Record<string, number> = {};
    table.plugins.forEach((name, k) => (byPlugin[name] = values[k]));
    return { node, total, scores: byPlugin };
  });
  return { ...rest, scores };
}

/** The latest recorded decision for this pod (by uid, else by name), if any. */
export async function findDecision(client: Client, pod: Pod): Promise<Decision | undefined> {
  const loc = decisionLocation(pod);
  let cm: KubeObject;
  try {
    cm = await client.get(R.configmaps, loc.namespace, loc.name);
  } catch (e) {
    if (isApiError(e, "NotFound")) return undefined;
    throw e;
  }
  const all = decisionsOf(cm);
  const uid = pod.metadata.uid;
  for (let i = all.length - 1; i >= 0; i--) if ((uid && all[i].uid === uid) || (!uid && all[i].pod === pod.metadata.name)) return all[i];
  return undefined;
}

/** The scheduler's side: what it calls after every cycle. Must not block or throw. */
export interface DecisionSink {
  record(pod: Pod, res: ScheduleResult, trace: ScoreTrace, snapshot: Snapshot, attempts: number): void;
  /** Write everything recorded so far; resolves when written (or given up). */
  flush(): Promise<void>;
  stop(): Promise<void>;
}

export interface DecisionRecorderOptions {
  client: Client;
  /** Decisions kept per owner. Default 20. */
  maxPerOwner?: number;
  /** Longest time records gather during a burst before they are written. Default 5 s. */
  flushMs?: number;
  /** Records are written once none has come for this long. Default 250 ms. */
  quietMs?: number;
  /** ConfigMap writes in flight at once. Default 4. */
  maxConcurrentWrites?: number;
  /** The scheduler's profile, whose filters explain their rejections. */
  profile?: Profile;
  now?: () => number;
  onError?: (e: Error) => void;
}

interface Known {
  resourceVersion: string;
  decisions: Decision[];
}

/** Owners whose last written state is remembered (saves a GET per flush). */
const MAX_KNOWN = 4096;

export class DecisionRecorder implements DecisionSink {
  private readonly client: Client;
  private readonly max: number;
  private readonly flushMs: number;
  private readonly quietMs: number;
  private lastRecordAt = 0;
  private firstPendingAt = 0;
  private readonly concurrency: number;
  private readonly now: () => number;
  private readonly onError: (e: Error) => void;
  /**
   * "ns/name" → the location and the captures waiting to be written, by pod
   * name. Compaction happens at write time and only for the captures kept (the
   * newest N per owner), so a burst of one owner's pods costs little.
   */
  private pending = new Map<string, { loc: DecisionLocation; decisions: Map<string, DecisionCapture> }>();
  private readonly known = new Map<string, Known>();
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> | undefined;
  private stopped = false;
  /** Records compacted (for tests and benchmarks). */
  recorded = 0;
  /** ConfigMap writes made. */
  writes = 0;

  constructor(private readonly opts: DecisionRecorderOptions) {
    this.client = opts.client;
    this.max = Math.max(1, opts.maxPerOwner ?? DEFAULT_MAX_PER_OWNER);
    this.flushMs = opts.flushMs ?? 5000;
    this.quietMs = Math.min(opts.quietMs ?? 250, this.flushMs);
    this.concurrency = Math.max(1, opts.maxConcurrentWrites ?? 4);
    this.now = opts.now ?? Date.now;
    this.onError = opts.onError ?? (() => undefined);
  }

  record(pod: Pod, res: ScheduleResult, trace: ScoreTrace, snapshot: Snapshot, attempts: number): void {
    if (this.stopped) return;
    let d: DecisionCapture;
    try {
      d = captureDecision(pod, res, trace, snapshot, { nowMs: this.now(), attempts, profile: this.opts.profile });
    } catch (e) {
      this.onError(e instanceof Error ? e : new Error(String(e)));
      return;
    }
    this.recorded++;
    const loc = decisionLocation(pod);
    const key = `${loc.namespace}/${loc.name}`;
    let b = this.pending.get(key);
    if (!b) this.pending.set(key, (b = { loc, decisions: new Map() }));
    // Re-inserting moves the pod to the end: a Map keeps insertion order, so the oldest is first.
    const podName = String(pod.metadata.name ?? "");
    b.decisions.delete(podName);
    b.decisions.set(podName, d);
    const limit = this.limitFor(loc);
    while (b.decisions.size > limit) b.decisions.delete(b.decisions.keys().next().value!);
    const now = Date.now();
    this.lastRecordAt = now;
    if (!this.timer && !this.flushing) {
      this.firstPendingAt = now;
      this.arm();
    }
  }

  flush(): Promise<void> {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    return this.flushNow();
  }

  async stop(): Promise<void> {
    await this.flush();
    this.stopped = true;
  }

  /** Flush when quiet for quietMs, or flushMs after the first pending record, whichever comes first. */
  private arm(): void {
    const now = Date.now();
    const wait = Math.max(0, Math.min(this.lastRecordAt + this.quietMs - now, this.firstPendingAt + this.flushMs - now));
    this.timer = setTimeout(() => {
      this.timer = undefined;
      const t = Date.now();
      if (t - this.lastRecordAt >= this.quietMs || t - this.firstPendingAt >= this.flushMs) void this.flushNow();
      else this.arm();
    }, wait).unref();
  }

  private limitFor(loc: DecisionLocation): number {
    return loc.owner ? this.max : this.max * STANDALONE_FACTOR;
  }

  private flushNow(): Promise<void> {
    this.timer = undefined;
    // One flush at a time; records arriving meanwhile wait for the next.
    const run = (this.flushing ?? Promise.resolve()).then(async () => {
      const batch = [...this.pending.values()];
      this.pending = new Map();
      let next = 0;
      const worker = async () => {
        while (next < batch.length) {
          const b = batch[next++];
          await this.write(b.loc, [...b.decisions.values()].map(compactCapture)).catch((e: unknown) => this.onError(e instanceof Error ? e : new Error(String(e))));
        }
      };
      await Promise.all(Array.from({ length: Math.min(this.concurrency, batch.length) }, worker));
    });
    this.flushing = run;
    return run.finally(() => {
      if (this.flushing === run) this.flushing = undefined;
      if (this.pending.size > 0 && !this.timer && !this.stopped) {
        this.firstPendingAt = Date.now();
        this.arm();
      }
    });
  }

  private async write(loc: DecisionLocation, fresh: Decision[]): Promise<void> {
    const key = `${loc.namespace}/${loc.name}`;
    for (let attempt = 0; attempt < 5; attempt++) {
      let cur = this.known.get(key);
      if (!cur) {
        try {
          const cm = await this.client.get(R.configmaps, loc.namespace, loc.name);
          cur = { resourceVersion: String(cm.metadata.resourceVersion ?? ""), decisions: decisionsOf(cm) };
        } catch (e) {
          if (!isApiError(e, "NotFound")) throw e;
        }
      }
      const merged = mergeDecisions(cur?.decisions ?? [], fresh, this.limitFor(loc));
      const body = configMapFor(loc, merged, cur?.resourceVersion);
      try {
        const written = cur ? await this.client.update(R.configmaps, body) : await this.client.create(R.configmaps, loc.namespace, body);
        this.writes++;
        this.remember(key, { resourceVersion: String(written.metadata.resourceVersion ?? ""), decisions: merged });
        return;
      } catch (e) {
        this.known.delete(key);
        // Someone else wrote it (another scheduler, a user): read again and merge.
        if (isApiError(e, "Conflict") || isApiError(e, "AlreadyExists") || isApiError(e, "NotFound")) continue;
        // The namespace is going away: nothing to record into.
        if (isApiError(e, "Forbidden")) return;
        throw e;
      }
    }
  }

  private remember(key: string, k: Known): void {
    this.known.delete(key);
    this.known.set(key, k);
    if (this.known.size > MAX_KNOWN) this.known.delete(this.known.keys().next().value!);
  }
}

/** Old and new decisions, one per pod (the newer wins), oldest first, at most max. */
export function mergeDecisions(old: readonly Decision[], fresh: readonly Decision[], max: number): Decision[] {
  const byPod = new Map<string, Decision>();
  for (const d of old) byPod.set(d.pod, d);
  for (const d of fresh) {
    byPod.delete(d.pod);
    byPod.set(d.pod, d);
  }
  const all = [...byPod.values()];
  return all.length > max ? all.slice(all.length - max) : all;
}

function configMapFor(loc: DecisionLocation, decisions: Decision[], resourceVersion: string | undefined): KubeObject {
  const metadata: KubeObject["metadata"] = {
    name: loc.name,
    namespace: loc.namespace,
    labels: { [DECISIONS_LABEL]: "true" },
  };
  if (resourceVersion) metadata.resourceVersion = resourceVersion;
  if (loc.owner) metadata.ownerReferences = [{ ...loc.owner, blockOwnerDeletion: false }];
  return {
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata,
    data: {
      owner: loc.owner ? `${loc.owner.kind}/${loc.owner.name}` : "standalone pods",
      decisions: JSON.stringify(decisions.map(packDecision)),
    },
  };
}
