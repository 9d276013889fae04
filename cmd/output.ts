// Terminal output: kubectl-style aligned columns, colour only on a TTY (and
// never with NO_COLOR), and error messages that say what to do next.
import { stringify } from "yaml";
import type { Table } from "../pkg/api/printers.js";
import { ApiError } from "../pkg/api/errors.js";
import { ConnectionError } from "../pkg/client/rest.js";

export function useColour(stream: NodeJS.WriteStream = process.stdout): boolean {
  return !!stream.isTTY && !process.env.NO_COLOR && process.env.TERM !== "dumb";
}

export function bold(s: string): string {
  return useColour() ? `\x1b[1m${s}\x1b[0m` : s;
}

/** Columns separated by three spaces, left aligned, like kubectl's tabwriter. */
export function formatColumns(rows: string[][]): string {
  const widths: number[] = [];
  for (const r of rows) r.forEach((c, i) => (widths[i] = Math.max(widths[i] ?? 0, [...c].length)));
  return rows
    .map((r) => r.map((c, i) => (i === r.length - 1 ? c : c + " ".repeat(widths[i] - [...c].length))).join("   ").trimEnd())
    .join("\n");
}

export interface TablePrintOptions {
  wide: boolean;
  noHeaders?: boolean;
  /** Prefix a NAMESPACE column (get -A). */
  withNamespace?: boolean;
  showLabels?: boolean;
  /** Prefix names with "kind/" when several kinds are printed together. */
  kindPrefix?: string;
}

function cellText(v: unknown): string {
  if (v === null || v === undefined) return "<none>";
  if (typeof v === "string") return v;
  return String(v);
}

export function tableRows(table: Table, opts: TablePrintOptions): string[][] {
  const cols = table.columnDefinitions.map((c, i) => ({ c, i })).filter(({ c }) => opts.wide || c.priority === 0);
  const header = cols.map(({ c }) => c.name.toUpperCase());
  if (opts.withNamespace) header.unshift("NAMESPACE");
  if (opts.showLabels) header.push("LABELS");
  const rows = table.rows.map((row) => {
    const meta = (row.object as { metadata?: { namespace?: string; labels?: Record<string, string> } } | undefined)?.metadata;
    const cells = cols.map(({ c, i }) => {
      const text = cellText(row.cells[i]);
      return c.name === "Name" && opts.kindPrefix ? `${opts.kindPrefix}/${text}` : text;
    });
    if (opts.withNamespace) cells.unshift(meta?.namespace ?? "");
    if (opts.showLabels) {
      const labels = Object.entries(meta?.labels ?? {}).map(([k, v]) => `${k}=${v}`).join(",");
      cells.push(labels || "<none>");
    }
    return cells;
  });
  return opts.noHeaders ? rows : [header, ...rows];
}

export function toYaml(obj: unknown): string {
  // Keys sorted, as kubectl prints unstructured objects.
  return stringify(obj, { lineWidth: 0, sortMapEntries: true });
}

/** kubectl-like message for any error, with a hint where one helps. */
export function describeError(e: unknown, server?: string): string {
  if (e instanceof ConnectionError) {
    const host = new URL(server ?? e.server).host;
    if (e.causeCode === "ECONNREFUSED") {
      return `The connection to the server ${host} was refused - did you specify the right host or port? Start a cluster with \`skiff up\`.`;
    }
    return `${e.message} - is the cluster running? Start one with \`skiff up\`.`;
  }
  if (e instanceof ApiError) {
    if (e.reason === "Unauthorized") return "You must be logged in to the server (Unauthorized): check the token in your kubeconfig";
    return `Error from server (${e.reason}): ${e.message}`;
  }
  return e instanceof Error ? e.message : String(e);
}
