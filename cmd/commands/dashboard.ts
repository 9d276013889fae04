// `skiff dashboard`: print a one-time login link for the web dashboard. The CLI
// already holds the token (kubeconfig); it trades it, over HTTPS with the
// cluster CA, for a single-use ticket that expires in a minute, so the token
// itself never appears in a URL, a browser history or a terminal scrollback.
import { ApiError } from "../../pkg/api/errors.js";
import { connect, ExitError, type GlobalOptions } from "../context.js";

export async function runDashboard(o: { globals: GlobalOptions }): Promise<void> {
  const s = connect(o.globals);
  try {
    const t = await s.client.request<{ ticket: string; expiresAt: string }>("POST", "/ui/tickets");
    const base = s.conn.server.replace(/\/$/, "");
    process.stdout.write(`${base}/ui/login?ticket=${encodeURIComponent(t.ticket)}\n`);
    process.stderr.write(
      `Open the link within a minute; it logs in once. Afterwards go to ${base}/ui\n` +
        "(The certificate is signed by the cluster's own CA, ca.crt in the state dir: trust it, or accept the browser's warning.)\n",
    );
  } catch (e) {
    if (e instanceof ApiError && e.reason === "NotFound") {
      throw new ExitError(1, "error: this API server serves no dashboard (it was started without one)");
    }
    throw e;
  } finally {
    s.client.close();
  }
}
