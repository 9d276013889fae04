// The cluster skiff mirrors onto, reached with @kubernetes/client-node (the
// issue's choice: the same client a user's own tools would use against kind).
// KubernetesObjectApi maps apiVersion/kind to REST paths through the target's
// discovery, so a kind the target does not serve is found out before writing.
import { existsSync } from "node:fs";
import { KubeConfig, KubernetesObjectApi, PatchStrategy, type KubernetesObject } from "@kubernetes/client-node";
import { ObjectSerializer } from "@kubernetes/client-node/dist/serializer.js";
import type { KubeObject } from "../api/types.js";
import { FIELD_MANAGER } from "./scope.js";
import { modelName, toPlain } from "./schema.js";

/** What the mirror needs from a target cluster. Every method may be called concurrently. */
export interface MirrorTarget {
  /** "kind-skiff" or whatever the kubeconfig context is called; for messages. */
  readonly name: string;
  /** Does the target's discovery list this kind? Cached; a missing group version is false, not an error. */
  serves(apiVersion: string, kind: string): Promise<boolean>;
  /** Server-side apply (field manager "skiff", force); creates or updates. Idempotent. */
  apply(obj: KubeObject): Promise<KubeObject>;
  /** undefined when the object does not exist. */
  get(apiVersion: string, kind: string, namespace: string | undefined, name: string): Promise<KubeObject | undefined>;
  /** Every object of a kind (all namespaces when namespace is undefined), optionally by label selector. */
  list(apiVersion: string, kind: string, namespace: string | undefined, labelSelector?: string): Promise<KubeObject[]>;
  /** Background propagation; a missing object is not an error. */
  delete(apiVersion: string, kind: string, namespace: string | undefined, name: string): Promise<void>;
}

/** An error answer from the target, with its HTTP code and the Status message. */
export class TargetError extends Error {
  override name = "TargetError";
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}

export class TargetConfigError extends Error {
  override name = "TargetConfigError";
}

/** Read a kubeconfig (kind's, or any) and pick the context; throws TargetConfigError with a readable message. */
export function loadTargetConfig(path: string, context?: string): KubeConfig {
  if (!existsSync(path)) throw new TargetConfigError(`no kubeconfig at ${path}`);
  const kc = new KubeConfig();
  try {
    kc.loadFromFile(path);
  } catch (e) {
    throw new TargetConfigError(`${path}: not a valid kubeconfig: ${(e as Error).message}`);
  }
  if (context) {
    if (!kc.getContexts().some((c) => c.name === context)) {
      throw new TargetConfigError(`${path}: context "${context}" does not exist (contexts: ${kc.getContexts().map((c) => c.name).join(", ") || "none"})`);
    }
    kc.setCurrentContext(context);
  }
  if (!kc.getCurrentCluster()) throw new TargetConfigError(`${path}: the current context has no cluster`);
  return kc;
}

/** KubernetesObjectApi with its discovery lookup (protected in client-node 1.3) made callable. */
class DiscoveringObjectApi extends KubernetesObjectApi {
  lookup(apiVersion: string, kind: string): ReturnType<KubernetesObjectApi["resource"]> {
    return this.resource(apiVersion, kind);
  }
}

export class ClientNodeTarget implements MirrorTarget {
  readonly name: string;
  private readonly api: DiscoveringObjectApi;
  /** "apiVersion kind" → served, from discovery. */
  private readonly discovery = new Map<string, Promise<boolean>>();

  constructor(kc: KubeConfig) {
    this.name = kc.getCurrentContext();
    // What KubernetesObjectApi.makeApiClient does, minus the context's default
    // namespace: every object the mirror sends names its own.
    this.api = kc.makeApiClient(DiscoveringObjectApi);
  }

  async serves(apiVersion: string, kind: string): Promise<boolean> {
    const key = `${apiVersion} ${kind}`;
    let answer = this.discovery.get(key);
    if (!answer) {
      answer = this.discover(apiVersion, kind);
      this.discovery.set(key, answer);
      // A failed lookup (network) is not remembered: the next call asks again.
      answer.catch(() => this.discovery.delete(key));
    }
    return answer;
  }

  private async discover(apiVersion: string, kind: string): Promise<boolean> {
    // resource() reads /api/v1 or /apis/GROUP/VERSION (cached by client-node);
    // a group version the target lacks altogether answers 404.
    try {
      return (await this.api.lookup(apiVersion, kind)) !== undefined;
    } catch (e) {
      if (statusOf(e) === 404) return false;
      throw wrap(e, `discovery of ${apiVersion}`);
    }
  }

  async apply(obj: KubeObject): Promise<KubeObject> {
    // The model instance, so client-node's serializer (which expects Date objects
    // for timestamps) produces the same JSON the schema check predicted.
    const model = ObjectSerializer.deserialize(obj, modelName(obj.apiVersion, obj.kind)) as KubernetesObject;
    try {
      const res = await this.api.patch(model, undefined, undefined, FIELD_MANAGER, true, PatchStrategy.ServerSideApply);
      return toPlain(res);
    } catch (e) {
      throw wrap(e, `apply ${describe(obj.kind, obj.metadata.namespace, obj.metadata.name)}`);
    }
  }

  async get(apiVersion: string, kind: string, namespace: string | undefined, name: string): Promise<KubeObject | undefined> {
    try {
      return toPlain(await this.api.read({ apiVersion, kind, metadata: { name, namespace } }));
    } catch (e) {
      if (statusOf(e) === 404) return undefined;
      throw wrap(e, `get ${describe(kind, namespace, name)}`);
    }
  }

  async list(apiVersion: string, kind: string, namespace: string | undefined, labelSelector?: string): Promise<KubeObject[]> {
    const out: KubeObject[] = [];
    let cont: string | undefined;
    try {
      do {
        const page = await this.api.list(apiVersion, kind, namespace, undefined, undefined, undefined, undefined, labelSelector, 500, cont);
        // List items come without apiVersion/kind; put them back for toPlain and the callers.
        for (const item of page.items) out.push(toPlain({ ...item, apiVersion, kind }));
        cont = page.metadata?._continue || undefined;
      } while (cont);
    } catch (e) {
      throw wrap(e, `list ${kind}${namespace ? ` -n ${namespace}` : ""}`);
    }
    return out;
  }

  async delete(apiVersion: string, kind: string, namespace: string | undefined, name: string): Promise<void> {
    try {
      await this.api.delete({ apiVersion, kind, metadata: { name, namespace } }, undefined, undefined, undefined, undefined, "Background");
    } catch (e) {
      if (statusOf(e) === 404) return;
      throw wrap(e, `delete ${describe(kind, namespace, name)}`);
    }
  }
}

function describe(kind: string, namespace: string | undefined, name: string | undefined): string {
  return `${kind.toLowerCase()}/${name ?? ""}${namespace ? ` -n ${namespace}` : ""}`;
}

function statusOf(e: unknown): number | undefined {
  const code = (e as { code?: unknown }).code;
  return typeof code === "number" ? code : undefined;
}

/** client-node's ApiException carries the Status body as a string; surface its message. */
function wrap(e: unknown, what: string): Error {
  const code = statusOf(e);
  if (code === undefined) return new TargetError(0, `${what}: ${(e as Error).message}`);
  let message = "";
  const body = (e as { body?: unknown }).body;
  try {
    const status = (typeof body === "string" ? JSON.parse(body) : body) as { message?: string } | undefined;
    message = status?.message ?? "";
  } catch {
    message = typeof body === "string" ? body.slice(0, 200) : "";
  }
  return new TargetError(code, `${what}: ${code}${message ? ` ${message}` : ""}`);
}
