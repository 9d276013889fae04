// SPDY/3.1 on an upgraded connection (spdy-transport), as Kubernetes' Go
// clients speak it (moby/spdystream): the client opens every stream with a
// SYN_STREAM whose headers say what it is for, and waits for our SYN_REPLY.
import type { Duplex } from "node:stream";
import spdy, { type SpdyConnection, type SpdyStream } from "spdy-transport";

/** Serves SPDY on an upgraded socket (or a WebSocket turned into a stream); onStream sees each answered stream. */
export function spdyServer(socket: Duplex, onStream: (s: SpdyStream) => void): SpdyConnection {
  const conn = spdy.connection.create(socket, { protocol: "spdy", isServer: true, windowSize: 1 << 24 });
  conn.start(3.1);
  acceptStreamsWithoutHttpHeaders(conn);
  conn.on("error", () => socket.destroy());
  conn.on("stream", (s: SpdyStream) => {
    s.on("error", () => undefined); // a reset stream is a closed stream
    s.respond(200, {});
    onStream(s);
  });
  return conn;
}

interface KvParser {
  parseKVs(body: unknown, cb: (err: Error | null, headers: Record<string, string>) => void): void;
}

/**
 * spdy-transport carries HTTP over SPDY and rejects a SYN_STREAM without
 * :method and :path; Kubernetes' streams carry only their own headers
 * (streamtype, port, requestid). This connection's parser gets neutral
 * defaults for the two, so its streams are accepted; nothing else changes.
 */
function acceptStreamsWithoutHttpHeaders(conn: SpdyConnection): void {
  const parser = (conn as unknown as { _spdyState: { parser: KvParser } })._spdyState.parser;
  const parseKVs = parser.parseKVs.bind(parser);
  parser.parseKVs = (body, cb) =>
    parseKVs(body, (err, headers) => {
      if (headers) {
        headers[":method"] ??= "POST";
        headers[":path"] ??= "/";
      }
      cb(err, headers);
    });
}

/** The 101 answer for the plain upgrade, naming the negotiated subprotocol. */
export function spdyUpgradeResponse(protocol: string): string {
  return ["HTTP/1.1 101 Switching Protocols", "Connection: Upgrade", "Upgrade: SPDY/3.1", `X-Stream-Protocol-Version: ${protocol}`, "", ""].join("\r\n");
}
