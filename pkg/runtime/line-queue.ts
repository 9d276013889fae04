// A push-to-pull bridge for log lines: producers push() lines (or raw chunks
// through a LineSplitter), a consumer iterates with `for await`. Leaving the loop
// early calls onClose so the producer can drop its stream or timer.

export class LineQueue implements AsyncIterable<string> {
  private buffered: string[] = [];
  private waiter: (() => void) | undefined;
  private ended = false;
  private failure: unknown;
  private closed = false;

  constructor(private readonly onClose: () => void = () => {}) {}

  push(line: string): void {
    if (this.ended) return;
    this.buffered.push(line);
    this.wake();
  }

  /** No more lines; iteration finishes after the buffered ones. Idempotent. */
  end(err?: unknown): void {
    if (this.ended) return;
    this.ended = true;
    this.failure = err;
    this.wake();
  }

  private wake(): void {
    const w = this.waiter;
    this.waiter = undefined;
    w?.();
  }

  private close(): void {
    if (this.closed) return;
    this.closed = true;
    this.ended = true;
    this.onClose();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<string> {
    try {
      for (;;) {
        if (this.buffered.length > 0) {
          // swap the array out so a slow consumer does not make shift() quadratic
          const batch = this.buffered;
          this.buffered = [];
          for (const line of batch) yield line;
          continue;
        }
        if (this.ended) {
          if (this.failure !== undefined) throw this.failure;
          return;
        }
        await new Promise<void>((r) => (this.waiter = r));
      }
    } finally {
      this.close();
    }
  }
}

/** Splits chunks into lines; keeps the unfinished tail until the next chunk or flush(). */
export class LineSplitter {
  private tail = "";
  constructor(private readonly emit: (line: string) => void) {}

  write(chunk: Buffer | string): void {
    const text = this.tail + (typeof chunk === "string" ? chunk : chunk.toString("utf8"));
    const parts = text.split("\n");
    this.tail = parts.pop() ?? "";
    for (const p of parts) this.emit(p.endsWith("\r") ? p.slice(0, -1) : p);
  }

  flush(): void {
    if (this.tail !== "") this.emit(this.tail);
    this.tail = "";
  }
}
