// GET /apis/skiff.dev/v1/namespaces/{ns}/pods/{name}/why — the `skiff why`
// report for the dashboard's pod page (and any HTTP client): JSON by default,
// the CLI's text with ?format=text. A static route, so it wins over the generic
// /apis/:group/:version/* handler; authorization sees it as the "why"
// subresource of pods in group skiff.dev. The scheduler's decision records
// live in this process's memory (pkg/scheduler/decision-store.ts): this route
// is how `skiff why` reaches them.
import type { FastifyInstance } from "fastify";
import { ApiError } from "../api/errors.js";
import type { Client } from "../client/client.js";
import type { DecisionLookup } from "../scheduler/decision-store.js";
import { formatWhy } from "./format.js";
import { explainPod } from "./why.js";

export const WHY_PATH = "/apis/skiff.dev/v1/namespaces/:namespace/pods/:name/why";

/** For ApiServerOptions.plugins; `client` is asked per request (the cluster makes its client after the server). */
export function whyApiPlugin(client: () => Client | undefined, decisions?: DecisionLookup): (app: FastifyInstance) => void {
  return (app) => {
    app.get<{ Params: { namespace: string; name: string }; Querystring: { format?: string } }>(WHY_PATH, async (req, reply) => {
      const c = client();
      if (!c) throw new ApiError("ServiceUnavailable", "the cluster is still starting");
      const report = await explainPod(c, req.params.namespace, req.params.name, decisions);
      if (req.query.format === "text") {
        reply.type("text/plain; charset=utf-8");
        return formatWhy(report);
      }
      return report;
    });
  };
}
