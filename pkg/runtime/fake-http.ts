// The fake runtime's optional "echo server": a tiny HTTP server per published
// port of a running fake container, answering with the pod name, so services and
// load balancing can be tested end to end without Docker.
import http from "node:http";

export interface EchoServerOptions {
  host: string;
  port: number;
  /** Body of every 2xx answer (and the x-skiff-pod header). */
  podName: string;
  /** Status per path; default 200. */
  status?: (path: string) => number;
}

export class EchoServer {
  private readonly server: http.Server;

  private constructor(private readonly opts: EchoServerOptions) {
    this.server = http.createServer((req, res) => {
      const code = opts.status?.(req.url ?? "/") ?? 200;
      res.writeHead(code, { "content-type": "text/plain", "x-skiff-pod": opts.podName });
      res.end(code < 300 ? opts.podName : `status ${code} from ${opts.podName}`);
    });
  }

  /** Resolves once listening; rejects with the listen error (EADDRINUSE…). */
  static async listen(opts: EchoServerOptions): Promise<EchoServer> {
    const s = new EchoServer(opts);
    await new Promise<void>((resolve, reject) => {
      s.server.once("error", reject);
      s.server.listen(opts.port, opts.host, () => {
        s.server.off("error", reject);
        resolve();
      });
    });
    return s;
  }

  get address(): string {
    return `${this.opts.host}:${this.opts.port}`;
  }

  /** Stops listening and drops open connections, like a process that died. Idempotent. */
  async close(): Promise<void> {
    if (!this.server.listening) return;
    const closed = new Promise<void>((r) => this.server.close(() => r()));
    this.server.closeAllConnections();
    await closed;
  }
}
