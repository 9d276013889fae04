// The diff `skiff apply --plan` shows: live object against what the server's
// dry run says it would become, both as YAML without the fields the server
// manages (status, uid, resourceVersion, timestamps, the last-applied
// annotation…), as a unified diff with three lines of context.
import { stringify } from "yaml";
import type { KubeObject } from "../api/types.js";

const SERVER_METADATA = ["uid", "resourceVersion", "generation", "creationTimestamp", "managedFields", "selfLink", "deletionTimestamp", "deletionGracePeriodSeconds"];
const SERVER_ANNOTATIONS = ["kubectl.kubernetes.io/last-applied-configuration", "deployment.kubernetes.io/revision", "deployment.kubernetes.io/desired-replicas", "deployment.kubernetes.io/max-replicas"];

/** A copy without status and server-managed metadata, keys sorted, for comparing and printing. */
export function stripServerFields(obj: KubeObject): Record<string, unknown> {
  const c = structuredClone(obj) as Record<string, unknown> & KubeObject;
  delete c.status;
  const meta: Record<string, unknown> = c.metadata;
  for (const k of SERVER_METADATA) delete meta[k];
  const ann = c.metadata.annotations;
  if (ann) {
    for (const k of SERVER_ANNOTATIONS) delete ann[k];
    if (Object.keys(ann).length === 0) delete c.metadata.annotations;
  }
  return sortKeys(c) as Record<string, unknown>;
}

function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v && typeof v === "object") {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(v).sort()) {
      const x = (v as Record<string, unknown>)[k];
      if (x !== undefined) out[k] = sortKeys(x);
    }
    return out;
  }
  return v;
}

export function toComparableYaml(obj: KubeObject | undefined): string {
  return obj ? stringify(stripServerFields(obj), { lineWidth: 0 }) : "";
}

type Op = { kind: " " | "-" | "+"; text: string };

/** Line operations turning a into b (longest common subsequence; manifests are small). */
export function diffLines(a: string[], b: string[]): Op[] {
  const n = a.length;
  const m = b.length;
  // lcs[i][j]: LCS length of a[i..] and b[j..], in one flat array.
  const w = m + 1;
  const lcs = new Uint32Array((n + 1) * w);
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      lcs[i * w + j] = a[i] === b[j] ? lcs[(i + 1) * w + j + 1] + 1 : Math.max(lcs[(i + 1) * w + j], lcs[i * w + j + 1]);
    }
  }
  const ops: Op[] = [];
  let i = 0;
  let j = 0;
  while (i < n && j < m) {
    if (a[i] === b[j]) {
      ops.push({ kind: " ", text: a[i] });
      i++;
      j++;
    } else if (lcs[(i + 1) * w + j] >= lcs[i * w + j + 1]) ops.push({ kind: "-", text: a[i++] });
    else ops.push({ kind: "+", text: b[j++] });
  }
  while (i < n) ops.push({ kind: "-", text: a[i++] });
  while (j < m) ops.push({ kind: "+", text: b[j++] });
  return ops;
}

/** A unified diff ("--- live", "+++ applied", "@@ -l,n +l,n @@" hunks); "" when equal. */
export function unifiedDiff(before: string, after: string, opts: { from?: string; to?: string; context?: number } = {}): string {
  if (before === after) return "";
  const split = (s: string) => (s === "" ? [] : s.replace(/\n$/, "").split("\n"));
  const ops = diffLines(split(before), split(after));
  const ctx = opts.context ?? 3;
  const out = [`--- ${opts.from ?? "live"}`, `+++ ${opts.to ?? "applied"}`];
  // Line numbers of each op in a and b.
  const posA: number[] = [];
  const posB: number[] = [];
  let la = 1;
  let lb = 1;
  for (const op of ops) {
    posA.push(la);
    posB.push(lb);
    if (op.kind !== "+") la++;
    if (op.kind !== "-") lb++;
  }
  let k = 0;
  while (k < ops.length) {
    if (ops[k].kind === " ") {
      k++;
      continue;
    }
    // A hunk: from ctx lines before this change to ctx lines after the last change within 2*ctx.
    const start = Math.max(0, k - ctx);
    let end = k;
    let last = k;
    while (end < ops.length) {
      if (ops[end].kind !== " ") last = end;
      else if (end - last > 2 * ctx) break;
      end++;
    }
    end = Math.min(ops.length, last + ctx + 1);
    const hunk = ops.slice(start, end);
    const aCount = hunk.filter((o) => o.kind !== "+").length;
    const bCount = hunk.filter((o) => o.kind !== "-").length;
    const aStart = aCount === 0 ? posA[start] - 1 : posA[start];
    const bStart = bCount === 0 ? posB[start] - 1 : posB[start];
    out.push(`@@ -${aStart},${aCount} +${bStart},${bCount} @@`);
    for (const o of hunk) out.push(`${o.kind}${o.text}`);
    k = end;
  }
  return out.join("\n") + "\n";
}
