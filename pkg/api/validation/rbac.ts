// RBAC objects (Role, ClusterRole, RoleBinding, ClusterRoleBinding), as
// Kubernetes' pkg/apis/rbac/validation checks them. Their names are path
// segments, not DNS names, so "system:node" and "skiff:token:alice:view" are valid.
import type { FieldError } from "../errors.js";
import type { KubeObject } from "../types.js";
import { child, index, invalid, notSupported, readList, readRec, readString, required } from "./field.js";
import type { NameValidator } from "./names.js";

/** Kubernetes' ValidatePathSegmentName: anything but ".", ".." and names with "/" or "%". */
export const nameIsPathSegment: NameValidator = (name, prefix) => {
  if (!prefix && (name === "." || name === "..")) return [`may not be '${name}'`];
  for (const bad of ["/", "%"]) if (name.includes(bad)) return [`may not contain '${bad}'`];
  return [];
};

function validateRules(rules: unknown, path: string, clusterScoped: boolean): FieldError[] {
  const errs: FieldError[] = [];
  readList(rules, path, errs).forEach((r, i) => {
    const p = index(path, i);
    const rule = readRec(r, p, errs);
    if (!rule) return;
    const verbs = readList(rule.verbs, child(p, "verbs"), errs);
    if (verbs.length === 0) errs.push(required(child(p, "verbs"), "verbs must contain at least one value"));
    const urls = readList(rule.nonResourceURLs, child(p, "nonResourceURLs"), errs);
    const resources = readList(rule.resources, child(p, "resources"), errs);
    const groups = readList(rule.apiGroups, child(p, "apiGroups"), errs);
    if (urls.length > 0) {
      if (!clusterScoped) errs.push(invalid(child(p, "nonResourceURLs"), rule.nonResourceURLs, "namespaced rules cannot apply to non-resource URLs"));
      if (resources.length > 0 || groups.length > 0) errs.push(invalid(child(p, "nonResourceURLs"), rule.nonResourceURLs, "rules cannot apply to both regular resources and non-resource URLs"));
    } else {
      if (groups.length === 0) errs.push(required(child(p, "apiGroups"), "resource rules must supply at least one api group"));
      if (resources.length === 0) errs.push(required(child(p, "resources"), "resource rules must supply at least one resource"));
    }
  });
  return errs;
}

export function validateRole(obj: KubeObject): FieldError[] {
  return validateRules((obj as { rules?: unknown }).rules ?? [], "rules", false);
}

export function validateClusterRole(obj: KubeObject): FieldError[] {
  // An aggregated role's rules are filled in by a controller; skiff keeps them as given.
  return validateRules((obj as { rules?: unknown }).rules ?? [], "rules", true);
}

function validateBinding(obj: KubeObject, clusterScoped: boolean): FieldError[] {
  const errs: FieldError[] = [];
  const b = obj as { roleRef?: unknown; subjects?: unknown };
  const ref = readRec(b.roleRef, "roleRef", errs);
  if (!b.roleRef) errs.push(required("roleRef"));
  if (ref) {
    const kind = readString(ref.kind, "roleRef.kind", errs);
    const allowed = clusterScoped ? ["ClusterRole"] : ["Role", "ClusterRole"];
    if (kind === undefined) errs.push(required("roleRef.kind"));
    else if (!allowed.includes(kind)) errs.push(notSupported("roleRef.kind", kind, allowed));
    const name = readString(ref.name, "roleRef.name", errs);
    if (!name) errs.push(required("roleRef.name"));
    const group = readString(ref.apiGroup, "roleRef.apiGroup", errs);
    if (group !== undefined && group !== "rbac.authorization.k8s.io") errs.push(notSupported("roleRef.apiGroup", group, ["rbac.authorization.k8s.io"]));
  }
  readList(b.subjects ?? [], "subjects", errs).forEach((s, i) => {
    const p = index("subjects", i);
    const subj = readRec(s, p, errs);
    if (!subj) return;
    const kind = readString(subj.kind, child(p, "kind"), errs);
    if (kind === undefined) errs.push(required(child(p, "kind")));
    else if (!["User", "Group", "ServiceAccount"].includes(kind)) errs.push(notSupported(child(p, "kind"), kind, ["User", "Group", "ServiceAccount"]));
    if (!readString(subj.name, child(p, "name"), errs)) errs.push(required(child(p, "name")));
    if (kind === "ServiceAccount" && clusterScoped && !subj.namespace) errs.push(required(child(p, "namespace")));
  });
  return errs;
}

export function validateRoleBinding(obj: KubeObject): FieldError[] {
  return validateBinding(obj, false);
}

export function validateClusterRoleBinding(obj: KubeObject): FieldError[] {
  return validateBinding(obj, true);
}
