// `skiff logs POD [-c CONTAINER] [-f] [--previous] [--tail N] [--timestamps]`,
// through the pods/log subresource (the same path `kubectl logs` uses).
import { R } from "../../pkg/api/kinds.js";
import { ApiError } from "../../pkg/api/errors.js";
import { resourcePath } from "../../pkg/client/rest.js";
import { connect, ExitError, type GlobalOptions } from "../context.js";

export interface LogsOptions {
  pod: string;
  container?: string;
  follow?: boolean;
  previous?: boolean;
  tail?: number;
  timestamps?: boolean;
  sinceSeconds?: number;
  globals: GlobalOptions;
}

export async function runLogs(o: LogsOptions): Promise<void> {
  const s = connect(o.globals);
  // kubectl accepts "pod/NAME" as well as "NAME".
  const name = o.pod.startsWith("pod/") || o.pod.startsWith("pods/") ? o.pod.slice(o.pod.indexOf("/") + 1) : o.pod;
  try {
    const handle = await s.client.stream(resourcePath(R.pods, s.namespace, name, "log"), {
      accept: "text/plain",
      query: {
        container: o.container,
        follow: o.follow ? "true" : undefined,
        previous: o.previous ? "true" : undefined,
        tailLines: o.tail !== undefined && o.tail >= 0 ? o.tail : undefined,
        timestamps: o.timestamps ? "true" : undefined,
        sinceSeconds: o.sinceSeconds,
      },
    }, (line) => process.stdout.write(line + "\n"));
    process.once("SIGINT", () => handle.close());
    await handle.done;
  } catch (e) {
    if (e instanceof ApiError) throw new ExitError(1, `Error from server (${e.reason}): ${e.message}`);
    throw e;
  } finally {
    s.client.close();
  }
}
