// `skiff certs rotate`: a new API serving certificate from the cluster CA;
// running API servers of this state dir load it within a second, without a
// restart or dropping connections.
import { statePaths } from "../../pkg/cluster/paths.js";
import { rotateServingCertificate } from "../../pkg/cluster/cert-rotation.js";
import { ExitError } from "../context.js";

export async function runCertsRotate(o: { stateDir: string }): Promise<void> {
  let r;
  try {
    r = await rotateServingCertificate(statePaths(o.stateDir));
  } catch (e) {
    throw new ExitError(1, `error: ${(e as Error).message}`);
  }
  process.stdout.write(
    [`API serving certificate rotated (same CA): serial ${r.serialNumber}, valid until ${r.notAfter}`, `  for ${r.subjectAltName}`, "Running API servers pick it up within a second; open connections keep working."].join("\n") + "\n",
  );
}
