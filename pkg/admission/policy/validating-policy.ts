// ValidatingAdmissionPolicy (admissionregistration.k8s.io/v1): policies hold CEL
// validations, bindings say where they apply and with which actions. For every
// write, each binding whose policy matches is evaluated — matchConditions,
// variables, validations, once per param object — and its failures become a
// denial (Deny: `ValidatingAdmissionPolicy 'P' with binding 'B' denied request:
// MSG`, as Kubernetes words it), a Warning header (Warn) or an audit annotation
// (Audit). Policies and bindings are cached from the store's watch.
import { ApiError, errors, FieldError, type StatusReason } from "../../api/errors.js";
import { RESOURCES, byKind, resourceKey, type ResourceInfo } from "../../api/kinds.js";
import type { KubeObject } from "../../api/types.js";
import { LabelSelector, type LabelSelectorObject } from "../../api/selector.js";
import type { AdmissionAttributes, AdmissionPlugin } from "../../apiserver/registry.js";
import type { Store, Watch } from "../../store/store.js";
import { celText, compile, evaluateCel } from "./cel.js";
import { matchesResources, type MatchResources } from "./match.js";

export const POLICY_GROUP = "admissionregistration.k8s.io";

interface Validation {
  expression: string;
  message?: string;
  messageExpression?: string;
  reason?: StatusReason;
}

export interface ValidatingAdmissionPolicy extends KubeObject {
  spec: {
    failurePolicy?: "Fail" | "Ignore";
    paramKind?: { apiVersion: string; kind: string };
    matchConstraints?: MatchResources;
    matchConditions?: Array<{ name: string; expression: string }>;
    variables?: Array<{ name: string; expression: string }>;
    validations?: Validation[];
    auditAnnotations?: Array<{ key: string; valueExpression: string }>;
  };
}

export interface ValidatingAdmissionPolicyBinding extends KubeObject {
  spec: {
    policyName: string;
    paramRef?: { name?: string; namespace?: string; selector?: LabelSelectorObject; parameterNotFoundAction?: "Allow" | "Deny" };
    matchResources?: MatchResources;
    validationActions: Array<"Deny" | "Warn" | "Audit">;
  };
}

/** What one failed validation (or evaluation error) of one binding decided. */
export interface PolicyDecision {
  policy: string;
  binding: string;
  message: string;
  reason?: StatusReason;
  expressionIndex?: number;
  actions: Array<"Deny" | "Warn" | "Audit">;
}

const AUDIT_KEY = "validation.policy.admission.k8s.io/validation_failure";
const info = (kind: string): ResourceInfo => RESOURCES.find((r) => r.group === POLICY_GROUP && r.kind === kind)!;

/** name → object, kept current from a store watch. */
class Cache<T extends KubeObject> {
  readonly items = new Map<string, T>();
  private watch: Watch | undefined;
  constructor(private readonly store: Store, private readonly resource: string) {}
  async start(): Promise<void> {
    const list = await this.store.list(this.resource);
    for (const o of list.items) this.items.set(o.metadata.name!, o as T);
    this.watch = this.store.watch(this.resource, { resourceVersion: list.resourceVersion }, (ev) => {
      if (ev.type === "DELETED") this.items.delete(ev.object.metadata.name!);
      else if (ev.type === "ADDED" || ev.type === "MODIFIED") this.items.set(ev.object.metadata.name!, ev.object as T);
    });
  }
  stop(): void {
    this.watch?.stop();
  }
}

export class ValidatingAdmissionPolicyAdmission implements AdmissionPlugin {
  readonly name = "ValidatingAdmissionPolicy";
  private readonly policies: Cache<ValidatingAdmissionPolicy>;
  private readonly bindings: Cache<ValidatingAdmissionPolicyBinding>;
  private started: Promise<void> | undefined;

  constructor(private readonly store: Store) {
    this.policies = new Cache(store, resourceKey(info("ValidatingAdmissionPolicy")));
    this.bindings = new Cache(store, resourceKey(info("ValidatingAdmissionPolicyBinding")));
  }

  /** Idempotent. */
  close(): void {
    this.policies.stop();
    this.bindings.stop();
  }

  async admit(a: AdmissionAttributes): Promise<void> {
    if (a.info.group === POLICY_GROUP) {
      // Policies never apply to policy objects (no policy can lock itself in), as in Kubernetes.
      if (a.info.kind === "ValidatingAdmissionPolicy" && a.object && a.subresource !== "status") validatePolicy(a.object as ValidatingAdmissionPolicy);
      if (a.info.kind === "ValidatingAdmissionPolicyBinding" && a.object) validateBinding(a.object as ValidatingAdmissionPolicyBinding);
      return;
    }
    this.started ??= Promise.all([this.policies.start(), this.bindings.start()]).then(() => undefined);
    await this.started;
    if (this.bindings.items.size === 0) return;
    const decisions: PolicyDecision[] = [];
    let namespaceObject: KubeObject | undefined | null = null;
    for (const binding of this.bindings.items.values()) {
      const policy = this.policies.items.get(binding.spec?.policyName);
      if (!policy) continue;
      if (namespaceObject === null) namespaceObject = await this.namespaceOf(a);
      if (!matchesResources(policy.spec.matchConstraints, a, namespaceObject, true)) continue;
      if (binding.spec.matchResources && !matchesResources(binding.spec.matchResources, a, namespaceObject, false)) continue;
      decisions.push(...(await this.evaluateBinding(policy, binding, a, namespaceObject)));
    }
    const deny = decisions.find((d) => d.actions.includes("Deny"));
    for (const d of decisions) {
      if (d.actions.includes("Warn")) a.ctx.warnings.push(`Validation failed for ValidatingAdmissionPolicy '${d.policy}' with binding '${d.binding}': ${d.message}`);
    }
    const audited = decisions.filter((d) => d.actions.includes("Audit"));
    if (audited.length > 0) {
      const ctx = a.ctx;
      ctx.auditAnnotations = {
        ...(ctx.auditAnnotations ?? {}),
        [AUDIT_KEY]: JSON.stringify(audited.map((d) => ({ message: d.message, policy: d.policy, binding: d.binding, expressionIndex: d.expressionIndex ?? 0, validationActions: d.actions }))),
      };
    }
    if (deny) throw denial(deny, a);
  }

  private async namespaceOf(a: AdmissionAttributes): Promise<KubeObject | undefined> {
    if (!a.info.namespaced || !a.namespace) return undefined;
    return this.store.get({ resource: "namespaces", namespace: "", name: a.namespace });
  }

  private async evaluateBinding(policy: ValidatingAdmissionPolicy, binding: ValidatingAdmissionPolicyBinding, a: AdmissionAttributes, namespaceObject: KubeObject | undefined): Promise<PolicyDecision[]> {
    const base = { policy: policy.metadata.name!, binding: binding.metadata.name!, actions: binding.spec.validationActions ?? ["Deny"] };
    const failClosed = (policy.spec.failurePolicy ?? "Fail") === "Fail";
    const failure = (message: string): PolicyDecision[] => (failClosed ? [{ ...base, message }] : []);
    let params: Array<KubeObject | null>;
    try {
      params = await this.paramsFor(policy, binding, a);
    } catch (e) {
      return failure((e as Error).message);
    }
    if (params.length === 0) {
      return binding.spec.paramRef?.parameterNotFoundAction === "Deny" ? [{ ...base, message: "no params found for policy binding with `Deny` parameterNotFoundAction" }] : [];
    }
    const out: PolicyDecision[] = [];
    for (const param of params) {
      const vars: Record<string, unknown> = {
        object: a.object ?? null,
        oldObject: a.oldObject ?? null,
        params: param,
        namespaceObject: namespaceObject ?? null,
        request: requestOf(a),
        variables: {},
      };
      try {
        if (!(await this.conditionsHold(policy, vars))) continue;
        const variables: Record<string, unknown> = {};
        vars.variables = variables;
        for (const v of policy.spec.variables ?? []) {
          try {
            variables[v.name] = evaluateCel(v.expression, vars);
          } catch {
            // A variable that fails is an error only when an expression uses it (Kubernetes evaluates them lazily).
          }
        }
        (policy.spec.validations ?? []).forEach((v, i) => {
          let ok: unknown;
          try {
            ok = evaluateCel(v.expression, vars);
          } catch (e) {
            if (failClosed) out.push({ ...base, message: `expression '${v.expression}' resulted in error: ${(e as Error).message}`, expressionIndex: i });
            return;
          }
          if (ok === true) return;
          out.push({ ...base, message: messageFor(v, vars), reason: v.reason, expressionIndex: i });
        });
      } catch (e) {
        out.push(...failure((e as Error).message));
      }
    }
    return out;
  }

  /** Every matchCondition true (an error counts per failurePolicy, thrown to the caller). */
  private async conditionsHold(policy: ValidatingAdmissionPolicy, vars: Record<string, unknown>): Promise<boolean> {
    for (const c of policy.spec.matchConditions ?? []) {
      let v: unknown;
      try {
        v = evaluateCel(c.expression, vars);
      } catch (e) {
        throw new Error(`failed to evaluate matchCondition '${c.name}': ${(e as Error).message}`);
      }
      if (v !== true) return false;
    }
    return true;
  }

  /** [null] without paramKind; otherwise the param objects the binding's paramRef selects. */
  private async paramsFor(policy: ValidatingAdmissionPolicy, binding: ValidatingAdmissionPolicyBinding, a: AdmissionAttributes): Promise<Array<KubeObject | null>> {
    const kind = policy.spec.paramKind;
    if (!kind) return [null];
    const ref = binding.spec.paramRef;
    if (!ref) throw new Error(`policy '${policy.metadata.name}' has paramKind but binding '${binding.metadata.name}' has no paramRef`);
    const pinfo = byKind(kind.apiVersion, kind.kind);
    if (!pinfo) throw new Error(`failed to configure binding: paramKind ${kind.apiVersion}, Kind=${kind.kind} is not served`);
    const namespace = pinfo.namespaced ? ref.namespace || a.namespace || "" : "";
    if (pinfo.namespaced && !namespace) throw new Error("cannot use a namespaced paramRef in a policy binding for a cluster-scoped resource");
    if (ref.name) {
      const p = await this.store.get({ resource: resourceKey(pinfo), namespace, name: ref.name });
      return p ? [p] : [];
    }
    const sel = LabelSelector.fromObject(ref.selector ?? {});
    const list = await this.store.list(resourceKey(pinfo), { namespace: pinfo.namespaced ? namespace : undefined });
    return list.items.filter((o) => sel.matches(o.metadata.labels ?? {}));
  }
}

function messageFor(v: Validation, vars: Record<string, unknown>): string {
  if (v.messageExpression) {
    try {
      const m = evaluateCel(v.messageExpression, vars);
      if (typeof m === "string" && m.trim() !== "" && !m.includes("\n")) return m;
    } catch {
      // fall back to message, as Kubernetes does when messageExpression fails
    }
  }
  return v.message ?? `failed expression: ${v.expression}`;
}

function requestOf(a: AdmissionAttributes): Record<string, unknown> {
  const kind = { group: a.info.group, version: a.info.version, kind: a.info.kind };
  const resource = { group: a.info.group, version: a.info.version, resource: a.info.plural };
  return {
    kind,
    resource,
    requestKind: kind,
    requestResource: resource,
    subResource: a.subresource ?? "",
    name: a.name ?? "",
    namespace: a.namespace ?? "",
    operation: a.operation,
    userInfo: { username: a.ctx.user ?? "", groups: a.ctx.groups ?? [] },
    dryRun: !!a.ctx.dryRun,
  };
}

const REASON_CODES: Partial<Record<StatusReason, true>> = { Unauthorized: true, Forbidden: true, Invalid: true, RequestEntityTooLarge: true };

/** Kubernetes' denial: NewForbidden's message, the validation's reason (Invalid by default) and a cause. */
function denial(d: PolicyDecision, a: AdmissionAttributes): ApiError {
  const message = `ValidatingAdmissionPolicy '${d.policy}' with binding '${d.binding}' denied request: ${d.message}`;
  const reason: StatusReason = d.reason && REASON_CODES[d.reason] ? d.reason : "Invalid";
  const resource = a.info.group ? `${a.info.plural}.${a.info.group}` : a.info.plural;
  const name = a.name ?? "";
  return new ApiError(reason, `${resource} "${name}" is forbidden: ${message}`, { name, group: a.info.group, kind: a.info.plural, causes: [{ reason: "", message }] });
}

/** A policy's expressions must compile; reported like Kubernetes' compilation errors. */
function validatePolicy(p: ValidatingAdmissionPolicy): void {
  const errs: FieldError[] = [];
  const check = (path: string, expr: unknown) => {
    if (typeof expr !== "string" || expr === "") return errs.push(new FieldError("Required", path, undefined));
    try {
      compile(expr);
    } catch (e) {
      errs.push(new FieldError("Invalid", path, expr, `compilation failed: ${(e as Error).message.split("\n")[0]}`));
    }
  };
  const spec = p.spec ?? {};
  (spec.validations ?? []).forEach((v, i) => {
    check(`spec.validations[${i}].expression`, v.expression);
    if (v.messageExpression !== undefined) check(`spec.validations[${i}].messageExpression`, v.messageExpression);
  });
  (spec.matchConditions ?? []).forEach((c, i) => check(`spec.matchConditions[${i}].expression`, c.expression));
  (spec.variables ?? []).forEach((v, i) => check(`spec.variables[${i}].expression`, v.expression));
  if ((spec.validations ?? []).length === 0 && (spec.auditAnnotations ?? []).length === 0) {
    errs.push(new FieldError("Required", "spec.validations", undefined, "validations or auditAnnotations must contain at least one item"));
  }
  if (spec.failurePolicy !== undefined && !["Fail", "Ignore"].includes(spec.failurePolicy)) {
    errs.push(new FieldError("NotSupported", "spec.failurePolicy", spec.failurePolicy, 'supported values: "Fail", "Ignore"'));
  }
  if (errs.length > 0) throw errors.invalid("ValidatingAdmissionPolicy", p.metadata.name ?? "", errs, POLICY_GROUP);
}

function validateBinding(b: ValidatingAdmissionPolicyBinding): void {
  const errs: FieldError[] = [];
  if (!b.spec?.policyName) errs.push(new FieldError("Required", "spec.policyName", undefined));
  const actions = b.spec?.validationActions;
  if (!Array.isArray(actions) || actions.length === 0) errs.push(new FieldError("Required", "spec.validationActions", undefined, "at least one validation action is required"));
  else {
    actions.forEach((x, i) => {
      if (!["Deny", "Warn", "Audit"].includes(x)) errs.push(new FieldError("NotSupported", `spec.validationActions[${i}]`, x, 'supported values: "Audit", "Deny", "Warn"'));
    });
    if (actions.includes("Deny") && actions.includes("Warn")) errs.push(new FieldError("Invalid", "spec.validationActions", actions, "must not contain both Deny and Warn (repeating the same validation failure information in the API response and headers serves no purpose)"));
  }
  if (errs.length > 0) throw errors.invalid("ValidatingAdmissionPolicyBinding", b.metadata.name ?? "", errs, POLICY_GROUP);
}

export { celText };
