// Admission for the apiextensions API, run first on every write:
// - CustomResourceDefinitions are validated, get the cleanup finalizer, and get
//   the status the apiextensions controllers would give them (NamesAccepted,
//   Established, acceptedNames, storedVersions) in the same write, so a custom
//   kind is served as soon as its CRD is stored.
// - Custom objects are pruned, defaulted and validated against their version's
//   structural schema; the status subresource keeps spec and status apart.
import { ApiError, errors, FieldError } from "../api/errors.js";
import { RESOURCES, apiVersionOf, resourceKey, type ResourceInfo } from "../api/kinds.js";
import type { KubeObject } from "../api/types.js";
import {
  CRD_CLEANUP_FINALIZER,
  storageVersionOf,
  type CustomResourceDefinition,
  type CustomResourceDefinitionCondition,
} from "../api/custom-resources.js";
import type { AdmissionAttributes, AdmissionPlugin } from "../apiserver/registry.js";
import type { Store } from "../store/store.js";
import { applySchemaDefaults, prune, validateSchema } from "./structural.js";
import { validateCrd } from "./crd-validation.js";

export const CRD_GROUP = "apiextensions.k8s.io";

export function isCrdInfo(info: ResourceInfo): boolean {
  return info.group === CRD_GROUP && info.kind === "CustomResourceDefinition";
}

export class ApiExtensionsAdmission implements AdmissionPlugin {
  readonly name = "CustomResourceDefinitions";
  constructor(
    private readonly store: Store,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  async admit(a: AdmissionAttributes): Promise<void> {
    if (isCrdInfo(a.info)) await this.admitCrd(a);
    else if (a.info.custom) this.admitCustomObject(a);
  }

  private async admitCrd(a: AdmissionAttributes): Promise<void> {
    if (a.operation === "DELETE" || !a.object || a.subresource === "status") return;
    const crd = a.object as CustomResourceDefinition;
    const old = a.oldObject as CustomResourceDefinition | undefined;
    const errs = validateCrd(crd);
    if (old && crd.spec?.group !== old.spec.group) errs.push(new FieldError("Invalid", "spec.group", crd.spec?.group, "field is immutable"));
    if (old && crd.spec?.scope !== old.spec.scope) errs.push(new FieldError("Invalid", "spec.scope", crd.spec?.scope, "field is immutable"));
    if (old && crd.spec?.names?.plural !== old.spec.names.plural) errs.push(new FieldError("Invalid", "spec.names.plural", crd.spec?.names?.plural, "field is immutable"));
    if (errs.length > 0) throw errors.invalid("CustomResourceDefinition", crd.metadata.name ?? "", errs, CRD_GROUP);
    if (a.operation === "CREATE") {
      const fins = new Set(crd.metadata.finalizers ?? []);
      fins.add(CRD_CLEANUP_FINALIZER);
      crd.metadata.finalizers = [...fins];
    }
    if (crd.metadata.deletionTimestamp) return; // terminating: the cleanup owns its status now
    crd.status = await this.statusFor(crd, old);
  }

  /** NamesAccepted unless another CRD or a built-in kind has the names; Established with it. */
  private async statusFor(crd: CustomResourceDefinition, old: CustomResourceDefinition | undefined): Promise<CustomResourceDefinition["status"]> {
    const conflict = await this.nameConflict(crd);
    const now = this.clock().toISOString().replace(/\.\d{3}Z$/, "Z");
    const previous = old?.status?.conditions ?? [];
    const cond = (type: CustomResourceDefinitionCondition["type"], ok: boolean, reason: string, message: string): CustomResourceDefinitionCondition => {
      const status = ok ? "True" : "False";
      const before = previous.find((c) => c.type === type);
      return { type, status, reason, message, lastTransitionTime: before?.status === status && before.lastTransitionTime ? before.lastTransitionTime : now };
    };
    const conditions = [
      conflict ? cond("NamesAccepted", false, conflict.reason, conflict.message) : cond("NamesAccepted", true, "NoConflicts", "no conflicts found"),
      conflict ? cond("Established", false, "NotAccepted", "not all names are accepted") : cond("Established", true, "InitialNamesAccepted", "the initial names have been accepted"),
    ];
    const storage = storageVersionOf(crd)?.name;
    const stored = new Set(old?.status?.storedVersions ?? []);
    if (storage) stored.add(storage);
    return { conditions, acceptedNames: conflict ? (old?.status?.acceptedNames ?? { plural: "", kind: "" }) : crd.spec.names, storedVersions: [...stored] };
  }

  private async nameConflict(crd: CustomResourceDefinition): Promise<{ reason: string; message: string } | undefined> {
    const { group, names } = crd.spec;
    const builtIn = RESOURCES.find((r) => r.group === group && (r.plural === names.plural || r.kind === names.kind));
    if (builtIn) return { reason: "PluralConflict", message: `"${names.plural}" is already in use` };
    const crdInfo = RESOURCES.find(isCrdInfo)!;
    const others = (await this.store.list(resourceKey(crdInfo))).items as CustomResourceDefinition[];
    for (const other of others) {
      if (other.metadata.name === crd.metadata.name || other.spec.group !== group) continue;
      const taken = other.status?.acceptedNames;
      if (!taken) continue;
      if (taken.plural === names.plural) return { reason: "PluralConflict", message: `"${names.plural}" is already in use` };
      if (taken.kind === names.kind) return { reason: "KindConflict", message: `"${names.kind}" is already in use` };
      const short = (names.shortNames ?? []).find((s) => (taken.shortNames ?? []).includes(s));
      if (short) return { reason: "ShortNamesConflict", message: `"${short}" is already in use` };
    }
    return undefined;
  }

  private admitCustomObject(a: AdmissionAttributes): void {
    const info = a.info;
    const extras = info.custom!;
    if (a.operation === "CREATE" && extras.terminating) {
      throw new ApiError("MethodNotAllowed", `create not allowed while custom resource definition is terminating`);
    }
    if (a.operation === "DELETE" || !a.object) return;
    const obj = a.object;
    const hasStatus = info.subresources.includes("status");
    if (hasStatus && a.subresource !== "status") {
      // The main resource never writes status when the subresource exists.
      if (a.oldObject?.status !== undefined) obj.status = structuredClone(a.oldObject.status);
      else delete obj.status;
    }
    if (a.operation === "CREATE") obj.metadata.generation = 1;
    // Objects are stored in the storage version; conversion "None" only rewrites apiVersion.
    obj.apiVersion = apiVersionOf({ group: info.group, version: extras.storageVersion });
    const schema = extras.schema;
    const unknown = prune(obj, schema);
    if (unknown.length > 0) {
      const mode = a.ctx.fieldValidation ?? "Warn";
      if (mode === "Strict") {
        throw errors.badRequest(`${info.kind} in version "${info.version}" cannot be handled as a ${info.kind}: strict decoding error: ${unknown.map((p) => `unknown field "${p}"`).join(", ")}`);
      }
      if (mode === "Warn") for (const p of unknown) a.ctx.warnings.push(`unknown field "${p}"`);
    }
    applySchemaDefaults(obj, schema);
    const errs = validateSchema(withoutTypeMeta(obj), schema);
    if (errs.length > 0) throw errors.invalid(info.kind, typeof obj.metadata.name === "string" ? obj.metadata.name : "", errs, info.group);
  }
}

/** The schema describes spec/status; apiVersion, kind and metadata are checked by the registry. */
function withoutTypeMeta(obj: KubeObject): Record<string, unknown> {
  const { apiVersion: _a, kind: _k, metadata: _m, ...rest } = obj;
  return rest;
}
