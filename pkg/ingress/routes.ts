// The routing table of the ingress controller, built from the Ingress objects
// of its class, with Kubernetes' matching rules
// (https://kubernetes.io/docs/concepts/services-networking/ingress/):
//  - an exact host beats a wildcard host ("*.example.com" matches exactly one
//    label), which beats rules without a host; only the winning host's paths
//    are consulted;
//  - within the matched host, an Exact path beats any Prefix, and the longest
//    Prefix wins; Prefix matches element-wise ("/foo" matches "/foo/bar", not
//    "/foobar"); ImplementationSpecific is treated as Prefix;
//  - a request no rule matches goes to a defaultBackend (the matched host's
//    Ingress first, then the oldest Ingress that has one), else 404.
// Pure: objects in, a table out; the controller rebuilds it on every change.
import type { KubeObject, V1Ingress } from "../api/types.js";
import { as } from "../api/types.js";

export interface Backend {
  namespace: string;
  service: string;
  /** The Service port by number or by name. */
  port: number | string;
  /** "ns/ingress" that routed here (for logs and tests). */
  ingress: string;
}

interface PathRoute {
  exact: boolean;
  /** Normalised: no trailing slash, except the root "/". */
  path: string;
  backend: Backend;
  /** Order of appearance, for stable tie-breaking. */
  order: number;
}

interface HostRoutes {
  paths: PathRoute[];
  defaultBackend?: Backend;
}

export const CONTROLLER_NAME = "skiff.dev/ingress-controller";
export const CLASS_NAME = "skiff";
const LEGACY_CLASS_ANNOTATION = "kubernetes.io/ingress.class";

/** Does this Ingress belong to the controller of `className`? */
export function servedBy(ing: KubeObject, className: string): boolean {
  const spec = as<V1Ingress>(ing).spec;
  if (spec?.ingressClassName) return spec.ingressClassName === className;
  return ing.metadata.annotations?.[LEGACY_CLASS_ANNOTATION] === className;
}

function normalise(path: string): string {
  const p = path === "" ? "/" : path;
  return p.length > 1 && p.endsWith("/") ? p.replace(/\/+$/, "") || "/" : p;
}

/** Element-wise prefix match: "/a/b" is a prefix of "/a/b" and "/a/b/c", not of "/a/bc". */
function prefixMatches(prefix: string, path: string): boolean {
  if (prefix === "/") return true;
  return path === prefix || path.startsWith(`${prefix}/`);
}

function backendOf(ns: string, ingress: string, raw: { service?: { name?: string; port?: { name?: string; number?: number } } } | undefined): Backend | undefined {
  const svc = raw?.service;
  if (!svc?.name) return undefined;
  const port = svc.port?.number ?? svc.port?.name;
  if (port === undefined || port === "") return undefined;
  return { namespace: ns, service: svc.name, port, ingress: `${ns}/${ingress}` };
}

export class RouteTable {
  private readonly exactHosts = new Map<string, HostRoutes>();
  private readonly wildcardHosts = new Map<string, HostRoutes>();
  private readonly anyHost: HostRoutes = { paths: [] };
  private fallback: Backend | undefined;

  /** Build from Ingresses of one class, oldest first (their order breaks ties). */
  static build(ingresses: KubeObject[]): RouteTable {
    const table = new RouteTable();
    const sorted = [...ingresses].sort(
      (a, b) =>
        (a.metadata.creationTimestamp ?? "").localeCompare(b.metadata.creationTimestamp ?? "") ||
        `${a.metadata.namespace}/${a.metadata.name}`.localeCompare(`${b.metadata.namespace}/${b.metadata.name}`),
    );
    let order = 0;
    for (const obj of sorted) {
      const ns = obj.metadata.namespace ?? "default";
      const name = obj.metadata.name ?? "";
      const spec = as<V1Ingress>(obj).spec;
      const def = backendOf(ns, name, spec?.defaultBackend);
      table.fallback ??= def;
      for (const rule of spec?.rules ?? []) {
        const host = (rule.host ?? "").toLowerCase();
        const routes = table.routesFor(host);
        if (def) routes.defaultBackend ??= def;
        for (const p of rule.http?.paths ?? []) {
          const backend = backendOf(ns, name, p.backend);
          if (!backend) continue;
          const exact = p.pathType === "Exact";
          routes.paths.push({ exact, path: exact ? p.path || "/" : normalise(p.path ?? "/"), backend, order: order++ });
        }
      }
    }
    return table;
  }

  private routesFor(host: string): HostRoutes {
    if (host === "") return this.anyHost;
    const map = host.startsWith("*.") ? this.wildcardHosts : this.exactHosts;
    const key = host.startsWith("*.") ? host.slice(2) : host;
    let r = map.get(key);
    if (!r) map.set(key, (r = { paths: [] }));
    return r;
  }

  /** The backend for a request, or undefined (404). `host` may carry a port; `path` may carry a query. */
  match(hostHeader: string | undefined, rawPath: string): Backend | undefined {
    const host = (hostHeader ?? "").replace(/:\d+$/, "").replace(/\.$/, "").toLowerCase();
    const path = (rawPath.split("?")[0] || "/").split("#")[0];
    // Only the most specific host that has rules is consulted (one virtual host per
    // name, as controllers configure them); its paths, then a default backend.
    const dot = host.indexOf(".");
    const routes = this.exactHosts.get(host) ?? (dot > 0 ? this.wildcardHosts.get(host.slice(dot + 1)) : undefined) ?? this.anyHost;
    return matchPath(routes.paths, path) ?? routes.defaultBackend ?? this.fallback;
  }
}

function matchPath(routes: PathRoute[], rawPath: string): Backend | undefined {
  const path = normalise(rawPath);
  let best: PathRoute | undefined;
  for (const r of routes) {
    if (r.exact) {
      // Exact compares the path as sent (a trailing slash matters), as Kubernetes specifies.
      if (rawPath === r.path && (!best || !best.exact || r.order < best.order)) best = r;
      continue;
    }
    if (best?.exact) continue;
    if (!prefixMatches(r.path, path)) continue;
    if (!best || r.path.length > best.path.length || (r.path.length === best.path.length && r.order < best.order)) best = r;
  }
  return best?.backend;
}
