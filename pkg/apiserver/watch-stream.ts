// Stream watch events to an HTTP client: one JSON object per line, as the
// Kubernetes API server does. A client that stops reading is cut off once its
// unsent backlog passes a bound, so one slow consumer cannot grow the server's
// memory without limit.
import type { ServerResponse } from "node:http";
import type { WatchEvent } from "../api/types.js";

export interface WatchStreamOptions {
  /** Close after this long (kubectl asks for timeoutSeconds). */
  timeoutMs: number;
  /** Send BOOKMARK events this often when the client allows them (0 = never). */
  bookmarkEveryMs: number;
  /** Cut the client off when this many bytes are queued unsent. */
  maxBacklogBytes: number;
  /** Current resourceVersion for bookmarks. */
  currentRv: () => Promise<string>;
  bookmarkObject: (rv: string) => unknown;
}

export class WatchStream {
  private closed = false;
  private timers: NodeJS.Timeout[] = [];
  private onCloseFns: Array<() => void> = [];

  constructor(
    private readonly res: ServerResponse,
    private readonly opts: WatchStreamOptions,
  ) {
    res.writeHead(200, {
      "Content-Type": "application/json",
      "Cache-Control": "no-cache, private",
      "Transfer-Encoding": "chunked",
    });
    res.flushHeaders();
    res.on("close", () => this.close());
    this.timers.push(setTimeout(() => this.close(), opts.timeoutMs));
    if (opts.bookmarkEveryMs > 0) {
      this.timers.push(
        setInterval(() => {
          opts.currentRv().then(
            (rv) => this.send({ type: "BOOKMARK", object: opts.bookmarkObject(rv) } as WatchEvent),
            () => undefined,
          );
        }, opts.bookmarkEveryMs),
      );
    }
  }

  get isClosed(): boolean {
    return this.closed;
  }

  onClose(fn: () => void): void {
    if (this.closed) fn();
    else this.onCloseFns.push(fn);
  }

  send(ev: WatchEvent<unknown>): void {
    if (this.closed) return;
    if (this.res.writableLength > this.opts.maxBacklogBytes) {
      // Slow consumer: drop it rather than buffer forever. The client relists.
      this.res.destroy();
      this.close();
      return;
    }
    this.res.write(JSON.stringify(ev) + "\n");
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const t of this.timers) clearTimeout(t);
    for (const fn of this.onCloseFns) fn();
    this.onCloseFns = [];
    if (!this.res.writableEnded) this.res.end();
  }
}
