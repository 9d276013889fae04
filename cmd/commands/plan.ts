// `skiff apply --plan -f FILE`: print what apply would do and write nothing.
// Exit code (like `terraform plan -detailed-exitcode`): 0 no changes, 2
// changes would happen, 1 error.
import { ApiError } from "../../pkg/api/errors.js";
import { BatchRejected } from "../../pkg/apply/apply.js";
import { formatPlan } from "../../pkg/plan/format.js";
import { planApply } from "../../pkg/plan/plan.js";
import { connect, ExitError, type GlobalOptions } from "../context.js";
import { decodeOrExit } from "./up.js";

export const PLAN_EXIT = { noChanges: 0, error: 1, changes: 2 } as const;

export async function runPlan(o: { filename: string[]; recursive?: boolean; output?: string; globals: GlobalOptions }): Promise<void> {
  const docs = await decodeOrExit(o.filename, o.recursive);
  const s = connect(o.globals);
  try {
    const plan = await planApply(s.client, docs, { namespace: s.namespace });
    if (o.output === "json") process.stdout.write(JSON.stringify(plan, null, 2) + "\n");
    else process.stdout.write(formatPlan(plan));
    for (const w of s.client.warnings) process.stderr.write(`Warning: ${w}\n`);
    if (plan.changes) throw new ExitError(PLAN_EXIT.changes);
  } catch (e) {
    if (e instanceof ExitError) throw e;
    if (e instanceof BatchRejected) {
      throw new ExitError(PLAN_EXIT.error, [...e.problems.map((p) => `error: ${p.file}${p.line ? `:${p.line}` : ""}: ${p.message}`), "error: the batch would be rejected; nothing was planned"].join("\n"));
    }
    if (e instanceof ApiError) throw new ExitError(PLAN_EXIT.error, `Error from server (${e.reason}): ${e.message}`);
    throw e;
  } finally {
    s.client.close();
  }
}
