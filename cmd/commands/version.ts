// `skiff version`: client and server versions, like kubectl version.
import { SKIFF_VERSION } from "../../pkg/version.js";
import { connect, type GlobalOptions } from "../context.js";

export async function runVersion(o: { client?: boolean; globals: GlobalOptions }): Promise<void> {
  process.stdout.write(`Client Version: v${SKIFF_VERSION}\n`);
  if (o.client) return;
  const s = connect(o.globals);
  try {
    const v = await s.client.request<{ gitVersion: string }>("GET", "/version");
    process.stdout.write(`Server Version: ${v.gitVersion}\n`);
  } finally {
    s.client.close();
  }
}
