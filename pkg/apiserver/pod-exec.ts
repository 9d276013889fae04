// skiff's exec endpoint: POST /api/v1/namespaces/{ns}/pods/{name}/exec
// ?command=sh&command=-c&command=…&container=c. Kubernetes speaks SPDY or
// websockets here for interactive TTYs; skiff runs the command to completion
// on the pod's node (through its agent, found like pods/log finds it) and
// answers with one JSON object: {exitCode, stdout, stderr}.
import type { FastifyInstance } from "fastify";
import { ApiError, errors } from "../api/errors.js";
import { R } from "../api/kinds.js";
import type { PodExecResolver, PodExecResult } from "../api/pod-exec.js";
import type { Registry } from "./registry.js";

export type { PodExecResolver } from "../api/pod-exec.js";

/** The body of a successful exec. */
export interface ExecResponse extends PodExecResult {
  kind: "ExecResult";
  apiVersion: "skiff.dev/v1";
}

const MAX_TIMEOUT_SECONDS = 3600;

function asList(v: unknown): string[] {
  if (v === undefined) return [];
  return Array.isArray(v) ? v.map(String) : [String(v)];
}

export function registerPodExec(app: FastifyInstance, registry: Registry, resolve: PodExecResolver): void {
  app.post<{ Params: { namespace: string; name: string }; Querystring: Record<string, string | string[] | undefined>; Body: unknown }>(
    "/api/v1/namespaces/:namespace/pods/:name/exec",
    async (req): Promise<ExecResponse> => {
      const { namespace, name } = req.params;
      // The command may come as repeated query parameters (kubectl's shape) or a JSON body.
      const body = (req.body && typeof req.body === "object" ? req.body : {}) as { command?: unknown; container?: unknown; timeoutSeconds?: unknown };
      const command = asList(req.query.command).length ? asList(req.query.command) : asList(body.command);
      const container = asList(req.query.container)[0] ?? (typeof body.container === "string" ? body.container : undefined);
      const timeoutText = asList(req.query.timeoutSeconds)[0] ?? (body.timeoutSeconds !== undefined ? String(body.timeoutSeconds) : undefined);
      if (command.length === 0) throw errors.badRequest("you must specify at least one command for the container (?command=…)");
      let timeoutMs: number | undefined;
      if (timeoutText !== undefined) {
        const n = Number(timeoutText);
        if (!Number.isInteger(n) || n <= 0 || n > MAX_TIMEOUT_SECONDS) throw errors.badRequest(`timeoutSeconds must be a whole number from 1 to ${MAX_TIMEOUT_SECONDS}`);
        timeoutMs = n * 1000;
      }
      const pod = await registry.get(R.pods, namespace, name);
      const node = (pod.spec as { nodeName?: string } | undefined)?.nodeName;
      if (!node) throw errors.badRequest(`pod ${name} is not scheduled to a node yet: cannot exec into it`);
      const phase = (pod.status as { phase?: string } | undefined)?.phase;
      if (phase === "Succeeded" || phase === "Failed") throw errors.badRequest(`cannot exec into a container in a completed pod; current phase is ${phase}`);
      const target = resolve(node);
      if (!target) throw new ApiError("ServiceUnavailable", `no agent is serving node "${node}": cannot exec in pod "${name}"`);
      const result = await target.exec(pod, { container, command, timeoutMs });
      return { kind: "ExecResult", apiVersion: "skiff.dev/v1", ...result };
    },
  );
}
