// The live objects service account tokens name (the account itself, and the pod,
// secret or node a token is bound to), read from informer caches so token
// authentication stays synchronous and never costs a store read per request.
import { R, type ResourceInfo } from "../api/kinds.js";
import type { Client } from "../client/client.js";
import { SharedInformer } from "../client/informer.js";
import type { BoundObjectLookup } from "./service-account-token.js";

type Kind = Parameters<BoundObjectLookup["uidOf"]>[0];

export class InformerBoundObjects implements BoundObjectLookup {
  private readonly informers: Record<Kind, SharedInformer>;

  constructor(client: Client) {
    const make = (info: ResourceInfo) => new SharedInformer(client, info, { onError: (e) => console.error(`token authenticator: ${info.plural}: ${e.message}`) });
    this.informers = { ServiceAccount: make(R.serviceaccounts), Pod: make(R.pods), Secret: make(R.secrets), Node: make(R.nodes) };
  }

  async start(): Promise<void> {
    await Promise.all(Object.values(this.informers).map((i) => i.start()));
  }

  stop(): void {
    for (const i of Object.values(this.informers)) i.stop();
  }

  uidOf(kind: Kind, namespace: string, name: string): { uid?: string; deleting: boolean } | undefined {
    const o = this.informers[kind].lister.get(kind === "Node" ? undefined : namespace, name);
    return o && { uid: o.metadata.uid, deleting: !!o.metadata.deletionTimestamp };
  }
}
