// `skiff wait --for=condition=complete job/pi [--timeout=60s]` (kubectl wait).
import { displayRef, resolveResource } from "../../pkg/api/kinds.js";
import { ApiError } from "../../pkg/api/errors.js";
import { HttpClient } from "../../pkg/client/http-client.js";
import { parseWaitFor, waitForObject, WaitForError } from "../../pkg/describe/wait.js";
import { connect, ExitError, type GlobalOptions } from "../context.js";
import { describeError } from "../output.js";
import { parseDuration } from "./rollout.js";

export interface WaitCommandOptions {
  kinds: string;
  names: string[];
  for: string;
  timeout?: string;
  globals: GlobalOptions;
}

export async function runWait(o: WaitCommandOptions): Promise<void> {
  let waitFor;
  try {
    waitFor = parseWaitFor(o.for);
  } catch (e) {
    if (e instanceof WaitForError) throw new ExitError(1, `error: ${e.message}`);
    throw e;
  }
  const [kind, inlineName] = o.kinds.includes("/") ? o.kinds.split("/", 2) : [o.kinds, undefined];
  const info = resolveResource(kind);
  if (!info) throw new ExitError(1, `error: the server doesn't have a resource type "${kind}"`);
  const names = inlineName ? [inlineName, ...o.names] : o.names;
  if (names.length === 0) throw new ExitError(1, "error: resource name may not be empty");
  // kubectl's default is 30 s; a negative timeout means a week.
  const raw = o.timeout ?? "30s";
  const timeoutMs = raw.startsWith("-") ? 7 * 24 * 3600_000 : parseDuration(raw);

  const s = connect(o.globals);
  const client = new HttpClient(s.client);
  try {
    for (const name of names) {
      const ok = await waitForObject(client, info, s.namespace, name, waitFor, { timeoutMs });
      if (!ok) throw new ExitError(1, `error: timed out waiting for the condition on ${info.plural}/${name}`);
      process.stdout.write(`${displayRef(info, name)} ${waitFor.kind === "delete" ? "deleted" : "condition met"}\n`);
    }
  } catch (e) {
    if (e instanceof ApiError) throw new ExitError(1, describeError(e));
    throw e;
  } finally {
    client.close();
  }
}
