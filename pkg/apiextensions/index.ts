// Extending the API for an API server: the CRD admission plugin (validation,
// status, schemas), the controller that serves custom kinds from the store, and
// ValidatingAdmissionPolicy.
import type { AdmissionPlugin, Registry } from "../apiserver/registry.js";
import type { Store } from "../store/store.js";
import { ApiExtensionsAdmission } from "./admission.js";
import { CrdController, type CrdControllerOptions } from "./crd-controller.js";
import { ValidatingAdmissionPolicyAdmission } from "../admission/policy/validating-policy.js";

export interface ApiExtensions {
  /** Put first in the admission chain: custom objects are defaulted before anyone else looks. */
  readonly admission: AdmissionPlugin;
  /** ValidatingAdmissionPolicy: put after the mutating plugins, before quota. */
  readonly policies: AdmissionPlugin;
  /** Serve the stored CRDs and follow changes; call once the registry exists. */
  start(registry: Registry): Promise<void>;
  /** Idempotent. */
  stop(): void;
}

export function buildApiExtensions(store: Store, opts: CrdControllerOptions = {}): ApiExtensions {
  let controller: CrdController | undefined;
  const policies = new ValidatingAdmissionPolicyAdmission(store);
  return {
    admission: new ApiExtensionsAdmission(store),
    policies,
    async start(registry) {
      controller = new CrdController(registry, opts);
      await controller.start();
    },
    stop() {
      controller?.stop();
      policies.close();
    },
  };
}
export { customOpenApiDocumentFor, customOpenApiIndex } from "./openapi.js";

// What the REST handlers need to serve custom kinds: the stored version
// converted to the requested one, and Table rows from additionalPrinterColumns.
export { servedAs } from "./conversion.js";
export { tableForResource } from "./printer-columns.js";
