// The ReplicationController controller: the ReplicaSet controller run over RCs,
// as Kubernetes does it (pkg/controller/replication/conversion.go). Two adapters
// do the work and the ReplicaSet logic stays in one place:
// - a lister that shows each RC as a ReplicaSet-shaped object (selector map →
//   matchLabels), still carrying kind ReplicationController / apiVersion v1, so
//   the owner references it stamps on pods name the RC;
// - a client that turns the ReplicaSet controller's ReplicaSet reads and writes
//   into RC reads and writes (matchLabels → selector map), and passes every
//   other call (pods, events) through.
import { R, type ResourceInfo } from "../api/kinds.js";
import type { KubeList, KubeObject } from "../api/types.js";
import type { Client, ClientWatch, ListOptions, WatchOptions } from "../client/client.js";
import type { Lister } from "../client/lister.js";
import type { Clock } from "../util/clock.js";
import { ReplicaSetController, type ReplicaSetLike } from "./replicaset.js";
import type { Reconciler } from "./runner.js";
import type { PodEvent } from "./owner-keys.js";
import type { EventSink, PodLike } from "./util.js";

export interface ReplicationControllerLike extends KubeObject {
  spec?: { replicas?: number; minReadySeconds?: number; selector?: Record<string, string>; template?: NonNullable<ReplicaSetLike["spec"]>["template"] };
  status?: ReplicaSetLike["status"];
}

type Rec = Record<string, unknown>;
const isRec = (v: unknown): v is Rec => typeof v === "object" && v !== null && !Array.isArray(v);

/** RC → the ReplicaSet shape the ReplicaSet controller reads (kind and apiVersion stay the RC's). */
export function rcAsReplicaSet(rc: ReplicationControllerLike): ReplicaSetLike {
  const spec = rc.spec ? { ...rc.spec, selector: rc.spec.selector ? { matchLabels: rc.spec.selector } : undefined } : undefined;
  return { ...rc, spec } as ReplicaSetLike;
}

/** The inverse: a ReplicaSet-shaped RC back to its wire form (only matchLabels can come from an RC). */
export function replicaSetAsRc(rs: KubeObject): KubeObject {
  const spec = isRec(rs.spec) ? { ...rs.spec } : undefined;
  if (spec && isRec(spec.selector)) spec.selector = isRec(spec.selector.matchLabels) ? spec.selector.matchLabels : {};
  return { ...rs, apiVersion: "v1", kind: "ReplicationController", ...(spec ? { spec } : {}) };
}

function rcLister(rcs: Lister<ReplicationControllerLike>): Lister<ReplicaSetLike> {
  const conv = (o: ReplicationControllerLike | undefined) => (o ? rcAsReplicaSet(o) : undefined);
  return {
    get: (ns, name) => conv(rcs.get(ns, name)),
    list: (ns, sel) => rcs.list(ns, sel).map(rcAsReplicaSet),
    byIndex: (index, value) => rcs.byIndex(index, value).map(rcAsReplicaSet),
  };
}

/** Routes the ReplicaSet controller's ReplicaSet calls to ReplicationControllers. */
class RcClient implements Client {
  constructor(private readonly inner: Client) {}

  private target(info: ResourceInfo): ResourceInfo {
    return info.plural === R.replicasets.plural && info.group === R.replicasets.group ? R.replicationcontrollers : info;
  }

  private out<T extends KubeObject>(info: ResourceInfo, obj: KubeObject): T {
    return (this.target(info) !== info ? rcAsReplicaSet(obj as ReplicationControllerLike) : obj) as T;
  }

  private in(info: ResourceInfo, obj: KubeObject): KubeObject {
    return this.target(info) !== info ? replicaSetAsRc(obj) : obj;
  }

  async get<T extends KubeObject = KubeObject>(info: ResourceInfo, ns: string | undefined, name: string): Promise<T> {
    return this.out<T>(info, await this.inner.get(this.target(info), ns, name));
  }
  async list<T extends KubeObject = KubeObject>(info: ResourceInfo, ns: string | undefined, opts?: ListOptions): Promise<KubeList<T>> {
    const l = await this.inner.list(this.target(info), ns, opts);
    return { ...l, items: l.items.map((o) => this.out<T>(info, o)) };
  }
  async create<T extends KubeObject = KubeObject>(info: ResourceInfo, ns: string | undefined, obj: KubeObject, opts?: Parameters<Client["create"]>[3]): Promise<T> {
    return this.out<T>(info, await this.inner.create(this.target(info), ns, this.in(info, obj), opts));
  }
  async update<T extends KubeObject = KubeObject>(info: ResourceInfo, obj: KubeObject, opts?: Parameters<Client["update"]>[2]): Promise<T> {
    return this.out<T>(info, await this.inner.update(this.target(info), this.in(info, obj), opts));
  }
  async updateStatus<T extends KubeObject = KubeObject>(info: ResourceInfo, obj: KubeObject, opts?: Parameters<Client["updateStatus"]>[2]): Promise<T> {
    return this.out<T>(info, await this.inner.updateStatus(this.target(info), this.in(info, obj), opts));
  }
  async patch<T extends KubeObject = KubeObject>(...args: Parameters<Client["patch"]>): Promise<T> {
    const [info, ns, name, type, patch, opts] = args;
    return this.out<T>(info, await this.inner.patch(this.target(info), ns, name, type, patch, opts));
  }
  delete(...args: Parameters<Client["delete"]>): Promise<KubeObject> {
    const [info, ns, name, opts] = args;
    return this.inner.delete(this.target(info), ns, name, opts);
  }
  bindPod(...args: Parameters<Client["bindPod"]>): Promise<void> {
    return this.inner.bindPod(...args);
  }
  watch(info: ResourceInfo, ns: string | undefined, opts: WatchOptions, handler: Parameters<Client["watch"]>[3]): Promise<ClientWatch> {
    return this.inner.watch(this.target(info), ns, opts, handler);
  }
  close(): void {
    // The wrapped client belongs to the caller.
  }
}

export interface ReplicationControllerOptions {
  client: Client;
  replicationControllers: Lister<ReplicationControllerLike>;
  /** Needs the owner indexes (installOwnerIndexes), as for ReplicaSets. */
  pods: Lister<PodLike>;
  clock?: Clock;
  events?: EventSink;
}

export class ReplicationControllerController implements Reconciler {
  readonly name = "replicationcontroller";
  private readonly inner: ReplicaSetController;

  constructor(opts: ReplicationControllerOptions) {
    this.inner = new ReplicaSetController({
      client: new RcClient(opts.client),
      replicaSets: rcLister(opts.replicationControllers),
      pods: opts.pods,
      clock: opts.clock,
      events: opts.events,
      ownerKind: "ReplicationController",
    });
  }

  /** Idempotent: converges pods and status for one RC key. */
  reconcile(key: string, signal?: AbortSignal): Promise<{ requeueAfterMs?: number }> {
    return this.inner.reconcile(key, signal);
  }

  /** Keys of RCs a pod event concerns (its owner, or RCs that may adopt it); settles expectations. */
  podChanged(pod: PodLike, event: PodEvent, old?: PodLike): string[] {
    return this.inner.podChanged(pod, event, old);
  }
}
