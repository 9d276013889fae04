// What every command needs: the global flags, a client for the current
// kubeconfig context, and a way to end with an exit code.
import { loadKubeconfig, KubeconfigError, type ClusterConnection } from "../pkg/client/kubeconfig.js";
import { RestClient } from "../pkg/client/rest.js";

export interface GlobalOptions {
  kubeconfig: string;
  namespace?: string;
  context?: string;
}

/** Thrown to end a command with a given exit code; the message goes to stderr. */
export class ExitError extends Error {
  constructor(
    readonly exitCode: number,
    message = "",
  ) {
    super(message);
  }
}

export interface Session {
  client: RestClient;
  conn: ClusterConnection;
  /** -n, else the context's namespace, else "default". */
  namespace: string;
}

export function connect(g: GlobalOptions): Session {
  let conn: ClusterConnection;
  try {
    conn = loadKubeconfig(g.kubeconfig, g.context);
  } catch (e) {
    if (e instanceof KubeconfigError) {
      throw new ExitError(1, `error: ${e.message} - start a cluster with \`skiff up\` (it writes the kubeconfig), or pass --kubeconfig`);
    }
    throw e;
  }
  return { client: new RestClient(conn), conn, namespace: g.namespace ?? conn.namespace };
}
