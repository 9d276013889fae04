// `skiff label` and `skiff annotate`: KIND NAME… key=val key- [--overwrite]
// [-l sel | --all], with kubectl's messages ("pod/x labeled") and its refusal
// to change an existing key without --overwrite.
import { ApiError } from "../../pkg/api/errors.js";
import { displayRef } from "../../pkg/api/kinds.js";
import type { KubeObject } from "../../pkg/api/types.js";
import { HttpClient } from "../../pkg/client/http-client.js";
import { isChangeArg, MetadataChangeError, parseChanges, planChanges, type MetadataField } from "../../pkg/cli/metadata-changes.js";
import { connect, ExitError, type GlobalOptions } from "../context.js";
import { describeError } from "../output.js";
import { parseTargets } from "./get.js";

export interface LabelOptions {
  field: MetadataField;
  kinds: string;
  args: string[];
  overwrite?: boolean;
  selector?: string;
  all?: boolean;
  allNamespaces?: boolean;
  list?: boolean;
  globals: GlobalOptions;
}

export async function runLabel(o: LabelOptions): Promise<void> {
  const names = o.args.filter((a) => !isChangeArg(a));
  const changeArgs = o.args.filter(isChangeArg);
  let changes;
  try {
    changes = o.list ? undefined : parseChanges(changeArgs, o.field);
  } catch (e) {
    if (e instanceof MetadataChangeError) throw new ExitError(1, `error: ${e.message}`);
    throw e;
  }
  const targets = parseTargets(o.kinds, names);
  const selecting = !!o.selector || !!o.all;
  if (!selecting && targets.every((t) => t.names.length === 0)) {
    throw new ExitError(1, `error: one or more resources must be specified as <resource> <name> or <resource>/<name> (or use -l / --all)`);
  }
  if (selecting && targets.some((t) => t.names.length > 0)) throw new ExitError(1, "error: --all and -l cannot be combined with object names");

  const s = connect(o.globals);
  const client = new HttpClient(s.client);
  const ns = o.allNamespaces ? undefined : s.namespace;
  const failures: string[] = [];
  try {
    for (const t of targets) {
      const objects: KubeObject[] = [];
      if (selecting) {
        objects.push(...(await client.list(t.info, t.info.namespaced ? ns : undefined, { labelSelector: o.selector })).items);
      } else {
        for (const name of t.names) {
          try {
            objects.push(await client.get(t.info, t.info.namespaced ? s.namespace : undefined, name));
          } catch (e) {
            if (!(e instanceof ApiError && e.reason === "NotFound")) throw e;
            failures.push(describeError(e));
          }
        }
      }
      for (const obj of objects) {
        const name = obj.metadata.name ?? "";
        const current = obj.metadata[o.field];
        if (!changes) {
          // --list: print the keys, like kubectl label --list
          process.stdout.write(Object.entries(current ?? {}).map(([k, v]) => `${k}=${v}\n`).join(""));
          continue;
        }
        let plan;
        try {
          plan = planChanges(current, changes, o.field, !!o.overwrite);
        } catch (e) {
          if (e instanceof MetadataChangeError) {
            failures.push(`error: ${e.message}`);
            continue;
          }
          throw e;
        }
        if (o.field === "labels") for (const k of plan.missing) process.stderr.write(`label "${k}" not found.\n`);
        if (plan.patch) {
          await client.patch(t.info, obj.metadata.namespace, name, "merge", plan.patch, { fieldManager: o.field === "labels" ? "kubectl-label" : "kubectl-annotate" });
        }
        process.stdout.write(`${displayRef(t.info, name)} ${plan.message}\n`);
      }
    }
  } catch (e) {
    if (e instanceof ApiError) throw new ExitError(1, describeError(e));
    throw e;
  } finally {
    client.close();
  }
  if (failures.length > 0) throw new ExitError(1, failures.join("\n"));
}
