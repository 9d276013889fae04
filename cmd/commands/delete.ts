// `skiff delete`: by file, by kind and names, by label selector, or --all.
import { byKind, type ResourceInfo } from "../../pkg/api/kinds.js";
import { ApiError } from "../../pkg/api/errors.js";
import type { KubeList, KubeObject } from "../../pkg/api/types.js";
import { resourcePath } from "../../pkg/client/rest.js";
import { decodeSources, ManifestErrors } from "../../pkg/manifest/decode.js";
import { connect, ExitError, type GlobalOptions } from "../context.js";
import { parseServedTargets } from "./get.js";

export interface DeleteCommandOptions {
  kinds?: string;
  names: string[];
  filename: string[];
  recursive?: boolean;
  selector?: string;
  all?: boolean;
  gracePeriod?: number;
  ignoreNotFound?: boolean;
  cascade: "background" | "foreground" | "orphan";
  globals: GlobalOptions;
}

interface Victim {
  info: ResourceInfo;
  namespace?: string;
  name: string;
}

export async function runDelete(o: DeleteCommandOptions): Promise<void> {
  const s = connect(o.globals);
  const victims: Victim[] = [];
  try {
    if (o.filename.length > 0) {
      let docs;
      try {
        docs = await decodeSources(o.filename, { recursive: o.recursive, stdin: process.stdin });
      } catch (e) {
        if (e instanceof ManifestErrors) throw new ExitError(1, e.errors.map((x) => `error: ${x.message}`).join("\n"));
        throw e;
      }
      for (const d of docs) {
        const obj = d.object;
        const info = byKind(String(obj.apiVersion), String(obj.kind));
        if (!info) throw new ExitError(1, `error: ${d.source.file}:${d.source.line}: no matches for kind "${String(obj.kind)}" in version "${String(obj.apiVersion)}"`);
        victims.push({ info, namespace: info.namespaced ? obj.metadata?.namespace || s.namespace : undefined, name: String(obj.metadata?.name ?? "") });
      }
    } else {
      if (!o.kinds) throw new ExitError(1, "error: You must provide one or more resources by argument or filename.\nExample resource specifications include:\n   '-f rsrc.yaml'\n   '--filename=rsrc.json'\n   '<resource> <name>'\n   '<resource>'");
      for (const t of await parseServedTargets(o.kinds, o.names, s)) {
        const ns = t.info.namespaced ? s.namespace : undefined;
        if (t.names.length > 0) {
          for (const name of t.names) victims.push({ info: t.info, namespace: ns, name });
        } else if (o.selector || o.all) {
          const list = await s.client.request<KubeList>("GET", resourcePath(t.info, ns), { query: { labelSelector: o.selector } });
          for (const item of list.items) victims.push({ info: t.info, namespace: ns, name: item.metadata.name! });
        } else {
          throw new ExitError(1, `error: resource(s) were provided, but no name was specified`);
        }
      }
      if (victims.length === 0) {
        process.stderr.write(`No resources found\n`);
        return;
      }
    }
    const policy = { background: "Background", foreground: "Foreground", orphan: "Orphan" }[o.cascade];
    let failed = false;
    for (const v of victims) {
      try {
        await s.client.request("DELETE", resourcePath(v.info, v.namespace, v.name), {
          body: { kind: "DeleteOptions", apiVersion: "v1", propagationPolicy: policy, ...(o.gracePeriod !== undefined ? { gracePeriodSeconds: o.gracePeriod } : {}) },
        });
        process.stdout.write(`${v.info.singular}${v.info.group ? `.${v.info.group}` : ""} "${v.name}" deleted\n`);
      } catch (e) {
        if (e instanceof ApiError && e.reason === "NotFound") {
          if (o.ignoreNotFound) continue;
          process.stderr.write(`Error from server (NotFound): ${e.message}\n`);
          failed = true;
          continue;
        }
        throw e;
      }
    }
    if (failed) throw new ExitError(1);
  } finally {
    s.client.close();
  }
}
