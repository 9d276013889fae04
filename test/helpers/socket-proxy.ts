// A unix-socket proxy in front of the real Docker engine that a test can cut
// (every connection dropped, the socket gone) and restore. The engine and
// everyone else's use of it are untouched: only the cluster pointed at this
// socket loses its runtime, which is real for that cluster's agents.
import net from "node:net";

export class SocketProxy {
  private server: net.Server | undefined;
  private readonly conns = new Set<net.Socket>();
  constructor(
    readonly path: string,
    private readonly upstream: string,
  ) {}

  get isUp(): boolean {
    return this.server !== undefined;
  }

  async up(): Promise<void> {
    if (this.server) return;
    const server = net.createServer((c) => {
      const u = net.connect(this.upstream);
      this.conns.add(c).add(u);
      c.pipe(u).pipe(c);
      const drop = () => (c.destroy(), u.destroy(), this.conns.delete(c), this.conns.delete(u));
      c.on("error", drop).on("close", drop);
      u.on("error", drop).on("close", drop);
    });
    this.server = server;
    await new Promise<void>((res) => server.listen(this.path, () => res()));
  }

  async down(): Promise<void> {
    const s = this.server;
    this.server = undefined;
    if (!s) return;
    await new Promise<void>((res) => {
      s.close(() => res());
      for (const c of this.conns) c.destroy();
    });
  }
}
