// Legacy discovery documents (/api, /apis, /api/v1, /apis/{g}/{v}) built from
// the resource registry. kubectl asks first for aggregated discovery; answering
// with plain application/json makes it fall back to these, which is enough.
import { apiVersionOf, groups, resourceVerbs, storedResources, VIRTUAL_RESOURCES, type ResourceInfo } from "../api/kinds.js";

/** Read on every request: CustomResourceDefinitions add kinds at run time. */
const served = (): ResourceInfo[] => [...storedResources(), ...VIRTUAL_RESOURCES];

export const KUBERNETES_VERSION = { major: "1", minor: "32" };

export function versionInfo(skiffVersion: string): Record<string, string> {
  return {
    major: KUBERNETES_VERSION.major,
    minor: KUBERNETES_VERSION.minor,
    gitVersion: `v${KUBERNETES_VERSION.major}.${KUBERNETES_VERSION.minor}.0-skiff.${skiffVersion}`,
    gitCommit: "",
    gitTreeState: "clean",
    buildDate: "",
    goVersion: `node${process.versions.node}`,
    compiler: "tsc",
    platform: `${process.platform}/${process.arch}`,
  };
}

export function apiVersions(serverAddress: string): object {
  return {
    kind: "APIVersions",
    versions: ["v1"],
    serverAddressByClientCIDRs: [{ clientCIDR: "0.0.0.0/0", serverAddress }],
  };
}

function groupVersions(group: string): string[] {
  return [...new Set(served().filter((r) => r.group === group).map((r) => r.version))];
}

function groupEntry(group: string): { name: string; versions: object[]; preferredVersion: object } | undefined {
  const versions = groupVersions(group);
  if (versions.length === 0 || group === "") return undefined;
  const gv = versions.map((v) => ({ groupVersion: `${group}/${v}`, version: v }));
  return { name: group, versions: gv, preferredVersion: gv[0] };
}

export function apiGroup(group: string): object | undefined {
  const entry = groupEntry(group);
  return entry && { kind: "APIGroup", apiVersion: "v1", ...entry };
}

export function apiGroupList(): object {
  return { kind: "APIGroupList", apiVersion: "v1", groups: groups().map(groupEntry) };
}

function subresourceEntries(r: ResourceInfo): object[] {
  return r.subresources.map((sub) => {
    if (sub === "scale") {
      return { name: `${r.plural}/scale`, singularName: "", namespaced: r.namespaced, group: "autoscaling", version: "v1", kind: "Scale", verbs: ["get", "patch", "update"] };
    }
    if (sub === "log") return { name: `${r.plural}/log`, singularName: "", namespaced: r.namespaced, kind: r.kind, verbs: ["get"] };
    if (sub === "eviction") return { name: `${r.plural}/eviction`, singularName: "", namespaced: r.namespaced, group: "policy", version: "v1", kind: "Eviction", verbs: ["create"] };
    if (sub === "token") return { name: `${r.plural}/token`, singularName: "", namespaced: r.namespaced, group: "authentication.k8s.io", version: "v1", kind: "TokenRequest", verbs: ["create"] };
    if (sub === "exec" || sub === "attach" || sub === "portforward") {
      const kind = { exec: "PodExecOptions", attach: "PodAttachOptions", portforward: "PodPortForwardOptions" }[sub];
      return { name: `${r.plural}/${sub}`, singularName: "", namespaced: r.namespaced, kind, verbs: ["create", "get"] };
    }
    if (sub === "binding") return { name: `${r.plural}/binding`, singularName: "", namespaced: r.namespaced, kind: "Binding", verbs: ["create"] };
    return { name: `${r.plural}/${sub}`, singularName: "", namespaced: r.namespaced, kind: r.kind, verbs: ["get", "patch", "update"] };
  });
}

export function apiResourceList(group: string, version: string): object | undefined {
  const inVersion = served().filter((r) => r.group === group && r.version === version);
  if (inVersion.length === 0) return undefined;
  const resources: object[] = [];
  for (const r of inVersion) {
    resources.push({
      name: r.plural,
      singularName: r.singular,
      namespaced: r.namespaced,
      kind: r.kind,
      verbs: [...(r.verbs ?? resourceVerbs)],
      ...(r.shortNames.length > 0 ? { shortNames: r.shortNames } : {}),
      ...(r.categories.length > 0 ? { categories: r.categories } : {}),
    });
    resources.push(...subresourceEntries(r));
  }
  return { kind: "APIResourceList", apiVersion: "v1", groupVersion: apiVersionOf({ group, version }), resources };
}
