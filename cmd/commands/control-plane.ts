// `skiff control-plane`: one member of a highly available control plane over
// a shared etcd (API server for everyone; controllers and scheduler only while
// this member holds their Lease). Start two or three with the same --store.
import { startHaControlPlane } from "../../pkg/cluster/ha-control-plane.js";
import { joinInstructions } from "../../pkg/cluster/join.js";
import { parseTimeout } from "../wait-progress.js";
import { bold } from "../output.js";
import { ExitError } from "../context.js";

export interface ControlPlaneCommandOptions {
  store: string;
  host: string;
  port: number;
  stateDir: string;
  tlsSan?: string[];
  nodeGracePeriod?: string;
  podEvictionTimeout?: string;
  leaderElectLeaseDuration?: string;
  leaderElectRenewDeadline?: string;
  leaderElectRetryPeriod?: string;
  identity?: string;
  verbose?: boolean;
}

export async function runControlPlane(o: ControlPlaneCommandOptions): Promise<void> {
  const log = (line: string) => process.stderr.write(`${new Date().toISOString()} ${line}\n`);
  if (!o.store.startsWith("etcd://")) {
    log(`note: --store ${o.store} serves this one control plane; run several over --store etcd://host:2379 for high availability`);
  }
  const ms = (v: string | undefined, name: string) => {
    if (v === undefined) return undefined;
    try {
      return parseTimeout(v, 0);
    } catch {
      throw new ExitError(1, `error: invalid ${name} "${v}" (use e.g. 15s, 1m)`);
    }
  };
  let ha;
  try {
    ha = await startHaControlPlane({
      stateDir: o.stateDir,
      store: o.store,
      host: o.host,
      port: o.port,
      logger: o.verbose,
      extraHosts: o.tlsSan,
      identity: o.identity,
      nodeGracePeriodMs: ms(o.nodeGracePeriod, "--node-grace-period"),
      podEvictionTimeoutMs: ms(o.podEvictionTimeout, "--pod-eviction-timeout"),
      leaderElection: {
        leaseDurationMs: ms(o.leaderElectLeaseDuration, "--leader-elect-lease-duration"),
        renewDeadlineMs: ms(o.leaderElectRenewDeadline, "--leader-elect-renew-deadline"),
        retryPeriodMs: ms(o.leaderElectRetryPeriod, "--leader-elect-retry-period"),
      },
      log,
      onError: (c, e) => log(`${c}: ${e.message}`),
    });
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    if (err.code === "EADDRINUSE") throw new ExitError(1, `error: port ${o.port} on ${o.host} is in use (--port N picks another)`);
    throw e;
  }
  const cp = ha.controlPlane;
  process.stdout.write(
    [
      bold("skiff control plane is up"),
      `  API server:  ${cp.url}`,
      `  store:       ${o.store}`,
      `  identity:    ${ha.identity}`,
      `  state dir:   ${cp.paths.dir}`,
      "",
      ...joinInstructions(cp.url, cp.caPem),
      "",
      "Press Ctrl-C to stop.",
      "",
    ].join("\n"),
  );
  await new Promise<void>((resolve) => {
    const stop = () => {
      process.stdout.write("\nstopping the control plane (handing over its leases)...\n");
      ha.close().then(resolve, resolve);
    };
    process.once("SIGINT", stop);
    process.once("SIGTERM", stop);
  });
}
