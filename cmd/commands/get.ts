// `skiff get`: tables from the server's Table output (the same columns kubectl
// shows), or the objects as yaml/json/name; -w keeps watching.
import { resolveResource, apiVersionOf, displayRef, RESOURCES, type ResourceInfo } from "../../pkg/api/kinds.js";
import { ApiError } from "../../pkg/api/errors.js";
import type { KubeList, KubeObject } from "../../pkg/api/types.js";
import type { Table } from "../../pkg/api/printers.js";
import { resourcePath, type RestClient } from "../../pkg/client/rest.js";
import { connect, ExitError, type GlobalOptions, type Session } from "../context.js";
import { discoverServedKinds } from "../../pkg/client/discovery.js";
import { formatColumns, tableRows, toYaml } from "../output.js";
import { isTemplateFormat, templatePrinter } from "../template-output.js";

export const TABLE_ACCEPT = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json";

export interface GetOptions {
  kinds: string;
  names: string[];
  output?: string;
  selector?: string;
  fieldSelector?: string;
  allNamespaces?: boolean;
  watch?: boolean;
  showLabels?: boolean;
  headers?: boolean;
  globals: GlobalOptions;
}

export interface Target {
  info: ResourceInfo;
  names: string[];
}

/** "pods,svc" + names, or "pod/a deploy/b": what the user asked for. */
export function parseTargets(kinds: string, names: string[]): Target[] {
  const resolve = (k: string): ResourceInfo => {
    const info = resolveResource(k);
    if (!info) throw new ExitError(1, `error: the server doesn't have a resource type "${k}"`);
    return info;
  };
  if (kinds.includes("/")) {
    const targets: Target[] = [];
    for (const arg of [kinds, ...names]) {
      const [k, n] = arg.split("/", 2);
      if (!n) throw new ExitError(1, `error: there is no need to specify a resource type as a separate argument when passing arguments in resource/name form (e.g. 'skiff get resource/<resource_name>' instead of 'skiff get resource resource/<resource_name>')`);
      const info = resolve(k);
      const t = targets.find((x) => x.info === info);
      if (t) t.names.push(n);
      else targets.push({ info, names: [n] });
    }
    return targets;
  }
  // "all" is a category (kubectl get all): pods, services, deployments, replicasets…
  const infos = kinds.split(",").filter(Boolean).flatMap((k) => (k === "all" ? RESOURCES.filter((r) => r.categories.includes("all")) : [resolve(k)]));
  if (names.length > 0 && infos.length > 1) throw new ExitError(1, "error: you must specify only one resource type when naming objects");
  return infos.map((info) => ({ info, names }));
}

/**
 * parseTargets, learning the server's custom kinds (CRDs) first when a name is
 * not a kind this process knows, as kubectl's discovery does.
 */
export async function parseServedTargets(kinds: string, names: string[], s: Session): Promise<Target[]> {
  try {
    return parseTargets(kinds, names);
  } catch (e) {
    if (!(e instanceof ExitError)) throw e;
    await discoverServedKinds(s.client).catch(() => undefined);
    return parseTargets(kinds, names);
  }
}

export async function runGet(o: GetOptions): Promise<void> {
  const s = connect(o.globals);
  const targets = await parseServedTargets(o.kinds, o.names, s);
  const ns = o.allNamespaces ? undefined : s.namespace;
  const format = o.output ?? "";
  const template = isTemplateFormat(format) ? templatePrinter(format) : undefined;
  const query = { labelSelector: o.selector, fieldSelector: o.fieldSelector };
  let failed = false;
  try {
    if (format === "yaml" || format === "json" || format === "name" || template) {
      const objects: KubeObject[] = [];
      for (const t of targets) {
        if (t.names.length > 0) {
          for (const n of t.names) {
            try {
              objects.push(await s.client.request<KubeObject>("GET", resourcePath(t.info, ns ?? s.namespace, n)));
            } catch (e) {
              if (!(e instanceof ApiError && e.reason === "NotFound")) throw e;
              process.stderr.write(`Error from server (NotFound): ${e.message}\n`);
              failed = true;
            }
          }
        } else {
          const list = await s.client.request<KubeList>("GET", resourcePath(t.info, ns), { query });
          for (const item of list.items) objects.push({ ...item, apiVersion: apiVersionOf(t.info), kind: t.info.kind });
        }
      }
      const single = targets.length === 1 && targets[0].names.length === 1;
      if (template) {
        process.stdout.write(template.print(objects, single, { noHeaders: o.headers === false }));
      } else if (format === "name") {
        for (const obj of objects) {
          const t = targets.find((x) => x.info.kind === obj.kind)!;
          process.stdout.write(`${displayRef(t.info, obj.metadata.name ?? "")}\n`);
        }
      } else if (objects.length > 0 || !single) {
        const out = single && objects.length === 1 ? objects[0] : { apiVersion: "v1", kind: "List", items: objects, metadata: { resourceVersion: "" } };
        process.stdout.write(format === "json" ? JSON.stringify(out, null, 4) + "\n" : toYaml(out));
      }
    } else if (format === "" || format === "wide") {
      let printedAny = false;
      for (const t of targets) {
        const kindPrefix = targets.length > 1 ? `${t.info.singular}${t.info.group ? `.${t.info.group}` : ""}` : undefined;
        const tables: Table[] = [];
        if (t.names.length > 0) {
          for (const n of t.names) {
            try {
              tables.push(await s.client.request<Table>("GET", resourcePath(t.info, ns ?? s.namespace, n), { accept: TABLE_ACCEPT }));
            } catch (e) {
              if (!(e instanceof ApiError && e.reason === "NotFound")) throw e;
              process.stderr.write(`Error from server (NotFound): ${e.message}\n`);
              failed = true;
            }
          }
        } else {
          tables.push(await s.client.request<Table>("GET", resourcePath(t.info, ns), { accept: TABLE_ACCEPT, query }));
        }
        const merged: Table | undefined = tables.length > 0 ? { ...tables[0], rows: tables.flatMap((x) => x.rows) } : undefined;
        if (!merged || merged.rows.length === 0) continue;
        if (printedAny) process.stdout.write("\n");
        printedAny = true;
        const rows = tableRows(merged, { wide: format === "wide", withNamespace: !!o.allNamespaces && t.info.namespaced, showLabels: o.showLabels, kindPrefix, noHeaders: o.headers === false });
        process.stdout.write(formatColumns(rows) + "\n");
      }
      if (!printedAny && !failed && !o.watch) {
        process.stderr.write(o.allNamespaces || !targets.every((t) => t.info.namespaced) ? "No resources found\n" : `No resources found in ${s.namespace} namespace.\n`);
      }
      if (o.watch) await watchTables(s.client, targets[0], ns, query, o);
    } else {
      throw new ExitError(1, `error: unable to match a printer suitable for the output format "${format}", allowed formats are: custom-columns,custom-columns-file,json,jsonpath,jsonpath-file,name,wide,yaml`);
    }
  } finally {
    s.client.close();
  }
  if (failed) throw new ExitError(1);
}

async function watchTables(client: RestClient, t: Target, ns: string | undefined, query: Record<string, string | undefined>, o: GetOptions): Promise<void> {
  const list = await client.request<KubeList>("GET", resourcePath(t.info, ns), { query: { ...query, limit: 1 } });
  let columns: Table["columnDefinitions"] | undefined;
  const handle = await client.stream(
    resourcePath(t.info, ns),
    { accept: TABLE_ACCEPT, query: { ...query, watch: "true", resourceVersion: list.metadata.resourceVersion, fieldSelector: t.names.length === 1 ? `metadata.name=${t.names[0]}` : query.fieldSelector } },
    (line) => {
      const ev = JSON.parse(line) as { type: string; object: Table };
      if (ev.type === "ERROR" || ev.type === "BOOKMARK") return;
      if (ev.object.columnDefinitions?.length) columns = ev.object.columnDefinitions;
      if (!columns) return;
      const rows = tableRows({ ...ev.object, columnDefinitions: columns }, { wide: o.output === "wide", withNamespace: !!o.allNamespaces, noHeaders: true });
      for (const r of rows) process.stdout.write(r.join("   ") + "\n");
    },
  );
  process.once("SIGINT", () => handle.close());
  await handle.done;
}
