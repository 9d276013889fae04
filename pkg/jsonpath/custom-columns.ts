// `-o custom-columns=NAME:.metadata.name,IMAGE:.spec.containers[*].image`
// and `-o custom-columns-file=FILE` (a header line and a line of expressions),
// printed like kubectl: several results of one expression joined by ",", a
// missing value as <none>, columns padded by kubectl's tabwriter settings.
import { evaluate, JsonPathError, parseTemplate, relaxedExpression, type Literal, type Path } from "./jsonpath.js";

export interface CustomColumn {
  header: string;
  expr: Path | Literal;
}

export function parseCustomColumns(spec: string): CustomColumn[] {
  if (spec.trim() === "") throw new JsonPathError("custom-columns format specified but no custom columns given");
  return spec.split(",").map((part) => {
    const i = part.indexOf(":");
    if (i <= 0) throw new JsonPathError(`unexpected custom-columns spec: ${part}, expected <header>:<json-path-expr>`);
    return { header: part.slice(0, i), expr: singleExpression(part.slice(i + 1)) };
  });
}

/** The file form: headers on the first line, expressions on the second, whitespace separated. */
export function parseCustomColumnsFile(text: string): CustomColumn[] {
  const lines = text.split("\n").map((l) => l.trim()).filter((l) => l !== "");
  if (lines.length !== 2) throw new JsonPathError(`custom-columns file must have exactly two lines (headers and expressions), found ${lines.length}`);
  const headers = lines[0].split(/\s+/);
  const exprs = lines[1].split(/\s+/);
  if (headers.length !== exprs.length) throw new JsonPathError(`custom-columns file: ${headers.length} headers but ${exprs.length} expressions`);
  return headers.map((header, i) => ({ header, expr: singleExpression(exprs[i]) }));
}

function singleExpression(text: string): Path | Literal {
  const nodes = parseTemplate(relaxedExpression(text));
  const node = nodes[0];
  if (nodes.length !== 1 || node.t !== "expr" || node.exprs.length !== 1) throw new JsonPathError(`"${text}" is not a single field path`);
  return node.exprs[0];
}

export function customColumnCells(columns: CustomColumn[], obj: unknown): string[] {
  return columns.map((c) => {
    const values = evaluate(c.expr, obj).filter((v) => v !== undefined && v !== null);
    return values.length === 0 ? "<none>" : values.map(goValueText).join(",");
  });
}

/**
 * Go's text/tabwriter as kubectl configures it (minwidth 6, padding 3, pad
 * with spaces), so even a cell holding a newline lays out as kubectl's does:
 * a column's width is set per block of consecutive lines that have that
 * column, and the last cell of a line never pads.
 */
export function tabWrite(rows: string[][], minwidth = 6, padding = 3): string {
  const lines = rows.map((r) => r.join("\t")).join("\n").split("\n").map((l) => l.split("\t"));
  const width = (s: string) => [...s].length;
  let out = "";
  const widths: number[] = [];
  const writeLines = (from: number, to: number) => {
    for (let i = from; i < to; i++) {
      const line = lines[i];
      line.forEach((cell, j) => {
        if (j < widths.length && j < line.length - 1) out += cell + " ".repeat(Math.max(0, widths[j] - width(cell)));
        else out += cell;
      });
      out += "\n";
    }
  };
  const format = (line0: number, line1: number) => {
    const column = widths.length;
    for (let i = line0; i < line1; i++) {
      if (column >= lines[i].length - 1) continue;
      writeLines(line0, i);
      line0 = i;
      let w = minwidth;
      for (; i < line1 && column < lines[i].length - 1; i++) w = Math.max(w, width(lines[i][column]) + padding);
      widths.push(w);
      format(line0, i);
      widths.pop();
      line0 = i;
      i--; // the for loop's i++ must not skip the line that ended the block
    }
    writeLines(line0, line1);
  };
  format(0, lines.length);
  return out;
}

export function printCustomColumns(columns: CustomColumn[], objects: unknown[], opts: { noHeaders?: boolean } = {}): string {
  const rows = objects.map((o) => customColumnCells(columns, o));
  return tabWrite(opts.noHeaders ? rows : [columns.map((c) => c.header), ...rows]);
}

/**
 * A cell the way kubectl's custom columns print a value: Go's %v, so maps are
 * `map[k:v]` with sorted keys and lists `[a b]`.
 */
export function goValueText(v: unknown): string {
  if (v === null || v === undefined) return "<nil>";
  if (Array.isArray(v)) return `[${v.map(goValueText).join(" ")}]`;
  if (typeof v === "object") {
    const o = v as Record<string, unknown>;
    return `map[${Object.keys(o).sort().map((k) => `${k}:${goValueText(o[k])}`).join(" ")}]`;
  }
  if (typeof v === "number") return goNumber(v);
  return String(v);
}

/**
 * Whole numbers are int64 in kubectl's decoded objects and print plainly;
 * fractions are float64, printed as %v does (strconv 'g', shortest: exponent
 * form below 1e-4 and from 1e6 up).
 */
function goNumber(n: number): string {
  if (Number.isInteger(n)) return String(n);
  const abs = Math.abs(n);
  if (abs < 1e-4 || abs >= 1e6) {
    const [m, e] = n.toExponential().split("e");
    const exp = parseInt(e, 10);
    return `${m}e${exp < 0 ? "-" : "+"}${String(Math.abs(exp)).padStart(2, "0")}`;
  }
  return String(n);
}
