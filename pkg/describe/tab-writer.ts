// kubectl describe's text layout: Go's text/tabwriter (minwidth 0, padding 2,
// padchar ' ') behind kubectl's PrefixWriter (two spaces per level). Cells end
// at '\t'; a column is as wide as its widest cell in a run of consecutive lines
// that have that column, so "Name:", "Namespace:"… line up until a line without
// tabs ("Containers:") breaks the run — exactly where kubectl's output breaks.

export const LEVEL_0 = 0;
export const LEVEL_1 = 1;
export const LEVEL_2 = 2;
export const LEVEL_3 = 3;

interface Cell {
  text: string;
  width: number;
}

export interface TabWriterOptions {
  /** Narrowest a column may be, padding included. describe: 0; kubectl's get/events writer: 6. */
  minWidth?: number;
  /** Spaces after the widest cell. describe: 2; get/events: 3. */
  padding?: number;
  /** Columns never get narrower across flushes (tabwriter.RememberWidths, for watch output). */
  rememberWidths?: boolean;
}

const widthOf = (s: string) => [...s].length;

/** Port of Go's tabwriter.Writer.format for one flushed segment. */
function formatLines(lines: Cell[][], minWidth: number, padding: number, remembered: number[] | undefined): string {
  const out: string[] = [];
  const widths: number[] = [];

  const writeLines = (line0: number, line1: number) => {
    for (let i = line0; i < line1; i++) {
      let s = "";
      lines[i].forEach((c, j) => {
        s += c.text;
        if (j < widths.length) s += " ".repeat(Math.max(0, widths[j] - c.width));
      });
      out.push(s);
    }
  };

  const format = (line0: number, line1: number) => {
    const column = widths.length;
    for (let self = line0; self < line1; self++) {
      if (column >= lines[self].length - 1) continue;
      // A cell exists in this column: print the lines before the block, then size the block.
      writeLines(line0, self);
      line0 = self;
      let width = Math.max(minWidth, remembered?.[column] ?? 0);
      for (; self < line1; self++) {
        const line = lines[self];
        if (column >= line.length - 1) break;
        width = Math.max(width, line[column].width + padding);
      }
      if (remembered) remembered[column] = width;
      widths.push(width);
      format(line0, self);
      widths.pop();
      line0 = self;
    }
    writeLines(line0, line1);
  };

  format(0, lines.length);
  return out.join("\n");
}

/** Collects text; flush() lays out everything written since the last flush. */
export class TabWriter {
  private pending = "";
  private done = "";
  private readonly minWidth: number;
  private readonly padding: number;
  private readonly remembered: number[] | undefined;

  constructor(opts: TabWriterOptions = {}) {
    this.minWidth = opts.minWidth ?? 0;
    this.padding = opts.padding ?? 2;
    this.remembered = opts.rememberWidths ? [] : undefined;
  }

  write(text: string): void {
    this.pending += text;
  }

  flush(): void {
    if (this.pending === "") return;
    const endsWithNewline = this.pending.endsWith("\n");
    const raw = (endsWithNewline ? this.pending.slice(0, -1) : this.pending).split("\n");
    const lines = raw.map((l) => l.split("\t").map((text) => ({ text, width: widthOf(text) })));
    this.done += formatLines(lines, this.minWidth, this.padding, this.remembered) + (endsWithNewline ? "\n" : "");
    this.pending = "";
  }

  toString(): string {
    this.flush();
    return this.done;
  }

  /** The laid-out text since the last take(), for streaming output. */
  take(): string {
    const s = this.toString();
    this.done = "";
    return s;
  }

  /** Everything written, without alignment (only before any flush). */
  raw(): string {
    return this.done + this.pending;
  }
}

/** kubectl's PrefixWriter: each write starts with two spaces per level. */
export class PrefixWriter {
  readonly tw = new TabWriter();

  /** Unaligned: the raw text with its tabs, as kubectl prints a revision's template. */
  constructor(private readonly aligned = true) {}

  write(level: number, text: string): void {
    this.tw.write("  ".repeat(level) + text);
  }

  /** fmt.Sprintln: the text and a newline, no indent. */
  writeLine(text = ""): void {
    this.tw.write(`${text}\n`);
  }

  /** Ends the current alignment block (kubectl flushes before the Events table). */
  flush(): void {
    this.tw.flush();
  }

  toString(): string {
    return this.aligned ? this.tw.toString() : this.tw.raw();
  }
}

/** tabbedString: run f against a fresh writer and return the laid-out text. */
export function tabbed(f: (w: PrefixWriter) => void): string {
  const w = new PrefixWriter();
  f(w);
  return w.toString();
}
