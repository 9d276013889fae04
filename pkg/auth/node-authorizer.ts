// The Node authorizer (Kubernetes' plugin/pkg/auth/authorizer/node): a node's
// credentials let it read what its node needs and write only its own objects.
// It may read every pod, service, endpoint and node (the agent filters pods by
// nodeName itself), but a secret or config map only when a pod bound to it uses
// that object — which it learns from a pod cache indexed by node and reference.
// Writes are limited to its own Node, its Lease, and status and deletion of pods
// bound to it; the names of created objects are checked by NodeRestriction
// admission, since an authorizer never sees a request body.
import { R } from "../api/kinds.js";
import type { KubeObject } from "../api/types.js";
import type { AuthorizationAttributes, AuthorizationDecision, Authorizer } from "../apiserver/auth.js";
import type { Client } from "../client/client.js";
import { SharedInformer } from "../client/informer.js";
import { NODE_LEASE_NAMESPACE, nodeNameOf } from "./node-identity.js";
import { podNodeName, podReferences, type ReferencedKind } from "./pod-references.js";

const READ = ["get", "list", "watch"];
const REF_INDEX = "node-reference";

/** What the authorizer needs to know about pods; the informer-backed graph or a fake in tests. */
export interface NodePodGraph {
  /** The node a pod is bound to ("" when unbound or unknown). */
  nodeOfPod(namespace: string, name: string): Promise<string | undefined>;
  /** Is namespace/kind/name used by a pod bound to this node? */
  nodeUses(node: string, namespace: string, kind: ReferencedKind, name: string): Promise<boolean>;
}

/** Decides for node users; for everyone else it has no opinion (allowed: false, no reason). */
export class NodeAuthorizer implements Authorizer {
  constructor(private readonly graph: NodePodGraph) {}

  async authorize(a: AuthorizationAttributes): Promise<AuthorizationDecision> {
    const node = nodeNameOf(a.user, a.groups);
    if (!node || !a.isResourceRequest) return { allowed: false };
    const allow: AuthorizationDecision = { allowed: true, reason: "Node authorizer" };
    const noRelation: AuthorizationDecision = { allowed: false, reason: `no relationship found between node '${node}' and this object` };
    const own = (name: string | undefined) => (name === node ? allow : noRelation);
    const group = a.apiGroup ?? "";
    const res = a.subresource ? `${a.resource}/${a.subresource}` : a.resource;

    if (group === "") {
      switch (res) {
        case "pods":
          if (READ.includes(a.verb)) return allow;
          if (a.verb === "delete" && a.name && a.namespace) return own(await this.graph.nodeOfPod(a.namespace, a.name));
          return noRelation;
        case "pods/status":
          if (["get", "update", "patch"].includes(a.verb) && a.name && a.namespace) return own(await this.graph.nodeOfPod(a.namespace, a.name));
          return noRelation;
        case "services":
        case "endpoints":
          return READ.includes(a.verb) ? allow : noRelation;
        case "nodes":
          if (READ.includes(a.verb)) return allow;
          // A create has no name in the URL: NodeRestriction checks the object's name.
          if (a.verb === "create") return allow;
          if (["update", "patch"].includes(a.verb)) return own(a.name);
          return noRelation;
        case "nodes/status":
          return ["get", "update", "patch"].includes(a.verb) ? own(a.name) : noRelation;
        case "secrets":
        case "configmaps":
        case "persistentvolumeclaims":
          if (a.verb !== "get" || !a.name || !a.namespace) return noRelation;
          return (await this.graph.nodeUses(node, a.namespace, a.resource as ReferencedKind, a.name)) ? allow : noRelation;
        case "persistentvolumes":
          // Kubernetes follows pod → claim → volume; skiff lets a node read any volume by
          // name (it learns the name only from a claim it may read).
          return a.verb === "get" && a.name ? allow : noRelation;
        case "events":
          return ["create", "update", "patch"].includes(a.verb) ? allow : { allowed: false };
        default:
          return { allowed: false };
      }
    }
    if (group === "coordination.k8s.io" && res === "leases") {
      if (a.namespace !== NODE_LEASE_NAMESPACE) return noRelation;
      if (a.verb === "create") return allow;
      if (["get", "update", "patch", "delete"].includes(a.verb)) return own(a.name);
      return noRelation;
    }
    return { allowed: false };
  }
}

/**
 * The node ↔ pod ↔ secret/config map graph, from a cache of every pod. A miss
 * is checked once against the live API before refusing, so a pod bound a
 * moment ago (not yet in the cache) does not make its node's first read fail.
 */
export class InformerNodePodGraph implements NodePodGraph {
  private readonly pods: SharedInformer;

  constructor(private readonly client: Client) {
    this.pods = new SharedInformer(client, R.pods, { onError: (e) => console.error(`node authorizer: ${e.message}`) });
    this.pods.addIndex(REF_INDEX, (p) => {
      const node = podNodeName(p);
      return node ? podReferences(p).map((r) => refKey(node, p.metadata.namespace ?? "", r)) : [];
    });
  }

  start(): Promise<void> {
    return this.pods.start();
  }

  stop(): void {
    this.pods.stop();
  }

  async nodeOfPod(namespace: string, name: string): Promise<string | undefined> {
    const cached = podNodeName(this.pods.lister.get(namespace, name));
    if (cached) return cached;
    try {
      return podNodeName(await this.client.get(R.pods, namespace, name));
    } catch {
      return undefined;
    }
  }

  async nodeUses(node: string, namespace: string, kind: ReferencedKind, name: string): Promise<boolean> {
    const key = refKey(node, namespace, `${kind}/${name}`);
    if (this.pods.lister.byIndex(REF_INDEX, key).length > 0) return true;
    const live = await this.client.list(R.pods, namespace, { fieldSelector: `spec.nodeName=${node}` }).catch(() => undefined);
    return !!live?.items.some((p: KubeObject) => podReferences(p).includes(`${kind}/${name}`));
  }
}

function refKey(node: string, namespace: string, ref: string): string {
  return `${node}|${namespace}|${ref}`;
}
