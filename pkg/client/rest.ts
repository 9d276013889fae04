// A small HTTPS client for the skiff (or any Kubernetes) API: bearer token,
// cluster CA, keep-alive, Status bodies turned back into ApiError, and line-
// delimited watch streams.
import http from "node:http";
import https from "node:https";
import { ApiError, type Status, type StatusReason } from "../api/errors.js";
import { apiVersionOf, type ResourceInfo } from "../api/kinds.js";
import type { ClusterConnection } from "./kubeconfig.js";

export interface RequestOptions {
  query?: Record<string, string | number | boolean | undefined>;
  body?: unknown;
  /** Defaults to application/json when a body is given. */
  contentType?: string;
  accept?: string;
  /** Raw text response instead of JSON (logs). */
  text?: boolean;
}

/** The server could not be reached at all (as opposed to answering with an error). */
export class ConnectionError extends Error {
  override name = "ConnectionError";
  constructor(
    readonly server: string,
    readonly causeCode: string,
    message: string,
  ) {
    super(message);
  }
}

export interface StreamHandle {
  close(): void;
  /** Resolves when the server ends the stream or close() is called. */
  done: Promise<void>;
}

export function resourcePath(info: ResourceInfo, namespace?: string, name?: string, subresource?: string): string {
  const prefix = info.group === "" ? "/api/v1" : `/apis/${apiVersionOf(info)}`;
  const ns = info.namespaced && namespace ? `/namespaces/${encodeURIComponent(namespace)}` : "";
  const n = name ? `/${encodeURIComponent(name)}` : "";
  const sub = subresource ? `/${subresource}` : "";
  return `${prefix}${ns}/${info.plural}${n}${sub}`;
}

export class RestClient {
  private readonly url: URL;
  private readonly agent: http.Agent;
  readonly warnings: string[] = [];

  constructor(readonly conn: ClusterConnection) {
    this.url = new URL(conn.server);
    this.agent =
      this.url.protocol === "https:"
        ? new https.Agent({ keepAlive: true, ca: conn.caPem, maxSockets: 64 })
        : new http.Agent({ keepAlive: true, maxSockets: 64 });
  }

  close(): void {
    this.agent.destroy();
  }

  async request<T = unknown>(method: string, path: string, opts: RequestOptions = {}): Promise<T> {
    const res = await this.send(method, path, opts);
    const text = await readBody(res);
    this.collectWarnings(res);
    if ((res.statusCode ?? 500) >= 400) throw errorFromResponse(res.statusCode ?? 500, text);
    if (opts.text) return text as T;
    return (text ? JSON.parse(text) : undefined) as T;
  }

  /** Open a streaming GET (watch, log -f); onLine gets each line of the body. */
  async stream(path: string, opts: RequestOptions, onLine: (line: string) => void): Promise<StreamHandle> {
    const res = await this.send("GET", path, opts);
    if ((res.statusCode ?? 500) >= 400) throw errorFromResponse(res.statusCode ?? 500, await readBody(res));
    res.setEncoding("utf8");
    let buf = "";
    const done = new Promise<void>((resolve) => {
      res.on("data", (chunk: string) => {
        buf += chunk;
        let i: number;
        while ((i = buf.indexOf("\n")) >= 0) {
          const line = buf.slice(0, i);
          buf = buf.slice(i + 1);
          if (line.length > 0) onLine(line);
        }
      });
      res.on("end", () => {
        if (buf.length > 0) onLine(buf);
        resolve();
      });
      res.on("close", () => resolve());
      res.on("error", () => resolve());
    });
    return { close: () => res.destroy(), done };
  }

  private send(method: string, path: string, opts: RequestOptions): Promise<http.IncomingMessage> {
    const query = new URLSearchParams();
    for (const [k, v] of Object.entries(opts.query ?? {})) if (v !== undefined) query.set(k, String(v));
    const qs = query.toString();
    const body = opts.body === undefined ? undefined : typeof opts.body === "string" ? opts.body : JSON.stringify(opts.body);
    const headers: Record<string, string> = { Accept: opts.accept ?? "application/json", "User-Agent": "skiff" };
    if (this.conn.token) headers.Authorization = `Bearer ${this.conn.token}`;
    if (body !== undefined) {
      headers["Content-Type"] = opts.contentType ?? "application/json";
      headers["Content-Length"] = String(Buffer.byteLength(body));
    }
    const mod = this.url.protocol === "https:" ? https : http;
    return new Promise((resolve, reject) => {
      const req = mod.request(
        {
          protocol: this.url.protocol,
          hostname: this.url.hostname,
          port: this.url.port,
          method,
          path: `${this.url.pathname.replace(/\/$/, "")}${path}${qs ? `?${qs}` : ""}`,
          headers,
          agent: this.agent,
        },
        resolve,
      );
      req.on("error", (e: NodeJS.ErrnoException) => {
        reject(new ConnectionError(this.conn.server, e.code ?? "EUNKNOWN", `cannot reach ${this.conn.server}: ${e.message}`));
      });
      if (body !== undefined) req.write(body);
      req.end();
    });
  }

  private collectWarnings(res: http.IncomingMessage): void {
    const w = res.headers.warning;
    if (!w) return;
    for (const m of String(w).matchAll(/299 - "((?:[^"\\]|\\.)*)"/g)) this.warnings.push(JSON.parse(`"${m[1]}"`) as string);
  }
}

function readBody(res: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    res.on("data", (c: Buffer) => chunks.push(c));
    res.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    res.on("error", reject);
  });
}

function errorFromResponse(code: number, text: string): ApiError {
  try {
    const s = JSON.parse(text) as Partial<Status>;
    if (s.kind === "Status") return new ApiError((s.reason || reasonFor(code)) as StatusReason, s.message ?? text, s.details ?? {});
  } catch {
    // not a Status body; fall through
  }
  return new ApiError(reasonFor(code), text || `HTTP ${code}`);
}

function reasonFor(code: number): StatusReason {
  const map: Record<number, StatusReason> = { 400: "BadRequest", 401: "Unauthorized", 403: "Forbidden", 404: "NotFound", 409: "Conflict", 410: "Gone", 413: "RequestEntityTooLarge", 415: "UnsupportedMediaType", 422: "Invalid", 429: "TooManyRequests", 503: "ServiceUnavailable" };
  return map[code] ?? "InternalError";
}
