// The API server alone, for bench:api: the same control plane `skiff up` runs
// (HTTPS, tokens, RBAC, admission, sqlite store), without controllers,
// scheduler or nodes, so the benchmark measures the API and not the cluster
// reacting to 10,000 new pods. Prints "ready" when it listens.
import { startControlPlane } from "../pkg/cluster/control-plane.js";

const [stateDir, port] = [process.argv[2], Number(process.argv[3])];
const cp = await startControlPlane({ stateDir, store: "sqlite", port });
process.stdout.write("ready\n");
const stop = () => void cp.close().then(() => process.exit(0));
process.once("SIGTERM", stop);
process.once("SIGINT", stop);
