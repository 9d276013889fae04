import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { R } from "../api/kinds.js";
import type { KubeObject } from "../api/types.js";
import { newContext, Registry } from "../apiserver/registry.js";
import { openStore } from "../store/index.js";
import type { Store } from "../store/store.js";
import { DEFAULT_CLASS_ANNOTATION } from "./default-ingress-class.js";
import { admissionChain } from "./index.js";

let store: Store;
let registry: Registry;

beforeEach(async () => {
  store = await openStore("memory");
  registry = new Registry(store, { admission: admissionChain(store) });
  await registry.bootstrap();
});
afterEach(async () => {
  registry.close();
  await store.close();
});

const ingress = (name: string, extra: Record<string, unknown> = {}, annotations?: Record<string, string>): KubeObject => ({
  apiVersion: "networking.k8s.io/v1",
  kind: "Ingress",
  metadata: { name, namespace: "default", ...(annotations ? { annotations } : {}) },
  spec: { defaultBackend: { service: { name: "web", port: { number: 80 } } }, ...extra },
});

const ingressClass = (name: string, isDefault: boolean): KubeObject => ({
  apiVersion: "networking.k8s.io/v1",
  kind: "IngressClass",
  metadata: { name, ...(isDefault ? { annotations: { [DEFAULT_CLASS_ANNOTATION]: "true" } } : {}) },
  spec: { controller: `${name}.dev/ingress` },
});

const className = (o: KubeObject) => (o.spec as { ingressClassName?: string }).ingressClassName;

describe("DefaultIngressClass admission", () => {
  it("gives a class-less Ingress the default class, and leaves explicit choices alone", async () => {
    expect(className(await registry.create(R.ingresses, "default", ingress("before"), newContext()))).toBeUndefined();
    await registry.create(R.ingressclasses, undefined, ingressClass("other", false), newContext());
    await registry.create(R.ingressclasses, undefined, ingressClass("skiff", true), newContext());
    expect(className(await registry.create(R.ingresses, "default", ingress("plain"), newContext()))).toBe("skiff");
    expect(className(await registry.create(R.ingresses, "default", ingress("chosen", { ingressClassName: "other" }), newContext()))).toBe("other");
    const legacy = await registry.create(R.ingresses, "default", ingress("legacy", {}, { "kubernetes.io/ingress.class": "nginx" }), newContext());
    expect(className(legacy)).toBeUndefined();
  });
});
