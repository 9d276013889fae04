import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { MemoryStore } from "../../store/memory.js";
import { newContext, Registry } from "../../apiserver/registry.js";
import { R, RESOURCES } from "../../api/kinds.js";
import { ApiError } from "../../api/errors.js";
import { ValidatingAdmissionPolicyAdmission } from "./validating-policy.js";
import { evaluateCel } from "./cel.js";

const VAP = RESOURCES.find((r) => r.kind === "ValidatingAdmissionPolicy")!;
const VAPB = RESOURCES.find((r) => r.kind === "ValidatingAdmissionPolicyBinding")!;

function configMap(name: string, labels: Record<string, string> = {}, data: Record<string, string> = {}) {
  return { apiVersion: "v1", kind: "ConfigMap", metadata: { name, labels }, data };
}

describe("ValidatingAdmissionPolicy admission", () => {
  let store: MemoryStore;
  let registry: Registry;
  let plugin: ValidatingAdmissionPolicyAdmission;

  beforeEach(async () => {
    store = new MemoryStore();
    plugin = new ValidatingAdmissionPolicyAdmission(store);
    registry = new Registry(store, { admission: [plugin] });
    await registry.bootstrap();
  });
  afterEach(() => {
    plugin.close();
    registry.close();
  });

  async function policy(spec: Record<string, unknown>, bindingSpec: Record<string, unknown> = {}) {
    await registry.create(VAP, undefined, { apiVersion: "admissionregistration.k8s.io/v1", kind: "ValidatingAdmissionPolicy", metadata: { name: "p" }, spec: { matchConstraints: { resourceRules: [{ apiGroups: [""], apiVersions: ["v1"], operations: ["CREATE", "UPDATE"], resources: ["configmaps"] }] }, ...spec } }, newContext());
    await registry.create(VAPB, undefined, { apiVersion: "admissionregistration.k8s.io/v1", kind: "ValidatingAdmissionPolicyBinding", metadata: { name: "b" }, spec: { policyName: "p", validationActions: ["Deny"], ...bindingSpec } }, newContext());
  }
  const create = (obj: unknown, ctx = newContext()) => registry.create(R.configmaps, "default", obj, ctx);

  it("denies with the validation's message and reason, and honours objectSelector and excludeResourceRules", async () => {
    await policy({ validations: [{ expression: "object.metadata.name.startsWith('ok')", message: "names must start with ok", reason: "Forbidden" }] }, { matchResources: { objectSelector: { matchLabels: { checked: "yes" } } } });
    await expect(create(configMap("bad", { checked: "yes" }))).rejects.toMatchObject({ reason: "Forbidden", message: `configmaps "bad" is forbidden: ValidatingAdmissionPolicy 'p' with binding 'b' denied request: names must start with ok` });
    await expect(create(configMap("bad-unlabelled"))).resolves.toBeDefined();
    await expect(create(configMap("ok-1", { checked: "yes" }))).resolves.toBeDefined();
  });

  it("fails closed on an evaluation error, or open with failurePolicy Ignore", async () => {
    await policy({ validations: [{ expression: "object.data.missing == 'x'" }] });
    const err = await create(configMap("a")).catch((e: ApiError) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).message).toContain("expression 'object.data.missing == 'x'' resulted in error");
    const p = await registry.get(VAP, undefined, "p");
    await registry.update(VAP, undefined, "p", { ...p, spec: { ...(p.spec as object), failurePolicy: "Ignore" } }, newContext());
    await expect(create(configMap("b"))).resolves.toBeDefined();
  });

  it("records Audit decisions on the request and lets the write through", async () => {
    await policy({ validations: [{ expression: "size(object.data) > 0", messageExpression: "'configmap ' + object.metadata.name + ' is empty'" }] }, { validationActions: ["Audit"] });
    const ctx = newContext();
    await create(configMap("empty"), ctx);
    const audit = JSON.parse(ctx.auditAnnotations!["validation.policy.admission.k8s.io/validation_failure"]) as unknown[];
    expect(audit).toEqual([{ message: "configmap empty is empty", policy: "p", binding: "b", expressionIndex: 0, validationActions: ["Audit"] }]);
  });

  it("rejects bindings with both Deny and Warn", async () => {
    await expect(registry.create(VAPB, undefined, { apiVersion: "admissionregistration.k8s.io/v1", kind: "ValidatingAdmissionPolicyBinding", metadata: { name: "x" }, spec: { policyName: "p", validationActions: ["Deny", "Warn"] } }, newContext())).rejects.toMatchObject({ reason: "Invalid" });
  });
});

describe("CEL environment", () => {
  it("has the Kubernetes list and regex helpers and treats JSON integers as ints", () => {
    const object = { spec: { replicas: 3, xs: [3, 1, 2], name: "abc-123" } };
    expect(evaluateCel("object.spec.replicas + 1 == 4", { object })).toBe(true);
    expect(evaluateCel("object.spec.xs.max() == 3 && object.spec.xs.min() == 1 && object.spec.xs.sum() == 6", { object })).toBe(true);
    expect(evaluateCel("!object.spec.xs.isSorted() && [1, 2].isSorted()", { object })).toBe(true);
    expect(evaluateCel("object.spec.name.find('[0-9]+') == '123' && object.spec.name.findAll('[a-c]') == ['a', 'b', 'c']", { object })).toBe(true);
    expect(evaluateCel("has(object.spec.missing) || object.spec.name.matches('^[a-z]+-[0-9]+$')", { object })).toBe(true);
  });
});
