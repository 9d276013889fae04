// The chaos control channel, for ApiServerOptions.plugins:
//
//   POST   /apis/skiff.dev/v1/chaos        {action, node|pod|selector, …} → 201 the action
//   GET    /apis/skiff.dev/v1/chaos        → ChaosActionList
//   GET    /apis/skiff.dev/v1/chaos/{id}   → the action
//   DELETE /apis/skiff.dev/v1/chaos/{id}   → undo it; the stopped action
//   DELETE /apis/skiff.dev/v1/chaos        → undo every active action; ChaosActionList of those
//
// Static routes: they win over the generic /apis/:group/:version/* handler, and
// authorization sees resource "chaos" in group skiff.dev (create/list/get/delete).
import type { FastifyInstance } from "fastify";
import { ApiError, errors } from "../api/errors.js";
import type { ChaosAction, ChaosController, ChaosRequest } from "./controller.js";

export const CHAOS_PATH = "/apis/skiff.dev/v1/chaos";

export interface ChaosActionList {
  kind: "ChaosActionList";
  apiVersion: "skiff.dev/v1";
  items: ChaosAction[];
}

function listOf(items: ChaosAction[]): ChaosActionList {
  return { kind: "ChaosActionList", apiVersion: "skiff.dev/v1", items };
}

/** `controller` is asked per request: the cluster builds it after the API server. */
export function chaosApiPlugin(controller: () => ChaosController | undefined): (app: FastifyInstance) => void {
  const ctl = () => {
    const c = controller();
    if (!c) throw new ApiError("ServiceUnavailable", "chaos is available only in a cluster started by `skiff up` with node agents");
    return c;
  };
  return (app) => {
    app.get(CHAOS_PATH, async () => listOf(ctl().list()));
    app.post<{ Body: unknown }>(CHAOS_PATH, async (req, reply) => {
      if (!req.body || typeof req.body !== "object" || Array.isArray(req.body)) throw errors.badRequest("expected a JSON object: {\"action\": \"kill-node\", \"node\": \"node-1\"}");
      const action = await ctl().start(req.body as ChaosRequest);
      reply.code(201);
      return action;
    });
    app.get<{ Params: { id: string } }>(`${CHAOS_PATH}/:id`, async (req) => ctl().get(req.params.id));
    app.delete<{ Params: { id: string } }>(`${CHAOS_PATH}/:id`, async (req) => ctl().stop(req.params.id));
    app.delete(CHAOS_PATH, async () => listOf(await ctl().stopAll()));
  };
}
