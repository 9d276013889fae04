// `skiff agent`: one node agent in its own process (or on another machine),
// joined to a running cluster with a node token. Runs until Ctrl-C / SIGTERM;
// its containers keep running for the next start to adopt.
import { parseTimeout } from "../wait-progress.js";
import { JoinError, startJoinedAgent, type AgentRuntimeChoice } from "../../pkg/cluster/join.js";
import { ExitError } from "../context.js";

export interface AgentCommandOptions {
  server: string;
  token: string;
  name: string;
  caCertHash?: string;
  unsafeSkipCaVerification?: boolean;
  runtime: AgentRuntimeChoice;
  dockerHost?: string;
  cpu?: string;
  memory?: string;
  pods?: number;
  nodeIp?: string;
  heartbeat?: string;
  evictionHard?: string;
  stateDir: string;
}

export async function runAgent(o: AgentCommandOptions): Promise<void> {
  const log = (line: string) => process.stderr.write(`${new Date().toISOString()} ${line}\n`);
  const capacity = o.cpu || o.memory || o.pods ? { cpu: o.cpu ?? "4", memory: o.memory ?? "8Gi", pods: o.pods ?? 110 } : undefined;
  let joined;
  try {
    joined = await startJoinedAgent({
      servers: o.server
        .split(",")
        .map((u) => u.trim().replace(/\/$/, ""))
        .filter(Boolean),
      token: o.token,
      nodeName: o.name,
      discovery: { caCertHash: o.caCertHash, unsafeSkipCaVerification: o.unsafeSkipCaVerification },
      runtime: o.runtime,
      dockerHost: o.dockerHost,
      capacity,
      stateDir: o.stateDir,
      nodeIP: o.nodeIp,
      heartbeatMs: o.heartbeat ? parseTimeout(o.heartbeat, 10_000) : undefined,
      evictionHard: o.evictionHard,
      onError: (e) => log(`agent ${o.name}: ${e.message}`),
    });
  } catch (e) {
    if (e instanceof JoinError) throw new ExitError(1, `error: ${e.message}`);
    throw e;
  }
  process.stdout.write(`node ${o.name} joined ${o.server} (${o.runtime} runtime, pod CIDR ${joined.agent.podCidr || "none"})\nPress Ctrl-C to stop.\n`);
  await new Promise<void>((resolve) => {
    const stop = () => {
      process.stdout.write(`\nstopping agent ${o.name}... (containers keep running; the next start adopts them)\n`);
      joined.stop({ leaveContainers: true }).then(resolve, resolve);
    };
    process.once("SIGINT", stop);
    process.once("SIGTERM", stop);
  });
}
