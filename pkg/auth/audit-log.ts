// The audit log: one JSON line per API request in $SKIFF_HOME/audit.log (who,
// verb, resource, namespace, name, code, time). Requests never wait for the
// disk: lines go into a bounded buffer that one writer drains in batches. If
// the disk cannot keep up and the buffer fills, further lines are counted and
// the count is written as a line of its own, so a gap is never silent. The
// file is rotated at 10 MiB, keeping audit.log.1 … audit.log.3.
import { appendFile, rename, stat, unlink } from "node:fs/promises";
import type { AuditEntry } from "../apiserver/server.js";

export interface AuditLogOptions {
  /** Rotate when the file would grow past this (default 10 MiB). */
  maxBytes?: number;
  /** Rotated files kept (default 3). */
  keep?: number;
  /** Lines held in memory before new ones are dropped (default 10 000). */
  maxBuffered?: number;
}

export class AuditLog {
  private readonly maxBytes: number;
  private readonly keep: number;
  private readonly maxBuffered: number;
  private buffer: string[] = [];
  private dropped = 0;
  private size: number | undefined;
  private writing: Promise<void> | undefined;
  private failed = false;

  constructor(
    readonly path: string,
    opts: AuditLogOptions = {},
  ) {
    this.maxBytes = opts.maxBytes ?? 10 * 1024 * 1024;
    this.keep = opts.keep ?? 3;
    this.maxBuffered = opts.maxBuffered ?? 10_000;
  }

  /** Queue one entry; never blocks, never throws. */
  record(entry: AuditEntry): void {
    if (this.buffer.length >= this.maxBuffered) {
      this.dropped++;
      return;
    }
    this.buffer.push(JSON.stringify(entry) + "\n");
    this.writing ??= this.drain();
  }

  /** A function to hand to the API server's `audit` option. */
  get sink(): (entry: AuditEntry) => void {
    return (e) => this.record(e);
  }

  /** Resolves when everything queued so far is on disk. */
  async flush(): Promise<void> {
    while (this.writing) await this.writing;
  }

  private async drain(): Promise<void> {
    // Let the request that queued the line finish first; batch what piles up meanwhile.
    await new Promise((r) => setImmediate(r));
    try {
      while (this.buffer.length > 0 || this.dropped > 0) {
        const lines = this.buffer;
        this.buffer = [];
        if (this.dropped > 0) {
          lines.push(JSON.stringify({ time: new Date().toISOString(), dropped: this.dropped, reason: "audit buffer full" }) + "\n");
          this.dropped = 0;
        }
        await this.write(lines);
      }
    } finally {
      this.writing = undefined;
    }
  }

  /** Append lines, rotating between them whenever the next would push the file past the limit. */
  private async write(lines: string[]): Promise<void> {
    try {
      this.size ??= await stat(this.path).then(
        (s) => s.size,
        () => 0,
      );
      let chunk = "";
      for (const line of lines) {
        const bytes = Buffer.byteLength(line);
        if (this.size > 0 && this.size + bytes > this.maxBytes) {
          if (chunk) await appendFile(this.path, chunk, { mode: 0o600 });
          chunk = "";
          await this.rotate();
        }
        chunk += line;
        this.size += bytes;
      }
      if (chunk) await appendFile(this.path, chunk, { mode: 0o600 });
      this.failed = false;
    } catch (e) {
      // Report once per failure streak; the API keeps serving either way.
      if (!this.failed) console.error(`audit: cannot write ${this.path}: ${(e as Error).message}`);
      this.failed = true;
      this.size = undefined; // re-read the real size next time
    }
  }

  private async rotate(): Promise<void> {
    await unlink(`${this.path}.${this.keep}`).catch(() => undefined);
    for (let i = this.keep - 1; i >= 1; i--) await rename(`${this.path}.${i}`, `${this.path}.${i + 1}`).catch(() => undefined);
    await rename(this.path, `${this.path}.1`);
    this.size = 0;
  }
}
