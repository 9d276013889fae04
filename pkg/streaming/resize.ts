// Resize events arrive as JSON objects {"Width":W,"Height":H}: one per
// WebSocket message, or back to back on a SPDY stream (a json.Decoder stream).
import type { TerminalSize } from "../api/pod-stream.js";

export function parseSize(text: string): TerminalSize | undefined {
  try {
    const v = JSON.parse(text) as { Width?: unknown; Height?: unknown };
    const width = Number(v.Width);
    const height = Number(v.Height);
    if (!Number.isInteger(width) || !Number.isInteger(height) || width < 0 || height < 0 || width > 0xffff || height > 0xffff) return undefined;
    return { width, height };
  } catch {
    return undefined;
  }
}

export function encodeSize(size: TerminalSize): string {
  return JSON.stringify({ Width: size.width, Height: size.height });
}

/** Splits a byte stream of concatenated JSON objects; calls onSize for each valid one. */
export class SizeDecoder {
  private buf = "";

  constructor(private readonly onSize: (s: TerminalSize) => void) {}

  push(chunk: Buffer | string): void {
    this.buf += chunk.toString();
    for (;;) {
      const end = this.buf.indexOf("}");
      if (end < 0) break;
      const size = parseSize(this.buf.slice(this.buf.indexOf("{"), end + 1));
      this.buf = this.buf.slice(end + 1);
      if (size) this.onSize(size);
    }
    // garbage without braces must not grow forever
    if (this.buf.length > 4096) this.buf = "";
  }
}
