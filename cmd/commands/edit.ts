// `skiff edit KIND NAME` (or KIND/NAME): open the live object in
// $KUBE_EDITOR / $EDITOR (default vi) and save it back with a PUT that carries
// its resourceVersion, so a concurrent change is a conflict, not lost work.
import { spawn } from "node:child_process";
import { ApiError } from "../../pkg/api/errors.js";
import { displayRef, type ResourceInfo } from "../../pkg/api/kinds.js";
import { checkKubeObject } from "../../pkg/api/object-check.js";
import type { KubeObject } from "../../pkg/api/types.js";
import { HttpClient } from "../../pkg/client/http-client.js";
import { resourcePath } from "../../pkg/client/rest.js";
import { runEditSession } from "../../pkg/cli/edit-session.js";
import { connect, ExitError, type GlobalOptions } from "../context.js";
import { describeError } from "../output.js";
import { parseTargets } from "./get.js";

export interface EditOptions {
  kinds: string;
  names: string[];
  output?: string;
  globals: GlobalOptions;
}

export function editorCommand(env: NodeJS.ProcessEnv = process.env): string {
  return env.KUBE_EDITOR || env.EDITOR || "vi";
}

/** Run the editor through the shell, as kubectl does, so "code --wait" or "vim -n" work. */
function openEditor(editor: string, file: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn("sh", ["-c", `${editor} "$1"`, "sh", file], { stdio: "inherit" });
    child.on("error", (e) => reject(new Error(`there was a problem with the editor "${editor}": ${e.message}`)));
    child.on("exit", (code, signal) => {
      if (code === 0) resolve();
      else reject(new ExitError(1, `error: there was a problem with the editor "${editor}" (exit ${signal ?? code})`));
    });
  });
}

/** kubectl's wording for a rejected save: `deployments.apps "web" was not valid:` and one `* cause` per field. */
export function saveErrorText(info: ResourceInfo, name: string, e: unknown): string {
  if (e instanceof ApiError && e.reason === "Invalid" && e.details.causes?.length) {
    const what = `${info.plural}${info.group ? `.${info.group}` : ""} "${name}"`;
    return [`${what} was not valid:`, ...e.details.causes.map((c) => `* ${c.message}`)].join("\n");
  }
  return describeError(e);
}

export async function runEdit(o: EditOptions): Promise<void> {
  const targets = parseTargets(o.kinds, o.names);
  const format = o.output === "json" ? "json" : "yaml";
  if (o.output && o.output !== "json" && o.output !== "yaml") throw new ExitError(1, `error: the edit output format must be yaml or json, not "${o.output}"`);
  const pairs = targets.flatMap((t) => t.names.map((n) => ({ info: t.info, name: n })));
  if (pairs.length === 0) throw new ExitError(1, "error: you must specify the object to edit: skiff edit KIND NAME (e.g. skiff edit deploy web)");
  const s = connect(o.globals);
  const client = new HttpClient(s.client);
  const editor = editorCommand();
  try {
    for (const { info, name } of pairs) {
      const ns = info.namespaced ? s.namespace : undefined;
      let live: KubeObject;
      try {
        live = await client.get(info, ns, name);
      } catch (e) {
        throw new ExitError(1, describeError(e));
      }
      const outcome = await runEditSession({
        object: live,
        format,
        openEditor: (file) => openEditor(editor, file),
        save: async (edited) => {
          const checked = checkKubeObject(edited);
          if (checked.problems) throw new Error(`the edited object is not valid: ${checked.problems.join(", ")}`);
          const obj = checked.object;
          if (obj.metadata?.name !== name) throw new Error(`the name of the object cannot be changed (from "${name}" to "${String(obj.metadata?.name)}")`);
          try {
            // A PUT with the resourceVersion the user saw: someone else's change in between is a 409.
            await client.rest.request("PUT", resourcePath(info, ns, name), { body: obj, query: { fieldManager: "kubectl-edit", fieldValidation: "Strict" } });
          } catch (e) {
            throw new Error(saveErrorText(info, name, e));
          }
        },
      });
      if (outcome.status === "saved") process.stdout.write(`${displayRef(info, name)} edited\n`);
      else if (outcome.status === "cancelled") {
        process.stdout.write(outcome.reason === "empty" ? "Edit cancelled, saved file was empty.\n" : "Edit cancelled, no changes made.\n");
      } else {
        throw new ExitError(1, `A copy of your changes has been stored to "${outcome.copyPath}"\nerror: ${outcome.message}`);
      }
    }
  } catch (e) {
    if (e instanceof ApiError) throw new ExitError(1, describeError(e));
    throw e;
  } finally {
    client.close();
  }
}
