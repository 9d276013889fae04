// `skiff why pod NAME`: why a pod runs where it runs, or why it is Pending,
// and what the controllers did to it (pkg/why). Asked of the API server's
// /why route, which has the scheduler's in-memory decision records; a server
// without that route gets the same report made here, without the record.
import { ApiError } from "../../pkg/api/errors.js";
import { HttpClient } from "../../pkg/client/http-client.js";
import { formatWhy } from "../../pkg/why/format.js";
import { explainPod, type WhyReport } from "../../pkg/why/why.js";
import type { RestClient } from "../../pkg/client/rest.js";
import { connect, ExitError, type GlobalOptions } from "../context.js";
import { toYaml } from "../output.js";

export interface WhyOptions {
  kind: string;
  name?: string;
  output?: string;
  globals: GlobalOptions;
}

const POD_WORDS = new Set(["pod", "pods", "po"]);

export async function runWhy(o: WhyOptions): Promise<void> {
  let kind = o.kind;
  let name = o.name;
  if (kind.includes("/")) [kind, name] = [kind.slice(0, kind.indexOf("/")), kind.slice(kind.indexOf("/") + 1)];
  if (!POD_WORDS.has(kind.toLowerCase())) throw new ExitError(1, `error: skiff why explains pods only (skiff why pod NAME), not "${kind}"`);
  if (!name) throw new ExitError(1, "error: which pod? skiff why pod NAME");
  const s = connect(o.globals);
  try {
    const report = await askServer(s.client, s.namespace, name);
    if (o.output === "json") process.stdout.write(JSON.stringify(report, null, 2) + "\n");
    else if (o.output === "yaml") process.stdout.write(toYaml(report));
    else process.stdout.write(formatWhy(report));
  } catch (e) {
    if (e instanceof ApiError && e.reason === "NotFound") throw new ExitError(1, `Error from server (NotFound): pods "${name}" not found in namespace "${s.namespace}"`);
    if (e instanceof ApiError) throw new ExitError(1, `Error from server (${e.reason}): ${e.message}`);
    throw e;
  } finally {
    s.client.close();
  }
}

async function askServer(client: RestClient, namespace: string, name: string): Promise<WhyReport> {
  const path = `/apis/skiff.dev/v1/namespaces/${encodeURIComponent(namespace)}/pods/${encodeURIComponent(name)}/why`;
  try {
    return await client.request<WhyReport>("GET", path);
  } catch (e) {
    // No such route (or no such pod: explainPod says so in the usual words).
    if (e instanceof ApiError && e.reason === "NotFound") return explainPod(new HttpClient(client), namespace, name);
    throw e;
  }
}
