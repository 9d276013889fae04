// `skiff mirror status`: every mirrored object side by side, as skiff runs it
// and as the target runs it, with what differs. Drift compares what the user
// asked for (replicas, images, data, ports), not progress: a Deployment that is
// still rolling out in the target is "2/3 ready" there, but not drifted.
import { apiVersionOf, type ResourceInfo } from "../api/kinds.js";
import type { KubeObject } from "../api/types.js";
import type { Client } from "../client/client.js";
import { MIRRORED_BY_LABEL, MIRRORED_BY_VALUE, MIRRORED_SELECTOR, NamespaceScope, mirroredKinds, objectKey, skipReason } from "./scope.js";
import type { MirrorTarget } from "./target.js";

export interface StatusRow {
  kind: string;
  /** "deployment.apps/web" */
  name: string;
  namespace: string;
  /** "3/3 ready, image nginx:1.27" or "" when skiff does not have it. */
  skiff: string;
  target: string;
  /** "in sync", "replicas 3≠2", "image differs", "missing in target", "extra in target", or several joined by ", ". */
  drift: string;
}

export interface StatusOptions {
  source: Client;
  target: MirrorTarget;
  namespaces?: string[];
}

export const IN_SYNC = "in sync";

export async function mirrorStatus(opts: StatusOptions): Promise<StatusRow[]> {
  const scope = new NamespaceScope(opts.namespaces);
  const rows: StatusRow[] = [];
  const services = new Map<string, KubeObject>();
  for (const info of mirroredKinds()) {
    const ns = info.namespaced ? scope.single : undefined;
    const src = (await opts.source.list(info, ns)).items;
    if (info.kind === "Service") for (const s of src) services.set(`${s.metadata.namespace}/${s.metadata.name}`, s);
    const mine = src.filter((o) => scope.includes(info, o) && !skipReason(info, o, (n, name) => services.get(`${n}/${name}`)));
    const served = await opts.target.serves(apiVersionOf(info), info.kind);
    const theirs = served ? (await opts.target.list(apiVersionOf(info), info.kind, ns, MIRRORED_SELECTOR)).filter((o) => scope.includes(info, o) && o.metadata.labels?.[MIRRORED_BY_LABEL] === MIRRORED_BY_VALUE) : [];
    const byKey = new Map<string, { s?: KubeObject; t?: KubeObject }>();
    const key = (o: KubeObject) => objectKey(info, o.metadata.namespace, String(o.metadata.name));
    for (const o of mine) byKey.set(key(o), { s: o });
    for (const o of theirs) byKey.set(key(o), { ...byKey.get(key(o)), t: o });
    // Mirrored objects that the target may hold without the label (applied by hand) are still found by name.
    for (const [k, pair] of byKey) {
      if (pair.s && !pair.t && served) {
        const t = await opts.target.get(apiVersionOf(info), info.kind, pair.s.metadata.namespace, String(pair.s.metadata.name));
        if (t) byKey.set(k, { ...pair, t });
      }
    }
    for (const { s, t } of byKey.values()) {
      const any = (s ?? t)!;
      rows.push({
        kind: info.kind,
        name: `${info.singular}${info.group ? `.${info.group}` : ""}/${any.metadata.name}`,
        namespace: info.namespaced ? (any.metadata.namespace ?? "") : "",
        skiff: s ? summarize(info, s) : "",
        target: t ? summarize(info, t) : served ? "" : `not served (${apiVersionOf(info)})`,
        drift: driftOf(info, s, t),
      });
    }
  }
  return rows;
}

// ---- per kind: a one-line state and what the user asked for --------------------

type Rec = Record<string, unknown>;
const rec = (v: unknown): Rec => (typeof v === "object" && v !== null && !Array.isArray(v) ? (v as Rec) : {});
const num = (v: unknown): number => (typeof v === "number" ? v : 0);

function podSpecOf(info: ResourceInfo, obj: KubeObject): Rec | undefined {
  const spec = rec(obj.spec);
  switch (info.kind) {
    case "Pod":
      return spec;
    case "CronJob":
      return rec(rec(rec(rec(spec.jobTemplate).spec).template).spec);
    case "Deployment":
    case "StatefulSet":
    case "DaemonSet":
    case "ReplicaSet":
    case "Job":
      return rec(rec(spec.template).spec);
    default:
      return undefined;
  }
}

export function imagesOf(info: ResourceInfo, obj: KubeObject): string[] {
  const spec = podSpecOf(info, obj);
  if (!spec) return [];
  const containers = [...(Array.isArray(spec.initContainers) ? spec.initContainers : []), ...(Array.isArray(spec.containers) ? spec.containers : [])];
  return containers.map((c) => String(rec(c).image ?? ""));
}

/** Desired replicas, for the kinds that have them (Deployments default to 1, as the API does). */
function replicasOf(info: ResourceInfo, obj: KubeObject): number | undefined {
  if (!["Deployment", "StatefulSet", "ReplicaSet"].includes(info.kind)) return undefined;
  const r = rec(obj.spec).replicas;
  return typeof r === "number" ? r : 1;
}

export function summarize(info: ResourceInfo, obj: KubeObject): string {
  const status = rec(obj.status);
  const images = imagesOf(info, obj);
  const image = images.length > 0 ? `image ${images.join(",")}` : "";
  const join = (...parts: string[]) => parts.filter(Boolean).join(", ");
  if (obj.metadata.deletionTimestamp) return "terminating";
  switch (info.kind) {
    case "Deployment":
    case "StatefulSet":
    case "ReplicaSet":
      return join(`${num(status.readyReplicas)}/${replicasOf(info, obj)} ready`, image);
    case "DaemonSet":
      return join(`${num(status.numberReady)}/${num(status.desiredNumberScheduled)} ready`, image);
    case "Job": {
      const completions = rec(obj.spec).completions;
      return join(`${num(status.succeeded)}/${typeof completions === "number" ? completions : 1} complete`, num(status.failed) ? `${num(status.failed)} failed` : "", image);
    }
    case "CronJob":
      return join(`schedule "${String(rec(obj.spec).schedule ?? "")}"`, rec(obj.spec).suspend === true ? "suspended" : "", image);
    case "Pod":
      return join(String(status.phase ?? "Pending"), image);
    case "Service": {
      const spec = rec(obj.spec);
      const ports = (Array.isArray(spec.ports) ? spec.ports : []).map((p) => `${String(rec(p).port)}/${String(rec(p).protocol ?? "TCP")}`);
      return join(String(spec.type ?? "ClusterIP"), ports.length ? `ports ${ports.join(",")}` : "");
    }
    case "ConfigMap":
    case "Secret": {
      const n = Object.keys(rec(obj.data)).length + Object.keys(rec((obj as Rec).binaryData ?? (obj as Rec).stringData)).length;
      return `${n} key${n === 1 ? "" : "s"}`;
    }
    case "Namespace":
      return String(status.phase ?? "Active");
    case "Endpoints": {
      const n = (Array.isArray(obj.subsets) ? obj.subsets : []).reduce((a: number, s) => a + (Array.isArray(rec(s).addresses) ? (rec(s).addresses as unknown[]).length : 0), 0);
      return `${n} address${n === 1 ? "" : "es"}`;
    }
    default:
      return "";
  }
}

export function driftOf(info: ResourceInfo, s: KubeObject | undefined, t: KubeObject | undefined): string {
  if (s && !t) return "missing in target";
  if (!s && t) return "extra in target";
  if (!s || !t) return "";
  const out: string[] = [];
  const rs = replicasOf(info, s);
  const rt = replicasOf(info, t);
  if (rs !== undefined && rs !== rt) out.push(`replicas ${rs}≠${rt}`);
  if (JSON.stringify(imagesOf(info, s)) !== JSON.stringify(imagesOf(info, t))) out.push("image differs");
  if (info.kind === "ConfigMap" || info.kind === "Secret") {
    if (!sameJson(s.data, t.data) || !sameJson((s as Rec).binaryData, (t as Rec).binaryData)) out.push("data differs");
  }
  if (info.kind === "Service") {
    const ports = (o: KubeObject) => (Array.isArray(rec(o.spec).ports) ? (rec(o.spec).ports as unknown[]) : []).map((p) => `${String(rec(p).port)}/${String(rec(p).protocol ?? "TCP")}>${String(rec(p).targetPort ?? rec(p).port)}`);
    if (!sameJson(ports(s), ports(t))) out.push("ports differ");
    if (!sameJson(rec(s.spec).selector ?? {}, rec(t.spec).selector ?? {})) out.push("selector differs");
  }
  if (info.kind === "CronJob" && rec(s.spec).schedule !== rec(t.spec).schedule) out.push("schedule differs");
  return out.length > 0 ? out.join(", ") : IN_SYNC;
}

function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(sortKeys(a ?? {})) === JSON.stringify(sortKeys(b ?? {}));
}

function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (typeof v !== "object" || v === null) return v;
  return Object.fromEntries(Object.keys(v).sort().map((k) => [k, sortKeys((v as Rec)[k])]));
}
