// `skiff explain RESOURCE[.field.path] [--recursive]`: the API's own field
// documentation, laid out as kubectl explain prints it. Needs no cluster.
import { explain, ExplainError } from "../../pkg/cli/explain.js";
import { ExitError } from "../context.js";

export function runExplain(o: { resource: string; recursive?: boolean }): void {
  try {
    process.stdout.write(explain(o.resource, { recursive: o.recursive }));
  } catch (e) {
    if (e instanceof ExplainError) throw new ExitError(1, `error: ${e.message}`);
    throw e;
  }
}
