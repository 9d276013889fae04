// `skiff why pod NAME`: why a pod runs where it runs, or why it is Pending,
// and what the controllers did to it (pkg/why).
import { ApiError } from "../../pkg/api/errors.js";
import { HttpClient } from "../../pkg/client/http-client.js";
import { formatWhy } from "../../pkg/why/format.js";
import { explainPod } from "../../pkg/why/why.js";
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
    const report = await explainPod(new HttpClient(s.client), s.namespace, name);
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
