// PersistentVolume, PersistentVolumeClaim (core/v1) and StorageClass
// (storage.k8s.io/v1), as pkg/apis/core/validation and pkg/apis/storage/validation
// check them: access modes, a positive storage size, exactly one volume source,
// known policies and modes, and what may not change after creation.
import type { FieldError } from "../errors.js";
import { ACCESS_MODES, RECLAIM_POLICIES, VOLUME_BINDING_MODES, VOLUME_MODES } from "../storage.js";
import type { KubeObject } from "../types.js";
import { validateQuantity } from "./container.js";
import { child, forbidden, index, invalid, isRec, notSupported, present, readList, readRec, readString, readStringMap, required, validateEnum, type Rec } from "./field.js";
import { validateLabelSelectorObject } from "./meta.js";
import { dns1123SubdomainErrors } from "./names.js";

/** Deep equality of decoded JSON, key order ignored (pkg/api imports nothing of pkg/util). */
function jsonEqual(a: unknown, b: unknown): boolean {
  const canon = (v: unknown): unknown =>
    Array.isArray(v) ? v.map(canon) : isRec(v) ? Object.fromEntries(Object.keys(v).sort().filter((k) => v[k] !== undefined).map((k) => [k, canon(v[k])])) : v;
  return JSON.stringify(canon(a)) === JSON.stringify(canon(b));
}

/** The persistent volume sources skiff's agent can mount (a directory on the node). */
const PV_SOURCES = ["hostPath", "local"];
/** Every source Kubernetes knows; a volume must name exactly one. Others are accepted but not mountable. */
const KNOWN_PV_SOURCES = [...PV_SOURCES, "nfs", "csi", "iscsi", "fc", "rbd", "cephfs", "glusterfs", "awsElasticBlockStore", "gcePersistentDisk", "azureDisk", "azureFile", "cinder", "flexVolume", "flocker", "photonPersistentDisk", "portworxVolume", "quobyte", "scaleIO", "storageos", "vsphereVolume"];

function validateAccessModes(v: unknown, path: string, errs: FieldError[], what: string): void {
  const modes = readList(v, path, errs);
  if (modes.length === 0) {
    errs.push(required(path, what));
    return;
  }
  modes.forEach((m, i) => {
    if (typeof m !== "string" || !(ACCESS_MODES as readonly string[]).includes(m)) errs.push(notSupported(index(path, i), m, ACCESS_MODES));
  });
  if (modes.includes("ReadWriteOncePod") && modes.length > 1) errs.push(forbidden(path, "may not use ReadWriteOncePod with other access modes"));
}

/** capacity / requests: only `storage`, a quantity greater than zero. */
function validateStorageSize(v: unknown, path: string, errs: FieldError[]): void {
  const rec = readRec(v, path, errs);
  if (!rec || !present(rec.storage)) {
    errs.push(required(rec ? `${path}[storage]` : path, ""));
    return;
  }
  for (const k of Object.keys(rec)) if (k !== "storage") errs.push(notSupported(`${path}[${k}]`, k, ["storage"]));
  const q = validateQuantity(rec.storage, `${path}[storage]`, errs);
  if (q && q.sign() <= 0) errs.push(invalid(`${path}[storage]`, rec.storage, "must be greater than zero"));
}

function validateClassName(v: unknown, path: string, errs: FieldError[]): void {
  const name = readString(v, path, errs);
  if (name !== undefined) for (const msg of dns1123SubdomainErrors(name)) errs.push(invalid(path, name, msg));
}

function validateNodeAffinity(v: unknown, path: string, errs: FieldError[]): boolean {
  const aff = readRec(v, path, errs);
  if (!aff) return false;
  const req = readRec(aff.required, child(path, "required"), errs);
  if (!req) return false;
  const termsPath = child(child(path, "required"), "nodeSelectorTerms");
  const terms = readList(req.nodeSelectorTerms, termsPath, errs);
  if (terms.length === 0) errs.push(required(termsPath, "must have at least one node selector term"));
  return terms.length > 0;
}

export function validatePersistentVolume(obj: KubeObject, ctx: { old?: KubeObject } = {}): FieldError[] {
  const errs: FieldError[] = [];
  const spec = readRec(obj.spec, "spec", errs);
  if (!spec) return present(obj.spec) ? errs : [required("spec")];
  validateAccessModes(spec.accessModes, "spec.accessModes", errs, "must specify at least 1 access mode");
  validateStorageSize(spec.capacity, "spec.capacity", errs);
  validateEnum(spec.persistentVolumeReclaimPolicy, "spec.persistentVolumeReclaimPolicy", RECLAIM_POLICIES, errs);
  validateEnum(spec.volumeMode, "spec.volumeMode", VOLUME_MODES, errs);
  validateClassName(spec.storageClassName, "spec.storageClassName", errs);
  const hasAffinity = validateNodeAffinity(spec.nodeAffinity, "spec.nodeAffinity", errs);
  const sources = KNOWN_PV_SOURCES.filter((s) => present(spec[s]));
  if (sources.length === 0) errs.push(required("spec", "must specify a volume type"));
  if (sources.length > 1) errs.push(forbidden(`spec.${sources[1]}`, "may not specify more than 1 volume type"));
  const hostPath = readRec(spec.hostPath, "spec.hostPath", errs);
  if (hostPath) {
    const p = readString(hostPath.path, "spec.hostPath.path", errs);
    if (p === undefined) errs.push(required("spec.hostPath.path"));
    else if (p.split("/").includes("..")) errs.push(invalid("spec.hostPath.path", p, "must not contain '..'"));
    validateEnum(hostPath.type, "spec.hostPath.type", ["", "DirectoryOrCreate", "Directory", "FileOrCreate", "File", "Socket", "CharDevice", "BlockDevice"], errs);
  }
  const local = readRec(spec.local, "spec.local", errs);
  if (local) {
    if (readString(local.path, "spec.local.path", errs) === undefined) errs.push(required("spec.local.path"));
    if (!hasAffinity) errs.push(required("spec.nodeAffinity", "Local volume requires node affinity"));
  }
  const claimRef = readRec(spec.claimRef, "spec.claimRef", errs);
  if (claimRef && readString(claimRef.name, "spec.claimRef.name", errs) === undefined) errs.push(required("spec.claimRef.name"));
  const old = ctx.old && isRec(ctx.old.spec) ? ctx.old.spec : undefined;
  if (old) {
    const source = (s: Rec) => Object.fromEntries(KNOWN_PV_SOURCES.filter((k) => present(s[k])).map((k) => [k, s[k]]));
    if (!jsonEqual(source(old), source(spec))) errs.push(forbidden("spec.persistentvolumesource", "spec.persistentvolumesource is immutable after creation"));
    if (present(old.nodeAffinity) && !jsonEqual(old.nodeAffinity, spec.nodeAffinity)) errs.push(forbidden("spec.nodeAffinity", "field is immutable"));
    if (present(old.storageClassName) && old.storageClassName !== "" && old.storageClassName !== spec.storageClassName) {
      errs.push(forbidden("spec.storageClassName", "field is immutable"));
    }
  }
  return errs;
}

export function validatePersistentVolumeClaim(obj: KubeObject, ctx: { old?: KubeObject } = {}): FieldError[] {
  const errs: FieldError[] = [];
  const spec = readRec(obj.spec, "spec", errs);
  if (!spec) return present(obj.spec) ? errs : [required("spec")];
  validateAccessModes(spec.accessModes, "spec.accessModes", errs, "at least 1 access mode is required");
  const resources = readRec(spec.resources, "spec.resources", errs);
  validateStorageSize(resources?.requests, "spec.resources.requests", errs);
  validateEnum(spec.volumeMode, "spec.volumeMode", VOLUME_MODES, errs);
  validateClassName(spec.storageClassName, "spec.storageClassName", errs);
  readString(spec.volumeName, "spec.volumeName", errs);
  if (present(spec.selector)) errs.push(...validateLabelSelectorObject(spec.selector, "spec.selector"));
  const old = ctx.old && isRec(ctx.old.spec) ? ctx.old.spec : undefined;
  if (old) {
    // Binding fills volumeName, and the default class may be filled in later (retroactive
    // default class); a bound claim may grow. Everything else is fixed at creation.
    const fixed = (s: Rec) => {
      const out: Rec = { ...s };
      if (old.volumeName) delete out.resources;
      if (!old.volumeName) delete out.volumeName;
      if (!old.storageClassName) delete out.storageClassName;
      return out;
    };
    if (!jsonEqual(fixed(old), fixed(spec))) {
      errs.push(forbidden("spec", "spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims"));
    } else if (old.volumeName) {
      const size = (s: Rec) => (isRec(s.resources) && isRec(s.resources.requests) ? s.resources.requests.storage : undefined);
      const before = validateQuantity(size(old), "spec.resources.requests.storage", []);
      const after = validateQuantity(size(spec), "spec.resources.requests.storage", []);
      if (before && after && after.cmp(before) < 0) errs.push(forbidden("spec.resources.requests.storage", "field can not be less than previous value"));
    }
  }
  return errs;
}

export function validateStorageClass(obj: KubeObject, ctx: { old?: KubeObject } = {}): FieldError[] {
  const errs: FieldError[] = [];
  const provisioner = readString(obj.provisioner, "provisioner", errs);
  if (provisioner === undefined) errs.push(required("provisioner"));
  else for (const msg of dns1123SubdomainErrors(provisioner.replace(/\//g, "."))) errs.push(invalid("provisioner", provisioner, msg));
  readStringMap(obj.parameters, "parameters", errs);
  validateEnum(obj.reclaimPolicy, "reclaimPolicy", ["Delete", "Retain"], errs);
  validateEnum(obj.volumeBindingMode, "volumeBindingMode", VOLUME_BINDING_MODES, errs);
  if (present(obj.allowVolumeExpansion) && typeof obj.allowVolumeExpansion !== "boolean") errs.push(invalid("allowVolumeExpansion", obj.allowVolumeExpansion, "must be a boolean"));
  readList(obj.mountOptions, "mountOptions", errs);
  const old = ctx.old;
  if (old) {
    if (!jsonEqual(old.parameters ?? {}, obj.parameters ?? {})) errs.push(forbidden("parameters", "updates to parameters are forbidden."));
    if (old.provisioner !== obj.provisioner) errs.push(forbidden("provisioner", "updates to provisioner are forbidden."));
    if (old.reclaimPolicy !== obj.reclaimPolicy) errs.push(forbidden("reclaimPolicy", "updates to reclaimPolicy are forbidden."));
    if (old.volumeBindingMode !== obj.volumeBindingMode) errs.push(invalid("volumeBindingMode", obj.volumeBindingMode, "field is immutable"));
  }
  return errs;
}
