// `skiff kind up|down`: a kind cluster named skiff for `skiff mirror`.
import { defaultStateDir } from "../../pkg/cluster/paths.js";
import { KIND_CONTEXT, MissingToolsError, kindDown, kindUp } from "../../pkg/mirror/kind-cluster.js";
import { ExitError } from "../context.js";

export async function runKind(o: { action: "up" | "down"; stateDir?: string }): Promise<void> {
  const stateDir = o.stateDir ?? defaultStateDir();
  const onOutput = (s: string) => process.stderr.write(s);
  try {
    if (o.action === "up") {
      const { kubeconfig, created } = await kindUp({ stateDir, onOutput });
      process.stdout.write(
        `kind cluster "skiff" ${created ? "created" : "already exists"}; kubeconfig ${kubeconfig} (context ${KIND_CONTEXT})\n` +
          "mirror skiff onto it: skiff mirror --watch   (side by side: skiff mirror status)\n",
      );
    } else {
      await kindDown({ stateDir, onOutput });
      process.stdout.write('kind cluster "skiff" deleted\n');
    }
  } catch (e) {
    if (e instanceof MissingToolsError) throw new ExitError(1, `error: ${e.message}`);
    throw e;
  }
}
