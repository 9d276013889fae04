// `skiff images` (per node: repository, tag, image id, size, pods using it)
// and `skiff images load FILE.tar` (to every node of a `skiff up` cluster).
import { readFile } from "node:fs/promises";
import { basename } from "node:path";
import { ApiError } from "../../pkg/api/errors.js";
import { R } from "../../pkg/api/kinds.js";
import type { KubeList, KubeObject } from "../../pkg/api/types.js";
import { resourcePath } from "../../pkg/client/rest.js";
import { imageRows, imageTable } from "../../pkg/cli/images.js";
import type { ImageLoadResult } from "../../pkg/cluster/images-api.js";
import { connect, ExitError, type GlobalOptions } from "../context.js";
import { formatColumns } from "../output.js";

const LOAD_PATH = "/apis/skiff.dev/v1/images/load";

export async function runImages(o: { node?: string; headers?: boolean; globals: GlobalOptions }): Promise<void> {
  const s = connect(o.globals);
  try {
    const nodes = o.node
      ? [await s.client.request<KubeObject>("GET", resourcePath(R.nodes, undefined, o.node))]
      : (await s.client.request<KubeList<KubeObject>>("GET", resourcePath(R.nodes))).items;
    const pods = (await s.client.request<KubeList<KubeObject>>("GET", resourcePath(R.pods))).items;
    const rows = imageRows(nodes, pods);
    if (rows.length === 0) {
      process.stderr.write("No images reported by the nodes.\n");
      return;
    }
    const table = imageTable(rows);
    process.stdout.write(formatColumns(o.headers === false ? table.slice(1) : table) + "\n");
  } catch (e) {
    if (e instanceof ApiError) throw new ExitError(1, `Error from server (${e.reason}): ${e.message}`);
    throw e;
  } finally {
    s.client.close();
  }
}

export async function runImagesLoad(o: { file: string; globals: GlobalOptions }): Promise<void> {
  let data: Buffer;
  try {
    data = await readFile(o.file);
  } catch (e) {
    throw new ExitError(1, `error: cannot read ${o.file}: ${(e as Error).message}`);
  }
  const s = connect(o.globals);
  try {
    const r = await s.client.request<ImageLoadResult>("POST", LOAD_PATH, { body: { file: basename(o.file), data: data.toString("base64") } });
    for (const n of r.nodes) process.stdout.write(`${n.node}: loaded ${n.images.join(", ") || "(no image names reported)"}\n`);
  } catch (e) {
    if (e instanceof ApiError) throw new ExitError(1, `Error from server (${e.reason}): ${e.message}`);
    throw e;
  } finally {
    s.client.close();
  }
}
