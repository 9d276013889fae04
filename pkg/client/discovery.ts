// Kinds the server serves that this process does not know (CustomResourceDefinitions'),
// learnt from legacy discovery as kubectl's RESTMapper learns them, so the CLI
// can name `crontabs`, `ct` or `crontab.stable.example.com` like built-in kinds.
import { RESOURCES, customResources, registerCustomResources, type ResourceInfo } from "../api/kinds.js";
import type { RestClient } from "./rest.js";

interface ApiGroupList {
  groups?: Array<{ name: string; preferredVersion?: { version: string }; versions?: Array<{ version: string }> }>;
}

interface ApiResourceList {
  resources?: Array<{ name: string; singularName?: string; namespaced: boolean; kind: string; shortNames?: string[]; categories?: string[] }>;
}

/** Register every kind of every group this process does not know yet; idempotent, one request per unknown group. */
export async function discoverServedKinds(rest: RestClient): Promise<void> {
  const known = new Set([...RESOURCES, ...customResources()].map((r) => r.group));
  const groups = (await rest.request<ApiGroupList>("GET", "/apis")).groups ?? [];
  for (const g of groups) {
    if (known.has(g.name)) continue;
    const version = g.preferredVersion?.version ?? g.versions?.[0]?.version;
    if (!version) continue;
    const list = await rest.request<ApiResourceList>("GET", `/apis/${g.name}/${version}`).catch(() => undefined);
    const all = list?.resources ?? [];
    const infos: ResourceInfo[] = all
      .filter((r) => !r.name.includes("/"))
      .map((r) => {
        const subresources = all.filter((s) => s.name.startsWith(`${r.name}/`)).map((s) => s.name.split("/")[1]).filter((s): s is "status" | "scale" => s === "status" || s === "scale");
        return {
          group: g.name,
          version,
          kind: r.kind,
          plural: r.name,
          singular: r.singularName || r.kind.toLowerCase(),
          shortNames: r.shortNames ?? [],
          namespaced: r.namespaced,
          subresources,
          categories: r.categories ?? [],
          model: "",
          // Printer columns and schema stay on the server (Table output, validation).
          custom: { crd: `${r.name}.${g.name}`, storageVersion: version, printerColumns: [] },
        };
      });
    if (infos.length > 0) registerCustomResources(`discovered:${g.name}/${version}`, infos);
  }
}
