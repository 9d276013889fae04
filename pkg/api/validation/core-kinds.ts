// The smaller kinds: Namespace, Node, ConfigMap, Lease, Event and Endpoints.
import type { FieldError } from "../errors.js";
import type { KubeObject } from "../types.js";
import { PROTOCOLS, validateQuantity } from "./container.js";
import {
  child,
  duplicate,
  index,
  invalid,
  key,
  present,
  readInt,
  readList,
  readRec,
  readString,
  required,
  tooLong,
  validateEnum,
  validateNonNegative,
} from "./field.js";
import { validateFinalizers } from "./meta.js";
import { configMapKeyErrors, dns1123LabelErrors, IP_ERROR, isValidIP, labelValueErrors, portNumErrors, qualifiedNameErrors } from "./names.js";
import { TAINT_EFFECTS } from "./pod.js";

/** The most a ConfigMap (or Secret) may hold, keys and values together: 1 MiB. */
export const MAX_CONFIG_MAP_BYTES = 1024 * 1024;

export function validateNamespace(obj: KubeObject): FieldError[] {
  const errs: FieldError[] = [];
  const spec = readRec(obj.spec, "spec", errs);
  if (spec) errs.push(...validateFinalizers(spec.finalizers, "spec.finalizers"));
  return errs;
}

export function validateNode(obj: KubeObject): FieldError[] {
  const errs: FieldError[] = [];
  const spec = readRec(obj.spec, "spec", errs);
  if (spec) {
    const taintsPath = "spec.taints";
    const seen = new Set<string>();
    readList(spec.taints, taintsPath, errs).forEach((raw, i) => {
      const p = index(taintsPath, i);
      const t = readRec(raw, p, errs);
      if (!t) return;
      const k = readString(t.key, child(p, "key"), errs);
      if (k === undefined) errs.push(required(child(p, "key")));
      else for (const msg of qualifiedNameErrors(k)) errs.push(invalid(child(p, "key"), k, msg));
      const value = readString(t.value, child(p, "value"), errs);
      if (value !== undefined) for (const msg of labelValueErrors(value)) errs.push(invalid(child(p, "value"), value, msg));
      const effect = validateEnum(t.effect, child(p, "effect"), TAINT_EFFECTS, errs);
      if (effect === undefined && !present(t.effect)) errs.push(required(child(p, "effect")));
      // A node may carry a key twice only with different effects.
      const id = `${k ?? ""}:${effect ?? ""}`;
      if (seen.has(id)) errs.push(duplicate(p, { key: k, effect }));
      seen.add(id);
    });
  }
  const status = readRec(obj.status, "status", errs);
  if (status) {
    for (const section of ["capacity", "allocatable"]) {
      const sp = child("status", section);
      const list = readRec(status[section], sp, errs);
      if (list) for (const [name, q] of Object.entries(list)) validateQuantity(q, child(sp, name), errs);
    }
  }
  return errs;
}

export function validateConfigMap(obj: KubeObject): FieldError[] {
  const errs: FieldError[] = [];
  let size = 0;
  const data = readRec(obj.data, "data", errs) ?? {};
  const binary = readRec(obj.binaryData, "binaryData", errs) ?? {};
  for (const [field, map] of [["data", data], ["binaryData", binary]] as const) {
    for (const [k, v] of Object.entries(map)) {
      const p = key(field, k);
      for (const msg of configMapKeyErrors(k)) errs.push(invalid(p, k, msg));
      if (typeof v !== "string") errs.push(invalid(p, v, "must be a string"));
      else size += Buffer.byteLength(k, "utf8") + Buffer.byteLength(v, "utf8");
    }
  }
  // Both maps are written into the same directory when mounted, so keys must not collide.
  for (const k of Object.keys(binary)) {
    if (Object.hasOwn(data, k)) errs.push(invalid(key("data", k), k, "duplicate of key present in binaryData"));
  }
  if (size > MAX_CONFIG_MAP_BYTES) errs.push(tooLong("data", "", MAX_CONFIG_MAP_BYTES));
  return errs;
}

export function validateLease(obj: KubeObject): FieldError[] {
  const errs: FieldError[] = [];
  const spec = readRec(obj.spec, "spec", errs);
  if (!spec) return errs;
  readString(spec.holderIdentity, "spec.holderIdentity", errs);
  const duration = readInt(spec.leaseDurationSeconds, "spec.leaseDurationSeconds", errs);
  if (duration !== undefined && duration <= 0) errs.push(invalid("spec.leaseDurationSeconds", duration, "must be greater than 0"));
  validateNonNegative(spec.leaseTransitions, "spec.leaseTransitions", errs);
  for (const t of ["acquireTime", "renewTime"]) {
    const s = readString(spec[t], child("spec", t), errs);
    if (s !== undefined && Number.isNaN(Date.parse(s))) errs.push(invalid(child("spec", t), s, "must be an RFC 3339 timestamp"));
  }
  return errs;
}

export function validateEvent(obj: KubeObject): FieldError[] {
  const errs: FieldError[] = [];
  const ref = readRec(obj.involvedObject, "involvedObject", errs);
  if (!ref) {
    if (!present(obj.involvedObject)) errs.push(required("involvedObject"));
    return errs;
  }
  for (const field of ["kind", "name"]) {
    if (readString(ref[field], child("involvedObject", field), errs) === undefined) errs.push(required(child("involvedObject", field)));
  }
  // An event lives in its object's namespace, so `get events -n X` finds it.
  const ns = readString(ref.namespace, "involvedObject.namespace", errs);
  const own = obj.metadata?.namespace;
  if (ns !== undefined && typeof own === "string" && own !== "" && ns !== own) {
    errs.push(invalid("involvedObject.namespace", ns, "does not match event.namespace"));
  }
  validateEnum(obj.type, "type", ["Normal", "Warning"], errs);
  validateNonNegative(obj.count, "count", errs);
  return errs;
}

/**
 * Endpoints: every address a valid IP. Unlike Kubernetes, loopback addresses are
 * allowed: skiff gives pods addresses in 127.0.0.0/8.
 */
export function validateEndpoints(obj: KubeObject): FieldError[] {
  const errs: FieldError[] = [];
  readList(obj.subsets, "subsets", errs).forEach((raw, i) => {
    const sp = index("subsets", i);
    const subset = readRec(raw, sp, errs);
    if (!subset) return;
    for (const field of ["addresses", "notReadyAddresses"]) {
      const ap = child(sp, field);
      readList(subset[field], ap, errs).forEach((addr, j) => {
        const p = index(ap, j);
        const a = readRec(addr, p, errs);
        if (!a) return;
        const ip = readString(a.ip, child(p, "ip"), errs);
        if (ip === undefined) errs.push(required(child(p, "ip")));
        else if (!isValidIP(ip)) errs.push(invalid(child(p, "ip"), ip, IP_ERROR));
      });
    }
    const pp = child(sp, "ports");
    const ports = readList(subset.ports, pp, errs);
    const names = new Set<string>();
    ports.forEach((raw2, j) => {
      const p = index(pp, j);
      const port = readRec(raw2, p, errs);
      if (!port) return;
      const name = readString(port.name, child(p, "name"), errs);
      if (name === undefined) {
        if (ports.length > 1) errs.push(required(child(p, "name")));
      } else {
        for (const msg of dns1123LabelErrors(name)) errs.push(invalid(child(p, "name"), name, msg));
        if (names.has(name)) errs.push(duplicate(child(p, "name"), name));
        names.add(name);
      }
      const num = readInt(port.port, child(p, "port"), errs);
      if (num === undefined) {
        if (!present(port.port)) errs.push(required(child(p, "port")));
      } else {
        for (const msg of portNumErrors(num)) errs.push(invalid(child(p, "port"), num, msg));
      }
      validateEnum(port.protocol, child(p, "protocol"), PROTOCOLS, errs);
    });
  });
  return errs;
}

