// `skiff control-plane`: one member of a highly available control plane. Every
// member serves the API over the shared store (etcd); the controllers and the
// scheduler run only in the member that holds their Lease (kube-system/
// skiff-controller-manager and kube-system/skiff-scheduler), as
// kube-controller-manager and kube-scheduler do with --leader-elect. No node
// agents run here: they join with `skiff agent`.
import { volumesDir } from "./paths.js";
import { InProcessClient } from "../client/in-process.js";
import { InformerFactory } from "../client/informer.js";
import { EventRecorder } from "../client/events.js";
import { LeaderElector, defaultIdentity } from "../client/leader-election.js";
import { startControllers, type RunningControllers } from "../controllers/manager.js";
import { Scheduler } from "../scheduler/scheduler.js";
import { startControlPlane, type ControlPlane, type ControlPlaneOptions } from "./control-plane.js";

export const LEADER_ELECTION_NAMESPACE = "kube-system";
export const CONTROLLER_MANAGER_LEASE = "skiff-controller-manager";
export const SCHEDULER_LEASE = "skiff-scheduler";

export interface LeaderElectionTiming {
  leaseDurationMs?: number;
  renewIntervalMs?: number;
  renewDeadlineMs?: number;
  retryPeriodMs?: number;
}

export interface HaControlPlaneOptions extends ControlPlaneOptions {
  /** This member's name in the leases; default hostname_uuid. */
  identity?: string;
  leaderElection?: LeaderElectionTiming;
  nodeGracePeriodMs?: number;
  podEvictionTimeoutMs?: number;
  /** Leadership changes and notices. */
  log?: (line: string) => void;
  onError?: (component: string, e: Error) => void;
}

export interface HaControlPlane {
  controlPlane: ControlPlane;
  identity: string;
  /** Is this member running the controllers / the scheduler right now? */
  leading(): { controllers: boolean; scheduler: boolean };
  /** Give up both leases (others take over within a retry period) and stop serving. */
  close(): Promise<void>;
}

/** A component that runs only while its lease is held: started on gaining it, stopped on losing it. */
interface LeaderOnly {
  start(): Promise<void>;
  stop(): Promise<void>;
}

export async function startHaControlPlane(opts: HaControlPlaneOptions): Promise<HaControlPlane> {
  const log = opts.log ?? (() => undefined);
  const onError = opts.onError ?? ((c: string, e: Error) => process.stderr.write(`${c}: ${e.message}\n`));
  const identity = opts.identity ?? defaultIdentity();
  const cp = await startControlPlane({ ...opts, dashboard: opts.dashboard ?? false });
  const client = new InProcessClient(cp.registry);

  const controllers = leaderOnly(async () => {
    const informers = new InformerFactory(client);
    let running: RunningControllers | undefined;
    try {
      running = await startControllers({
        client,
        informers,
        nodeGracePeriodMs: opts.nodeGracePeriodMs,
        podEvictionTimeoutMs: opts.podEvictionTimeoutMs,
        onError: (name, _key, e) => onError(name, e),
        volumesDir: volumesDir(cp.paths.dir),
      });
    } catch (e) {
      informers.stopAll();
      throw e;
    }
    return async () => {
      await running.stop();
      informers.stopAll();
    };
  });
  const scheduler = leaderOnly(async () => {
    const informers = new InformerFactory(client);
    const s = new Scheduler({ client, informers, recorder: new EventRecorder(client, "default-scheduler"), onError: (e) => onError("scheduler", e) });
    try {
      await s.start();
    } catch (e) {
      informers.stopAll();
      throw e;
    }
    return async () => {
      await s.stop();
      informers.stopAll();
    };
  });

  const elect = (lease: string, component: LeaderOnly) =>
    new LeaderElector({
      client,
      namespace: LEADER_ELECTION_NAMESPACE,
      name: lease,
      identity,
      ...opts.leaderElection,
      onStartedLeading: async () => {
        log(`${lease}: this control plane (${identity}) is the leader`);
        await component.start().catch((e: unknown) => onError(lease, e as Error));
      },
      onStoppedLeading: async () => {
        log(`${lease}: this control plane (${identity}) stopped leading`);
        await component.stop().catch((e: unknown) => onError(lease, e as Error));
      },
      onNewLeader: (who) => {
        if (who !== identity) log(`${lease}: leader is ${who}`);
      },
      onError: (e) => onError(`leader election ${lease}`, e),
    });
  const electors = [elect(CONTROLLER_MANAGER_LEASE, controllers), elect(SCHEDULER_LEASE, scheduler)];
  for (const e of electors) e.start();

  let closing: Promise<void> | undefined;
  return {
    controlPlane: cp,
    identity,
    leading: () => ({ controllers: electors[0]!.isLeader, scheduler: electors[1]!.isLeader }),
    close() {
      closing ??= (async () => {
        await Promise.all(electors.map((e) => e.stop()));
        client.close();
        await cp.close();
      })();
      return closing;
    },
  };
}

/** Wraps "start it and return how to stop it" so start/stop pair up however often leadership flips. */
function leaderOnly(run: () => Promise<() => Promise<void>>): LeaderOnly {
  let stopFn: (() => Promise<void>) | undefined;
  return {
    async start() {
      if (stopFn) return;
      stopFn = await run();
    },
    async stop() {
      const f = stopFn;
      stopFn = undefined;
      await f?.();
    },
  };
}
