// `skiff apply -f` and `skiff create -f`.
import { byKind } from "../../pkg/api/kinds.js";
import { ApiError } from "../../pkg/api/errors.js";
import type { KubeObject } from "../../pkg/api/types.js";
import { applyDocuments, BatchRejected, displayRef } from "../../pkg/apply/apply.js";
import { resourcePath } from "../../pkg/client/rest.js";
import { connect, ExitError, type GlobalOptions } from "../context.js";
import { toYaml } from "../output.js";
import { decodeOrExit } from "./up.js";
import { HttpClient } from "../../pkg/client/http-client.js";
import { parseTimeout, waitWithProgress } from "../wait-progress.js";

export interface ApplyCommandOptions {
  filename: string[];
  recursive?: boolean;
  dryRun?: "none" | "client" | "server";
  output?: string;
  verb: "apply" | "create";
  /** Wait until the applied workloads are ready (apply --wait). */
  wait?: boolean;
  /** Go-style duration for --wait (default 5m). */
  timeout?: string;
  /** apply --plan: show what would change and write nothing (cmd/commands/plan.ts). */
  plan?: boolean;
  globals: GlobalOptions;
}

function printObject(o: ApplyCommandOptions, ref: string, action: string, obj: KubeObject): void {
  if (o.output === "name") process.stdout.write(`${ref}\n`);
  else if (o.output === "json") process.stdout.write(JSON.stringify(obj, null, 4) + "\n");
  else if (o.output === "yaml") process.stdout.write(toYaml(obj) + "---\n");
  else process.stdout.write(`${ref} ${action}\n`);
}

export async function runApply(o: ApplyCommandOptions): Promise<void> {
  if (o.plan && o.verb === "apply") return (await import("./plan.js")).runPlan(o);
  const docs = await decodeOrExit(o.filename, o.recursive);
  const waitMs = o.wait ? parseTimeout(o.timeout, 5 * 60_000) : 0;
  const s = connect(o.globals);
  try {
    if (o.verb === "apply") {
      const results = await applyDocuments(s.client, docs, { namespace: s.namespace, dryRun: o.dryRun, onResult: (r) => printObject(o, r.ref, r.action, r.object) });
      if (o.wait && (!o.dryRun || o.dryRun === "none")) await waitWithProgress(new HttpClient(s.client), results, { namespace: s.namespace, timeoutMs: waitMs });
    } else {
      for (const doc of docs) {
        const obj = doc.object;
        const info = byKind(obj.apiVersion, obj.kind)!;
        const ns = info.namespaced ? obj.metadata.namespace || s.namespace : undefined;
        const dry = o.dryRun === "server" ? "All" : undefined;
        const created =
          o.dryRun === "client" ? obj : await s.client.request<KubeObject>("POST", resourcePath(info, ns), { body: obj, query: { fieldValidation: "Strict", dryRun: dry } });
        printObject(o, displayRef(info, created.metadata.name ?? ""), o.dryRun && o.dryRun !== "none" ? "created (dry run)" : "created", created);
      }
    }
    for (const w of s.client.warnings) process.stderr.write(`Warning: ${w}\n`);
  } catch (e) {
    if (e instanceof BatchRejected) {
      throw new ExitError(1, [...e.problems.map((p) => `error: ${p.file}${p.line ? `:${p.line}` : ""}: ${p.message}`), "error: the server rejected the batch; nothing was applied"].join("\n"));
    }
    if (e instanceof ApiError) throw new ExitError(1, `Error from server (${e.reason}): ${e.message}`);
    throw e;
  } finally {
    s.client.close();
  }
}
