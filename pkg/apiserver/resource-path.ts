// Parse Kubernetes REST paths after the group/version prefix:
//   {plural}                           cluster-scoped collection, or all namespaces
//   {plural}/{name}[/{sub}]            cluster-scoped object
//   namespaces/{ns}/{plural}[/{name}[/{sub}]]
// "namespaces/{name}/status" is the Namespace's own subresource, not a kind.
import { byGroupPlural, type ResourceInfo } from "../api/kinds.js";
import { ApiError } from "../api/errors.js";

export interface ResourcePath {
  info: ResourceInfo;
  namespace?: string;
  name?: string;
  subresource?: string;
}

export function parseResourcePath(group: string, version: string, rest: string): ResourcePath {
  const segs = rest.split("/").filter((s) => s !== "").map(decodeSegment);
  const notFound = () => new ApiError("NotFound", `the server could not find the requested resource`);
  if (segs.length === 0) throw notFound();
  if (segs[0] === "namespaces" && segs.length >= 3) {
    const info = byGroupPlural(group, version, segs[2]);
    if (info && info.namespaced) {
      if (segs.length > 5) throw notFound();
      return { info, namespace: segs[1], name: segs[3], subresource: segs[4] };
    }
    if (group !== "" || version !== "v1") throw notFound();
  }
  const info = byGroupPlural(group, version, segs[0]);
  if (!info || segs.length > 3) throw notFound();
  return { info, name: segs[1], subresource: segs[2] };
}

/**
 * Percent-decode one segment. Callers pass raw URLs and router-decoded ones, so
 * a literal "%" may arrive here; a segment that does not decode is kept as it is
 * (no name may contain "%", so it then matches nothing: 404, not a crash).
 */
function decodeSegment(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}
