// Pod specs, on their own (Pod) or inside a template (Deployment, ReplicaSet):
// ValidatePodSpec of pkg/apis/core/validation, trimmed to what skiff runs.
import type { FieldError } from "../errors.js";
import { validateContainer, validateQuantity } from "./container.js";
import {
  child,
  duplicate,
  forbidden,
  index,
  invalid,
  isRec,
  notSupported,
  present,
  readInt,
  readList,
  readRec,
  readString,
  required,
  validateEnum,
  validateNonNegative,
  type Rec,
} from "./field.js";
import { validateLabels } from "./meta.js";
import { dns1123LabelErrors, dns1123SubdomainErrors, labelValueErrors, qualifiedNameErrors } from "./names.js";

export const RESTART_POLICIES = ["Always", "OnFailure", "Never"];
const DNS_POLICIES = ["ClusterFirst", "ClusterFirstWithHostNet", "Default", "None"];
/** The volume sources the skiff agent knows how to provide. */
export const VOLUME_SOURCES = ["emptyDir", "hostPath", "configMap", "secret", "persistentVolumeClaim"];
export const TAINT_EFFECTS = ["NoSchedule", "PreferNoSchedule", "NoExecute"];

export function validatePodSpec(spec: unknown, path: string): FieldError[] {
  const errs: FieldError[] = [];
  if (!isRec(spec)) {
    errs.push(present(spec) ? invalid(path, spec, "must be an object") : required(path));
    return errs;
  }
  const volumes = validateVolumes(spec.volumes, child(path, "volumes"), errs);

  const containersPath = child(path, "containers");
  const containers = readList(spec.containers, containersPath, errs);
  if (containers.length === 0) errs.push(required(containersPath));

  // Names are unique across regular and init containers: logs, exec and
  // status all address a container by name alone.
  const names = new Set<string>();
  // Two containers cannot bind the same host port and protocol on one node.
  const hostPorts = new Set<string>();
  const each = (list: unknown[], listPath: string, init: boolean): void =>
    list.forEach((raw, i) => {
      const p = index(listPath, i);
      const c = readRec(raw, p, errs);
      if (!c) return;
      errs.push(...validateContainer(c, p, { volumes, init }));
      if (typeof c.name === "string" && c.name !== "") {
        if (names.has(c.name)) errs.push(duplicate(child(p, "name"), c.name));
        names.add(c.name);
      }
      collectHostPorts(c, p, hostPorts, errs);
    });
  const initPath = child(path, "initContainers");
  each(readList(spec.initContainers, initPath, errs), initPath, true);
  each(containers, containersPath, false);

  validateEnum(spec.restartPolicy, child(path, "restartPolicy"), RESTART_POLICIES, errs);
  validateEnum(spec.dnsPolicy, child(path, "dnsPolicy"), DNS_POLICIES, errs);
  validateNonNegative(spec.terminationGracePeriodSeconds, child(path, "terminationGracePeriodSeconds"), errs);
  const deadline = readInt(spec.activeDeadlineSeconds, child(path, "activeDeadlineSeconds"), errs);
  if (deadline !== undefined && deadline < 1) {
    errs.push(invalid(child(path, "activeDeadlineSeconds"), deadline, "must be between 1 and 2147483647, inclusive"));
  }
  errs.push(...validateLabels(spec.nodeSelector, child(path, "nodeSelector")));
  for (const field of ["nodeName", "serviceAccountName", "schedulerName"]) {
    const fp = child(path, field);
    const v = readString(spec[field], fp, errs);
    if (v !== undefined) for (const msg of dns1123SubdomainErrors(v)) errs.push(invalid(fp, v, msg));
  }
  const hostname = readString(spec.hostname, child(path, "hostname"), errs);
  if (hostname !== undefined) for (const msg of dns1123LabelErrors(hostname)) errs.push(invalid(child(path, "hostname"), hostname, msg));
  errs.push(...validateTolerations(spec.tolerations, child(path, "tolerations")));
  return errs;
}

function collectHostPorts(c: Rec, path: string, seen: Set<string>, errs: FieldError[]): void {
  if (!Array.isArray(c.ports)) return;
  c.ports.forEach((port, j) => {
    if (!isRec(port) || typeof port.hostPort !== "number" || port.hostPort === 0) return;
    const id = `${port.hostPort}/${typeof port.protocol === "string" && port.protocol ? port.protocol : "TCP"}`;
    if (seen.has(id)) errs.push(duplicate(child(index(child(path, "ports"), j), "hostPort"), id));
    seen.add(id);
  });
}

/** Returns the declared volume names, for volumeMounts to check against. */
function validateVolumes(volumes: unknown, path: string, errs: FieldError[]): Set<string> {
  const names = new Set<string>();
  readList(volumes, path, errs).forEach((raw, i) => {
    const p = index(path, i);
    const v = readRec(raw, p, errs);
    if (!v) return;
    const namePath = child(p, "name");
    const name = readString(v.name, namePath, errs);
    if (name === undefined) {
      errs.push(required(namePath));
    } else {
      for (const msg of dns1123LabelErrors(name)) errs.push(invalid(namePath, name, msg));
      if (names.has(name)) errs.push(duplicate(namePath, name));
      names.add(name);
    }
    const sources = Object.keys(v).filter((k) => k !== "name" && present(v[k]));
    if (sources.length === 0) {
      errs.push(required(p, "must specify a volume type"));
      return;
    }
    if (sources.length > 1) {
      for (const extra of sources.slice(1)) errs.push(forbidden(child(p, extra), "may not specify more than 1 volume type"));
      return;
    }
    const [source] = sources;
    if (!VOLUME_SOURCES.includes(source)) {
      errs.push(notSupported(p, source, VOLUME_SOURCES));
      return;
    }
    const sp = child(p, source);
    const src = readRec(v[source], sp, errs);
    if (src) validateVolumeSource(source, src, sp, errs);
  });
  return names;
}

function validateVolumeSource(source: string, src: Rec, path: string, errs: FieldError[]): void {
  const requireString = (field: string): void => {
    if (readString(src[field], child(path, field), errs) === undefined) errs.push(required(child(path, field)));
  };
  switch (source) {
    case "emptyDir":
      validateEnum(src.medium, child(path, "medium"), ["", "Memory"], errs);
      if (present(src.sizeLimit)) validateQuantity(src.sizeLimit, child(path, "sizeLimit"), errs);
      break;
    case "hostPath":
      requireString("path");
      validateEnum(src.type, child(path, "type"), ["", "DirectoryOrCreate", "Directory", "FileOrCreate", "File", "Socket", "CharDevice", "BlockDevice"], errs);
      break;
    case "configMap":
      requireString("name");
      break;
    case "secret":
      requireString("secretName");
      break;
    case "persistentVolumeClaim":
      requireString("claimName");
      break;
  }
  const mode = readInt(src.defaultMode, child(path, "defaultMode"), errs);
  if (mode !== undefined && (mode < 0 || mode > 0o777)) {
    errs.push(invalid(child(path, "defaultMode"), mode, "must be a number between 0 and 0777 (octal), both inclusive"));
  }
}

function validateTolerations(tolerations: unknown, path: string): FieldError[] {
  const errs: FieldError[] = [];
  readList(tolerations, path, errs).forEach((raw, i) => {
    const p = index(path, i);
    const t = readRec(raw, p, errs);
    if (!t) return;
    const key = readString(t.key, child(p, "key"), errs);
    if (key !== undefined) for (const msg of qualifiedNameErrors(key)) errs.push(invalid(child(p, "key"), key, msg));
    const opPath = child(p, "operator");
    const op = readString(t.operator, opPath, errs) ?? "Equal";
    const value = readString(t.value, child(p, "value"), errs);
    if (op === "Exists") {
      if (value !== undefined) errs.push(invalid(child(p, "value"), value, "value must be empty when `operator` is 'Exists'"));
    } else if (op === "Equal") {
      // An empty key matches every taint, which only makes sense with Exists.
      if (key === undefined) errs.push(invalid(opPath, op, "operator must be Exists when `key` is empty, which means \"match all values and all keys\""));
      if (value !== undefined) for (const msg of labelValueErrors(value)) errs.push(invalid(child(p, "value"), value, msg));
    } else {
      errs.push(notSupported(opPath, op, ["Equal", "Exists"]));
    }
    const effect = validateEnum(t.effect, child(p, "effect"), TAINT_EFFECTS, errs);
    if (present(t.tolerationSeconds)) {
      readInt(t.tolerationSeconds, child(p, "tolerationSeconds"), errs);
      if (effect !== "NoExecute") errs.push(invalid(child(p, "effect"), effect ?? "", "effect must be 'NoExecute' when `tolerationSeconds` is set"));
    }
  });
  return errs;
}
