// The text of `skiff apply --plan`: per object its diff and pod changes, then
// a summary line. Lines that add start with "+", removals with "-", pods that
// would stay Pending with "!".
import { naturalCompare } from "../scheduler/decision.js";
import { formatClasses } from "../why/index.js";
import type { Plan } from "./plan.js";
import type { WorkloadPlan } from "./workloads.js";

/** Individual pods listed per workload before the rest are only counted. */
const MAX_POD_LINES = 10;

export function formatPlan(plan: Plan): string {
  const out: string[] = [];
  for (const o of plan.objects) {
    const summary = o.workload?.summary ? ` (${o.workload.summary})` : "";
    out.push(`${o.ref}: ${o.action === "create" ? "will be created" : o.action === "update" ? "will be changed" : "unchanged"}${summary}`);
    if (o.diff) out.push(indent(o.diff.replace(/\n$/, ""), 2));
    if (o.workload) out.push(...formatWorkload(o.workload));
    out.push("");
  }
  const t = plan.totals;
  out.push(
    `Plan: ${t.create} to create, ${t.update} to change, ${t.unchanged} unchanged. ` +
      `Pods: ${t.podsCreated} to create, ${t.podsDeleted} to delete (${t.podsReplaced} replaced)${t.pending ? `, ${t.pending} would stay Pending` : ""}.`,
  );
  if (t.podsCreated > 0) {
    out.push(
      plan.exactPlacement
        ? `Placements are the scheduler's own: it looks at every node of this ${plan.nodes}-node cluster, in the same order.`
        : `Placements are the best nodes for each pod; with ${plan.nodes} nodes the scheduler samples some of them, so it may pick another node scored as well.`,
    );
  }
  if (!plan.changes) out.push("No changes: applying would leave the cluster as it is.");
  return out.join("\n") + "\n";
}

function formatWorkload(w: WorkloadPlan): string[] {
  const out: string[] = [];
  const placed = w.create.filter((p) => p.node);
  if (w.create.length > 0 || w.delete.length > 0) {
    const perNode = new Map<string, number>();
    for (const p of placed) perNode.set(p.node!, (perNode.get(p.node!) ?? 0) + 1);
    for (const d of w.delete) if (d.node) perNode.set(d.node, (perNode.get(d.node) ?? 0) - 1);
    const byNode = [...perNode]
      .filter(([, n]) => n !== 0)
      .sort(([a], [b]) => naturalCompare(a, b))
      .map(([node, n]) => `${node} ${n > 0 ? "+" : ""}${n}`);
    out.push(`  pods: +${w.create.length} -${w.delete.length}${byNode.length ? ` (net per node: ${byNode.join(", ")})` : ""}`);
  }
  // In the order the controllers would take them: a rolling update alternates.
  const lines: string[] = [];
  for (const s of w.steps) {
    if (s.op === "delete") {
      const d = w.delete[s.index];
      lines.push(`    - ${d.pod}${d.node ? ` (on ${d.node})` : ""}`);
      continue;
    }
    const p = w.create[s.index];
    if (p.node) lines.push(`    + ${p.pod} → ${p.node}${p.score !== undefined ? ` (score ${p.score} of ${p.feasible} feasible nodes)` : p.feasible === 1 ? " (the only feasible node)" : ""}`);
  }
  out.push(...lines.slice(0, MAX_POD_LINES));
  if (lines.length > MAX_POD_LINES) out.push(`    … and ${lines.length - MAX_POD_LINES} more`);
  // Pending pods, grouped by message: usually all of a workload's share one reason.
  const pending = new Map<string, { count: number; first: (typeof w.create)[number] }>();
  for (const p of w.create) {
    if (p.node) continue;
    const key = p.pending?.message ?? "no node fits";
    const g = pending.get(key);
    if (g) g.count++;
    else pending.set(key, { count: 1, first: p });
  }
  for (const [message, g] of pending) {
    out.push(`    ! ${g.count} pod${g.count === 1 ? "" : "s"} would stay Pending: ${message}`);
    if (g.first.pending && g.first.pending.rejected.length > 0) out.push(indent(formatClasses(g.first.pending.rejected, g.first.pending.otherRejected), 8));
  }
  for (const n of w.notes) out.push(`  note: ${n}`);
  return out;
}

function indent(text: string, n: number): string {
  const pad = " ".repeat(n);
  return text
    .split("\n")
    .map((l) => pad + l)
    .join("\n");
}
