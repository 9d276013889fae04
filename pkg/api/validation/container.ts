// One container of a pod spec: name, image, ports, env, resources, probes,
// lifecycle hooks and volume mounts (ValidateContainers in
// pkg/apis/core/validation). Pod-wide rules (unique names and host ports across
// containers) live in pod.ts, which hands in what it has collected.
import type { FieldError } from "../errors.js";
import { parseQuantity, type Quantity } from "../quantity.js";
import { LIFECYCLE_HANDLERS, validateHandler, validateProbe } from "./probe.js";
import {
  child,
  duplicate,
  forbidden,
  index,
  invalid,
  present,
  readList,
  readRec,
  readString,
  readInt,
  required,
  validateEnum,
  type Rec,
} from "./field.js";
import {
  dns1123LabelErrors,
  envVarNameErrors,
  IP_ERROR,
  isValidIP,
  portNameErrors,
  portNumErrors,
  qualifiedNameErrors,
} from "./names.js";

export const PROTOCOLS = ["TCP", "UDP", "SCTP"] as const;
const PULL_POLICIES = ["Always", "IfNotPresent", "Never"];
const TERMINATION_MESSAGE_POLICIES = ["File", "FallbackToLogsOnError"];
const STANDARD_CONTAINER_RESOURCES = ["cpu", "memory", "ephemeral-storage"];

export interface ContainerContext {
  /** Volume names declared in spec.volumes, for volumeMounts to refer to. */
  volumes: Set<string>;
  /** Whether this is an entry of spec.initContainers. */
  init: boolean;
}

export function validateContainer(c: Rec, path: string, ctx: ContainerContext): FieldError[] {
  const errs: FieldError[] = [];
  const namePath = child(path, "name");
  const name = readString(c.name, namePath, errs);
  if (name === undefined) errs.push(required(namePath));
  else for (const msg of dns1123LabelErrors(name)) errs.push(invalid(namePath, name, msg));

  const imagePath = child(path, "image");
  const image = readString(c.image, imagePath, errs);
  if (image === undefined) errs.push(required(imagePath));
  else if (image.trim() !== image) errs.push(invalid(imagePath, image, "must not have leading or trailing whitespace"));

  validateEnum(c.imagePullPolicy, child(path, "imagePullPolicy"), PULL_POLICIES, errs);
  validateEnum(c.terminationMessagePolicy, child(path, "terminationMessagePolicy"), TERMINATION_MESSAGE_POLICIES, errs);
  for (const field of ["command", "args"]) validateStringList(c[field], child(path, field), errs);

  errs.push(...validateContainerPorts(c.ports, child(path, "ports")));
  errs.push(...validateEnv(c.env, child(path, "env")));
  errs.push(...validateEnvFrom(c.envFrom, child(path, "envFrom")));
  errs.push(...validateResources(c.resources, child(path, "resources")));
  errs.push(...validateVolumeMounts(c.volumeMounts, child(path, "volumeMounts"), ctx.volumes));

  const restartPolicy = readString(c.restartPolicy, child(path, "restartPolicy"), errs);
  const sidecar = ctx.init && restartPolicy === "Always";
  if (restartPolicy !== undefined) {
    if (!ctx.init) errs.push(forbidden(child(path, "restartPolicy"), "may not be set for non-init containers"));
    else if (restartPolicy !== "Always") errs.push(invalid(child(path, "restartPolicy"), restartPolicy, 'must be "Always" if set'));
  }

  for (const probe of ["livenessProbe", "readinessProbe", "startupProbe"]) {
    if (!present(c[probe])) continue;
    // Plain init containers run to completion, so there is nothing to probe.
    if (ctx.init && !sidecar) {
      errs.push(forbidden(child(path, probe), "may not be set for init containers without restartPolicy=Always"));
      continue;
    }
    errs.push(...validateProbe(c[probe], child(path, probe), probe !== "readinessProbe"));
  }

  const lifecycle = readRec(c.lifecycle, child(path, "lifecycle"), errs);
  if (lifecycle) {
    for (const hook of ["postStart", "preStop"]) {
      const h = readRec(lifecycle[hook], child(child(path, "lifecycle"), hook), errs);
      if (h) errs.push(...validateHandler(h, child(child(path, "lifecycle"), hook), LIFECYCLE_HANDLERS));
    }
  }
  return errs;
}

function validateStringList(v: unknown, path: string, errs: FieldError[]): void {
  readList(v, path, errs).forEach((s, i) => {
    if (typeof s !== "string") errs.push(invalid(index(path, i), s, "must be a string"));
  });
}

function validateContainerPorts(ports: unknown, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const names = new Set<string>();
  readList(ports, path, errs).forEach((raw, i) => {
    const p = index(path, i);
    const port = readRec(raw, p, errs);
    if (!port) return;
    const namePath = child(p, "name");
    const name = readString(port.name, namePath, errs);
    if (name !== undefined) {
      for (const msg of portNameErrors(name)) errs.push(invalid(namePath, name, msg));
      if (names.has(name)) errs.push(duplicate(namePath, name));
      names.add(name);
    }
    const cpPath = child(p, "containerPort");
    const containerPort = readInt(port.containerPort, cpPath, errs);
    if (containerPort === undefined) {
      if (!present(port.containerPort)) errs.push(required(cpPath));
    } else {
      for (const msg of portNumErrors(containerPort)) errs.push(invalid(cpPath, containerPort, msg));
    }
    const hpPath = child(p, "hostPort");
    const hostPort = readInt(port.hostPort, hpPath, errs);
    // 0 means "no host port", so only other values are checked.
    if (hostPort !== undefined && hostPort !== 0) {
      for (const msg of portNumErrors(hostPort)) errs.push(invalid(hpPath, hostPort, msg));
    }
    validateEnum(port.protocol, child(p, "protocol"), PROTOCOLS, errs);
    const hostIP = readString(port.hostIP, child(p, "hostIP"), errs);
    if (hostIP !== undefined && !isValidIP(hostIP)) errs.push(invalid(child(p, "hostIP"), hostIP, IP_ERROR));
  });
  return errs;
}

const VALUE_FROM_SOURCES = ["fieldRef", "resourceFieldRef", "configMapKeyRef", "secretKeyRef"];

function validateEnv(env: unknown, path: string): FieldError[] {
  const errs: FieldError[] = [];
  readList(env, path, errs).forEach((raw, i) => {
    const p = index(path, i);
    const ev = readRec(raw, p, errs);
    if (!ev) return;
    const namePath = child(p, "name");
    const name = readString(ev.name, namePath, errs);
    if (name === undefined) errs.push(required(namePath));
    else for (const msg of envVarNameErrors(name)) errs.push(invalid(namePath, name, msg));
    const value = readString(ev.value, child(p, "value"), errs);
    const vfPath = child(p, "valueFrom");
    const valueFrom = readRec(ev.valueFrom, vfPath, errs);
    if (!valueFrom) return;
    if (value !== undefined) errs.push(invalid(vfPath, "", "may not be specified when `value` is not empty"));
    const set = VALUE_FROM_SOURCES.filter((s) => present(valueFrom[s]));
    if (set.length === 0) {
      errs.push(invalid(vfPath, "", "must specify one of: `fieldRef`, `resourceFieldRef`, `configMapKeyRef` or `secretKeyRef`"));
    } else if (set.length > 1) {
      errs.push(invalid(vfPath, "", "may not have more than one field specified at a time"));
    }
    const requiredKeys: Record<string, string[]> = {
      fieldRef: ["fieldPath"],
      resourceFieldRef: ["resource"],
      configMapKeyRef: ["name", "key"],
      secretKeyRef: ["name", "key"],
    };
    for (const source of set) {
      const sp = child(vfPath, source);
      const src = readRec(valueFrom[source], sp, errs);
      if (!src) continue;
      for (const k of requiredKeys[source]) {
        if (readString(src[k], child(sp, k), errs) === undefined) errs.push(required(child(sp, k)));
      }
    }
  });
  return errs;
}

function validateEnvFrom(envFrom: unknown, path: string): FieldError[] {
  const errs: FieldError[] = [];
  readList(envFrom, path, errs).forEach((raw, i) => {
    const p = index(path, i);
    const src = readRec(raw, p, errs);
    if (!src) return;
    const prefix = readString(src.prefix, child(p, "prefix"), errs);
    if (prefix !== undefined) for (const msg of envVarNameErrors(prefix)) errs.push(invalid(child(p, "prefix"), prefix, msg));
    const set = ["configMapRef", "secretRef"].filter((s) => present(src[s]));
    if (set.length === 0) errs.push(invalid(p, "", "must specify one of: `configMapRef` or `secretRef`"));
    else if (set.length > 1) errs.push(invalid(p, "", "may not have more than one field specified at a time"));
  });
  return errs;
}

/** A resource quantity as written in YAML: a string ("500m") or a bare number (2). */
function quantityText(v: unknown): string | undefined {
  if (typeof v === "string") return v;
  if (typeof v === "number" && Number.isFinite(v)) return String(v);
  return undefined;
}

/** Parse a quantity, reporting syntax errors and negative values at `path`. */
export function validateQuantity(v: unknown, path: string, errs: FieldError[]): Quantity | undefined {
  const text = quantityText(v);
  if (text === undefined) {
    errs.push(invalid(path, v, "must be a quantity string such as \"500m\" or \"128Mi\""));
    return undefined;
  }
  let q: Quantity;
  try {
    q = parseQuantity(text);
  } catch (e) {
    errs.push(invalid(path, text, e instanceof Error ? e.message : String(e)));
    return undefined;
  }
  if (q.cmp(parseQuantity("0")) < 0) {
    errs.push(invalid(path, text, "must be greater than or equal to 0"));
    return undefined;
  }
  return q;
}

function containerResourceNameErrors(name: string): string[] {
  const errs = qualifiedNameErrors(name);
  if (errs.length > 0) return errs;
  if (!name.includes("/") && !STANDARD_CONTAINER_RESOURCES.includes(name) && !name.startsWith("hugepages-")) {
    return ["must be a standard resource for containers"];
  }
  return [];
}

/** limits and requests: known names, valid non-negative quantities, requests ≤ limits. */
export function validateResources(resources: unknown, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const res = readRec(resources, path, errs);
  if (!res) return errs;
  const parsed: Record<"limits" | "requests", Map<string, { text: string; q: Quantity }>> = {
    limits: new Map(),
    requests: new Map(),
  };
  for (const section of ["limits", "requests"] as const) {
    const sp = child(path, section);
    const list = readRec(res[section], sp, errs);
    if (!list) continue;
    for (const [name, value] of Object.entries(list)) {
      // Brief's and DESIGN's path style: `resources.limits.memory`, not `limits[memory]`.
      const p = child(sp, name);
      for (const msg of containerResourceNameErrors(name)) errs.push(invalid(p, name, msg));
      const q = validateQuantity(value, p, errs);
      if (q) parsed[section].set(name, { text: quantityText(value) ?? "", q });
    }
  }
  for (const [name, req] of parsed.requests) {
    const limit = parsed.limits.get(name);
    if (limit && req.q.cmp(limit.q) > 0) {
      errs.push(invalid(child(child(path, "requests"), name), req.text, `must be less than or equal to ${name} limit of ${limit.text}`));
    }
  }
  return errs;
}

function validateVolumeMounts(mounts: unknown, path: string, volumes: Set<string>): FieldError[] {
  const errs: FieldError[] = [];
  const mountPaths = new Set<string>();
  readList(mounts, path, errs).forEach((raw, i) => {
    const p = index(path, i);
    const m = readRec(raw, p, errs);
    if (!m) return;
    const namePath = child(p, "name");
    const name = readString(m.name, namePath, errs);
    if (name === undefined) errs.push(required(namePath));
    // Kubernetes reports this as "Not found"; skiff's FieldError has no such type.
    else if (!volumes.has(name)) errs.push(invalid(namePath, name, "not found: must match the name of a volume in spec.volumes"));
    const mpPath = child(p, "mountPath");
    const mountPath = readString(m.mountPath, mpPath, errs);
    if (mountPath === undefined) errs.push(required(mpPath));
    else if (mountPaths.has(mountPath)) errs.push(invalid(mpPath, mountPath, "must be unique"));
    else mountPaths.add(mountPath);
  });
  return errs;
}
