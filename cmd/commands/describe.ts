// `skiff describe KIND [NAME_PREFIX…] | KIND/NAME [-l sel] [-A]`: kubectl's
// describe output, with the object's events at the end.
import { ApiError } from "../../pkg/api/errors.js";
import type { KubeObject } from "../../pkg/api/types.js";
import { HttpClient } from "../../pkg/client/http-client.js";
import { describeObject } from "../../pkg/describe/describe.js";
import { connect, ExitError, type GlobalOptions } from "../context.js";
import { describeError } from "../output.js";
import { parseServedTargets, type Target } from "./get.js";

export interface DescribeCommandOptions {
  kinds: string;
  names: string[];
  selector?: string;
  allNamespaces?: boolean;
  /** "true" | "false" when given; unset means true. */
  showEvents?: string | boolean;
  globals: GlobalOptions;
}

export async function runDescribe(o: DescribeCommandOptions): Promise<void> {
  const s = connect(o.globals);
  const targets = await parseServedTargets(o.kinds, o.names, s);
  const client = new HttpClient(s.client);
  const ns = o.allNamespaces ? undefined : s.namespace;
  const errors: string[] = [];
  const found: Array<{ t: Target; obj: KubeObject; prefixMatch?: boolean }> = [];
  try {
    for (const t of targets) {
      if (t.names.length === 0) {
        const list = await client.list(t.info, ns, { labelSelector: o.selector });
        for (const obj of list.items) found.push({ t, obj });
        continue;
      }
      for (const name of t.names) {
        try {
          found.push({ t, obj: await client.get(t.info, s.namespace, name) });
        } catch (e) {
          if (!(e instanceof ApiError && e.reason === "NotFound")) throw e;
          // Like kubectl, `describe pods web` with no pod "web" describes every pod whose name starts with "web".
          const matches = t.names.length === 1 && !o.kinds.includes("/") ? (await client.list(t.info, s.namespace)).items.filter((x) => x.metadata.name?.startsWith(name)) : [];
          if (matches.length === 0) errors.push(describeError(e));
          for (const obj of matches) found.push({ t, obj, prefixMatch: true });
        }
      }
    }
    // kubectl 1.32 shows events for every object unless --show-events=false.
    const showEvents = o.showEvents === undefined || o.showEvents === true || o.showEvents !== "false";
    const now = new Date();
    let first = true;
    for (const { t, obj, prefixMatch } of found) {
      const text = await describeObject(client, t.info, obj, { showEvents, now });
      process.stdout.write(prefixMatch ? `${text}\n` : first ? text : `\n\n${text}`);
      first = false;
    }
    if (found.length === 0 && errors.length === 0) {
      process.stderr.write(o.allNamespaces || !targets.every((t) => t.info.namespaced) ? "No resources found\n" : `No resources found in ${s.namespace} namespace.\n`);
    }
  } catch (e) {
    if (e instanceof ApiError) throw new ExitError(1, describeError(e));
    throw e;
  } finally {
    client.close();
  }
  if (errors.length > 0) throw new ExitError(1, errors.join("\n"));
}
