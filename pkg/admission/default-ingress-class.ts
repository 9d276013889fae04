// The DefaultIngressClass admission plugin (Kubernetes'
// plugin/pkg/admission/network/defaultingressclass): an Ingress created without
// spec.ingressClassName (and without the legacy kubernetes.io/ingress.class
// annotation) gets the class annotated ingressclass.kubernetes.io/is-default-class
// = "true". When several classes claim to be the default, the newest wins, as in
// Kubernetes since 1.28.
import { R, resourceKey } from "../api/kinds.js";
import type { KubeObject } from "../api/types.js";
import type { AdmissionAttributes, AdmissionPlugin } from "../apiserver/registry.js";
import type { Store } from "../store/store.js";

export const DEFAULT_CLASS_ANNOTATION = "ingressclass.kubernetes.io/is-default-class";
const LEGACY_CLASS_ANNOTATION = "kubernetes.io/ingress.class";

type Rec = Record<string, unknown>;
const isRec = (v: unknown): v is Rec => typeof v === "object" && v !== null && !Array.isArray(v);

/** The default IngressClass among `classes`, or undefined. */
export function defaultIngressClass(classes: KubeObject[]): KubeObject | undefined {
  const defaults = classes.filter((c) => c.metadata.annotations?.[DEFAULT_CLASS_ANNOTATION] === "true");
  defaults.sort((a, b) => (b.metadata.creationTimestamp ?? "").localeCompare(a.metadata.creationTimestamp ?? "") || (a.metadata.name ?? "").localeCompare(b.metadata.name ?? ""));
  return defaults[0];
}

export class DefaultIngressClass implements AdmissionPlugin {
  readonly name = "DefaultIngressClass";

  constructor(private readonly store: Store) {}

  async admit(a: AdmissionAttributes): Promise<void> {
    if (a.operation !== "CREATE" || a.info.kind !== "Ingress" || a.subresource || !a.object) return;
    const ing = a.object;
    if (ing.metadata.annotations?.[LEGACY_CLASS_ANNOTATION] !== undefined) return;
    if (!isRec(ing.spec)) return; // validation reports it
    if (typeof ing.spec.ingressClassName === "string" && ing.spec.ingressClassName !== "") return;
    const classes = (await this.store.list(resourceKey(R.ingressclasses))).items;
    const chosen = defaultIngressClass(classes);
    if (chosen?.metadata.name) ing.spec.ingressClassName = chosen.metadata.name;
  }
}
