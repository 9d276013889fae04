// The part of spdy-transport (no types of its own) that skiff's SPDY/3.1 servers use.
declare module "spdy-transport" {
  import type { EventEmitter } from "node:events";
  import type { Duplex } from "node:stream";

  export interface SpdyStream extends Duplex {
    readonly id: number;
    /** Header names arrive lower-cased (SPDY/3 requires it). */
    readonly headers: Record<string, string>;
    /** SYN_REPLY: the Go client (spdystream) waits for it before using the stream. */
    respond(status: number, headers: Record<string, string>, callback?: (err?: Error) => void): void;
    abort(callback?: () => void): void;
  }

  export interface SpdyConnection extends EventEmitter {
    on(event: "stream", listener: (stream: SpdyStream) => void): this;
    on(event: "error" | "close", listener: (err?: Error) => void): this;
    on(event: string, listener: (...args: unknown[]) => void): this;
    start(version: number): void;
    end(callback?: () => void): void;
  }

  export const connection: {
    create(socket: Duplex, options: { protocol: "spdy" | "http2"; isServer: boolean; windowSize?: number; maxChunk?: number | false; autoSpdy31?: boolean }): SpdyConnection;
  };
}
