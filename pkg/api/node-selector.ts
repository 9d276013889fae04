// Node selector terms as NodeAffinity evaluates them (component-helpers
// nodeaffinity): terms are ORed, the requirements inside a term ANDed, and an
// empty term matches nothing.
import type { V1NodeSelectorRequirement, V1NodeSelectorTerm } from "@kubernetes/client-node";

export interface NodeFacts {
  name: string;
  labels: Record<string, string>;
}

export function matchesAnyTerm(terms: readonly V1NodeSelectorTerm[], node: NodeFacts): boolean {
  for (const t of terms) if (matchesTerm(t, node)) return true;
  return false;
}

export function matchesTerm(term: V1NodeSelectorTerm | undefined, node: NodeFacts): boolean {
  const exprs = term?.matchExpressions ?? [];
  const fields = term?.matchFields ?? [];
  if (exprs.length === 0 && fields.length === 0) return false;
  for (const r of exprs) if (!matchesRequirement(r, node.labels[r.key])) return false;
  for (const r of fields) {
    // metadata.name is the only field Kubernetes supports here.
    if (r.key !== "metadata.name") return false;
    if (r.operator !== "In" && r.operator !== "NotIn") return false;
    if (!matchesRequirement(r, node.name)) return false;
  }
  return true;
}

/** One requirement against one value (undefined = the label is absent). */
export function matchesRequirement(r: V1NodeSelectorRequirement, value: string | undefined): boolean {
  const values = r.values ?? [];
  switch (r.operator) {
    case "In":
      return value !== undefined && values.includes(value);
    case "NotIn":
      return value === undefined || !values.includes(value);
    case "Exists":
      return value !== undefined;
    case "DoesNotExist":
      return value === undefined;
    case "Gt":
    case "Lt": {
      // Both sides must be integers (strconv.ParseInt); anything else does not match.
      if (value === undefined || values.length !== 1) return false;
      const have = parseInteger(value);
      const want = parseInteger(values[0]);
      if (have === undefined || want === undefined) return false;
      return r.operator === "Gt" ? have > want : have < want;
    }
    default:
      return false;
  }
}

function parseInteger(s: string): bigint | undefined {
  return /^[+-]?\d+$/.test(s) ? BigInt(s) : undefined;
}
