// One TCP listening socket the proxy wants open or closed. A Service port with
// no ready endpoints does not listen at all, so the kernel refuses connections
// at once (ECONNREFUSED), like kube-proxy's REJECT rule, instead of accepting and
// hanging. Opening and closing are serialised here, because endpoints can flap
// faster than listen() completes.
import net from "node:net";

export type ListenerEvent =
  | { type: "listening"; host: string; port: number }
  | { type: "listen-error"; host: string; port: number; code: string; message: string }
  | { type: "closed"; host: string; port: number };

/** After a failed listen (EADDRINUSE, EADDRNOTAVAIL…), try again this often while still wanted. */
const RETRY_MS = 1000;

export class Listener {
  private server: net.Server | undefined;
  private wanted = false;
  private busy = false;
  private retryTimer: NodeJS.Timeout | undefined;
  /** Report a failing address once per episode, not on every retry. */
  private failing = false;
  private closedForGood = false;

  constructor(
    readonly host: string,
    readonly port: number,
    private readonly onConnection: (socket: net.Socket) => void,
    private readonly onEvent: (ev: ListenerEvent) => void,
  ) {}

  get isListening(): boolean {
    return this.server !== undefined;
  }

  /** Open (true) or close (false) the listening socket. Idempotent; accepted connections are never touched. */
  setWanted(wanted: boolean): void {
    if (this.closedForGood) return;
    this.wanted = wanted;
    void this.sync();
  }

  /** Resolves once the listener state matches what was last asked for (tests, start()). */
  async settled(): Promise<void> {
    while (this.busy) await new Promise((r) => setImmediate(r));
  }

  /** Stop listening for good; accepted connections keep running. */
  close(): void {
    this.wanted = false;
    this.closedForGood = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    void this.sync();
  }

  private async sync(): Promise<void> {
    if (this.busy) return; // the running loop re-reads `wanted`
    this.busy = true;
    try {
      while (this.wanted !== (this.server !== undefined)) {
        if (this.wanted) {
          const ok = await this.open();
          if (!ok) break;
        } else {
          const s = this.server!;
          this.server = undefined;
          // close() stops accepting now; its callback would wait for open
          // connections, which drain on their own, so it is not awaited.
          s.close();
          this.onEvent({ type: "closed", host: this.host, port: this.port });
        }
      }
    } finally {
      this.busy = false;
    }
  }

  private open(): Promise<boolean> {
    return new Promise((resolve) => {
      // pauseOnConnect: nothing is read from the client until the upstream is
      // connected and the sockets are piped, so backpressure holds from byte one.
      const server = net.createServer({ allowHalfOpen: true, pauseOnConnect: true, noDelay: true }, this.onConnection);
      const onError = (e: NodeJS.ErrnoException) => {
        server.removeListener("listening", onListening);
        if (!this.failing) {
          this.failing = true;
          this.onEvent({ type: "listen-error", host: this.host, port: this.port, code: e.code ?? "UNKNOWN", message: e.message });
        }
        if (!this.closedForGood) {
          this.retryTimer = setTimeout(() => {
            this.retryTimer = undefined;
            void this.sync();
          }, RETRY_MS);
          this.retryTimer.unref();
        }
        resolve(false);
      };
      const onListening = () => {
        server.removeListener("error", onError);
        // Later server errors (rare: EMFILE on accept) must not crash the process.
        server.on("error", (e: NodeJS.ErrnoException) =>
          this.onEvent({ type: "listen-error", host: this.host, port: this.port, code: e.code ?? "UNKNOWN", message: e.message }),
        );
        this.failing = false;
        this.server = server;
        this.onEvent({ type: "listening", host: this.host, port: this.port });
        resolve(true);
      };
      server.once("error", onError);
      server.once("listening", onListening);
      server.listen({ host: this.host, port: this.port, backlog: 1024 });
    });
  }
}
