// `skiff images load FILE.tar`: a `docker save` tarball brought to every node
// of a `skiff up` cluster without a registry. The CLI uploads it (base64 in a
// JSON body, the only body the REST client sends); each distinct engine under
// the in-process agents loads it once (all nodes of `skiff up` share one).
//
//   POST /apis/skiff.dev/v1/images/load  {file, data}  → 201 ImageLoadResult
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import type { FastifyInstance } from "fastify";
import { ApiError, errors } from "../api/errors.js";
import type { ContainerRuntime } from "../runtime/runtime.js";

export const IMAGES_LOAD_PATH = "/apis/skiff.dev/v1/images/load";
/** Upload limit: base64 of a 768 MiB tarball. */
const BODY_LIMIT = 1024 * 1024 * 1024;

export interface ImageLoadRequest {
  /** The tarball's file name (for messages and the fake runtime, which names the image after it). */
  file: string;
  /** The tarball, base64. */
  data: string;
}

export interface ImageLoadResult {
  kind: "ImageLoadResult";
  apiVersion: "skiff.dev/v1";
  nodes: Array<{ node: string; images: string[] }>;
}

function engineOf(rt: ContainerRuntime): ContainerRuntime {
  let r = rt as ContainerRuntime & { unwrapped?: ContainerRuntime };
  while (r.unwrapped && r.unwrapped !== r) r = r.unwrapped;
  return r;
}

/** Loads the tarball once per engine; returns what each node now has from it. */
export async function loadOnEveryNode(runtimes: Map<string, ContainerRuntime>, tarPath: string): Promise<ImageLoadResult["nodes"]> {
  const byEngine = new Map<ContainerRuntime, Promise<string[]>>();
  const out: ImageLoadResult["nodes"] = [];
  for (const [node, rt] of [...runtimes.entries()].sort(([a], [b]) => a.localeCompare(b))) {
    const engine = engineOf(rt);
    let loading = byEngine.get(engine);
    if (!loading) byEngine.set(engine, (loading = rt.loadImage(tarPath)));
    out.push({ node, images: await loading });
  }
  return out;
}

export function imagesApiPlugin(runtimes: () => Map<string, ContainerRuntime>): (app: FastifyInstance) => void {
  return (app) => {
    app.post<{ Body: unknown }>(IMAGES_LOAD_PATH, { bodyLimit: BODY_LIMIT }, async (req, reply) => {
      const body = req.body as Partial<ImageLoadRequest> | undefined;
      if (!body || typeof body !== "object") throw errors.badRequest('expected a JSON object: {"file": "app.tar", "data": "<base64>"}');
      if (typeof body.file !== "string" || !body.file) throw errors.badRequest("file: Required value: the tarball's name");
      if (typeof body.data !== "string" || !body.data) throw errors.badRequest("data: Required value: the tarball, base64");
      const nodes = runtimes();
      if (nodes.size === 0) throw new ApiError("ServiceUnavailable", "images load needs a cluster started by `skiff up` with node agents");
      const dir = await mkdtemp(join(tmpdir(), "skiff-image-load-"));
      try {
        const path = join(dir, basename(body.file));
        await writeFile(path, Buffer.from(body.data, "base64"));
        let loaded: ImageLoadResult["nodes"];
        try {
          loaded = await loadOnEveryNode(nodes, path);
        } catch (e) {
          throw errors.badRequest(`loading ${basename(body.file)}: ${(e as Error).message}`);
        }
        reply.code(201);
        const result: ImageLoadResult = { kind: "ImageLoadResult", apiVersion: "skiff.dev/v1", nodes: loaded };
        return result;
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    });
  };
}
