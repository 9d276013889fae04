// The text `skiff why pod NAME` prints: placement with its score table, the
// rejected node classes with plugin and numbers, and the pod's history.
import { since } from "../describe/index.js";
import { TabWriter } from "../describe/index.js";
import type { Decision, NodeClass } from "../scheduler/decision.js";
import type { WhyReport } from "./why.js";

/** "NodeResourcesLeastAllocated" → "LeastAllocated": the table stays readable. */
export function shortPluginName(name: string): string {
  return name.startsWith("NodeResources") && name.length > "NodeResources".length ? name.slice("NodeResources".length) : name;
}

export function formatWhy(r: WhyReport, now = new Date()): string {
  const out: string[] = [];
  const head = new TabWriter();
  head.write(`Pod:\t${r.namespace}/${r.pod}\n`);
  if (r.owners.length > 0) head.write(`Created by:\t${r.owners.map((o) => `${o.kind}/${o.name}`).join(" <- ")}\n`);
  const where = r.node ? ` on ${r.node}` : "";
  head.write(`Status:\t${r.phase}${where}${r.deletionTimestamp ? ` (terminating since ${r.deletionTimestamp})` : ""}\n`);
  head.write(`Requests:\tcpu ${r.requests.cpu}, memory ${r.requests.memory}\n`);
  out.push(head.toString());

  if (r.recorded) {
    const d = r.recorded;
    const when = since(d.time, now);
    const attempt = d.attempts > 1 ? `, attempt ${d.attempts}` : "";
    if (d.result === "Scheduled") {
      out.push(`Placement (decided ${when} ago${attempt}): ${d.node} won among ${d.nodes.feasible} feasible of ${d.nodes.total} nodes (${d.nodes.evaluated} looked at)`);
      out.push(indent(formatScores(d), 2));
    } else {
      out.push(`Last scheduling attempt (${when} ago${attempt}): ${d.result}`);
      if (d.message) out.push(`  ${d.message}`);
    }
    if (d.rejected.length > 0) out.push("  Rejected nodes:", indent(formatClasses(d.rejected, d.otherRejected), 4));
  }
  if (r.now) {
    const d = r.now;
    out.push(`Why it is ${r.phase} now (the scheduler's plugins against the cluster as it is, ${d.nodes.total} nodes):`);
    if (d.result === "Scheduled") {
      out.push(`  it would fit now: ${d.node} would win among ${d.nodes.feasible} feasible nodes; the scheduler retries it on the next cluster event (or within a minute)`);
      out.push(indent(formatScores(d), 2));
    } else if (d.message) out.push(`  ${d.message}`);
    if (d.rejected.length > 0) out.push("  Rejected nodes:", indent(formatClasses(d.rejected, d.otherRejected), 4));
  }
  for (const n of r.notes) out.push(`Note: ${n}`);

  if (r.containers.length > 0) {
    const tw = new TabWriter();
    for (const c of r.containers) {
      tw.write(`  ${c.name}:\t${c.state}\t${c.restarts} restart${c.restarts === 1 ? "" : "s"}${c.lastTermination ? `\tlast ended: ${c.lastTermination}` : ""}\n`);
    }
    out.push("Containers:", tw.toString().replace(/\n$/, ""));
  }

  if (r.history.length === 0) out.push("History: <no events>");
  else {
    const tw = new TabWriter({ padding: 2 });
    tw.write("  AGE\tTYPE\tREASON\tOBJECT\tFROM\tMESSAGE\n");
    for (const h of r.history) {
      const count = h.count > 1 ? ` (x${h.count})` : "";
      tw.write(`  ${h.time ? since(new Date(h.time), now) : "<unknown>"}\t${h.type}\t${h.reason}\t${h.object}\t${h.source}\t${h.message}${count}\n`);
    }
    out.push("History:", tw.toString().replace(/\n$/, ""));
  }
  return out.filter((s) => s !== "").join("\n") + "\n";
}

/** The score table: one row per kept node, the winner marked with "*". */
export function formatScores(d: Decision): string {
  if (!d.scored) return d.node ? `only ${d.node} passed every filter: nothing to score` : "";
  const plugins: string[] = [];
  for (const row of d.scores) for (const p of Object.keys(row.scores)) if (!plugins.includes(p)) plugins.push(p);
  const tw = new TabWriter();
  tw.write(["NODE", "TOTAL", ...plugins.map(shortPluginName)].join("\t") + "\n");
  for (const row of d.scores) {
    const mark = row.node === d.node ? " *" : "";
    tw.write([`${row.node}${mark}`, num(row.total), ...plugins.map((p) => (p in row.scores ? num(row.scores[p]) : "-"))].join("\t") + "\n");
  }
  let text = tw.toString().replace(/\n$/, "");
  if (d.scores.length > 1 && d.scores.every((r) => r.total === d.scores[0].total)) {
    text += "\n(a tie: the scheduler takes the first node it looked at, in name order from where its last scan stopped)";
  }
  if (d.nodes.feasible > d.scores.length) text += `\n(top ${d.scores.length} of ${d.nodes.feasible} feasible nodes; scores are weight × normalised 0-100)`;
  else text += "\n(scores are weight × normalised 0-100)";
  const skipped = Object.entries(d.skipped ?? {});
  if (skipped.length > 0) {
    text += `\n(not scored: ${skipped.map(([p, why]) => `${shortPluginName(p)} ${why === "prescore" ? "does not apply to this pod" : "gave every node the same score"}`).join("; ")})`;
  }
  return text;
}

export function formatClasses(classes: NodeClass[], other?: number): string {
  const tw = new TabWriter();
  tw.write("PLUGIN\tNODES\tREASON\n");
  for (const c of classes) {
    const more = c.count > c.nodes.length ? `, +${c.count - c.nodes.length} more` : "";
    const nodes = `${c.count} (${c.nodes.join(", ")}${more})`;
    const reasons = c.details && c.details.length > 0 ? mergeDetails(c.reasons, c.details) : c.reasons;
    tw.write(`${c.plugin}\t${nodes}\t${reasons.join("; ")}\n`);
  }
  if (other) tw.write(`…\t${other} more nodes in smaller classes\t\n`);
  return tw.toString().replace(/\n$/, "");
}

/** Each reason replaced by its detailed line when there is one. */
function mergeDetails(reasons: string[], details: string[]): string[] {
  return reasons.map((r) => details.find((d) => d.startsWith(`${r}:`)) ?? r);
}

function num(x: number): string {
  return Number.isInteger(x) ? String(x) : x.toFixed(1);
}

function indent(text: string, n: number): string {
  const pad = " ".repeat(n);
  return text
    .split("\n")
    .map((l) => (l ? pad + l : l))
    .join("\n");
}
