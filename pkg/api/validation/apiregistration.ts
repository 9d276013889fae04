// APIService (apiregistration.k8s.io/v1), as kube-aggregator's ValidateAPIService:
// the name is `version.group`, priorities in range, and a local APIService (no
// spec.service) carries no TLS settings.
import type { FieldError } from "../errors.js";
import type { KubeObject } from "../types.js";
import { forbidden, invalid, isRec, present, readRec, readString, required } from "./field.js";
import { dns1035LabelErrors, dns1123SubdomainErrors, portNumErrors } from "./names.js";

export function validateAPIService(obj: KubeObject): FieldError[] {
  const errs: FieldError[] = [];
  const spec = readRec(obj.spec, "spec", errs) ?? {};
  const group = readString(spec.group, "spec.group", errs) ?? "";
  const version = readString(spec.version, "spec.version", errs) ?? "";
  const want = `${version}.${group}`;
  if (typeof obj.metadata?.name === "string" && obj.metadata.name !== want) {
    errs.push(invalid("metadata.name", obj.metadata.name, `must be \`spec.version+"."+spec.group\`: "${want}"`));
  }
  if (group === "" && version !== "v1") errs.push(required("spec.group", "only v1 may have an empty group and it better be legacy kube"));
  if (group !== "") for (const m of dns1123SubdomainErrors(group)) errs.push(invalid("spec.group", group, m));
  for (const m of dns1035LabelErrors(version)) errs.push(invalid("spec.version", version, m));
  const inRange = (v: unknown, max: number) => typeof v === "number" && Number.isInteger(v) && v > 0 && v <= max;
  if (!inRange(spec.groupPriorityMinimum, 20000)) errs.push(invalid("spec.groupPriorityMinimum", spec.groupPriorityMinimum ?? 0, "must be positive and less than 20000"));
  if (!inRange(spec.versionPriority, 1000)) errs.push(invalid("spec.versionPriority", spec.versionPriority ?? 0, "must be positive and less than 1000"));
  const caBundle = typeof spec.caBundle === "string" ? spec.caBundle : "";
  if (!present(spec.service)) {
    if (caBundle !== "") errs.push(forbidden("spec.caBundle", "local APIServices may not have a caBundle"));
    if (spec.insecureSkipTLSVerify === true) errs.push(forbidden("spec.insecureSkipTLSVerify", "local APIServices may not have insecureSkipTLSVerify"));
    return errs;
  }
  const svc = readRec(spec.service, "spec.service", errs);
  if (isRec(svc)) {
    if (!readString(svc.namespace, "spec.service.namespace", errs)) errs.push(required("spec.service.namespace"));
    if (!readString(svc.name, "spec.service.name", errs)) errs.push(required("spec.service.name"));
    if (present(svc.port)) {
      const port = svc.port;
      if (typeof port !== "number") errs.push(invalid("spec.service.port", port, "must be an integer"));
      else for (const m of portNumErrors(port)) errs.push(invalid("spec.service.port", port, m));
    }
  }
  if (spec.insecureSkipTLSVerify === true && caBundle !== "") errs.push(invalid("spec.insecureSkipTLSVerify", true, "may not be true if caBundle is present"));
  return errs;
}
