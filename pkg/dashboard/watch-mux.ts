// One stream for every kind the dashboard shows. A browser speaks HTTP/1.1 to
// the API server and opens at most six connections per origin; a watch per kind
// (nodes, namespaces, pods, deployments, services, endpoints, events) would hold
// all six forever and leave none for a scale click or a log. So the page watches
// through this single stream instead: the same Registry.watch the API's
// `?watch=true` uses, the same authorization (verb "watch" per resource), the
// same line format with a `resource` field added. Lists, writes and logs still
// go to the normal API.
import type { FastifyReply, FastifyRequest } from "fastify";
import { ApiError } from "../api/errors.js";
import { R, RESOURCES, customResources, type ResourceInfo } from "../api/kinds.js";
import type { WatchEvent } from "../api/types.js";
import { forbiddenMessage, type Authorizer } from "../apiserver/auth.js";
import type { Registry } from "../apiserver/registry.js";
import { WatchStream } from "../apiserver/watch-stream.js";

/** The kinds the page shows, by the name the page uses for them. */
export const DASHBOARD_RESOURCES: Readonly<Record<string, ResourceInfo>> = {
  nodes: R.nodes,
  namespaces: R.namespaces,
  pods: R.pods,
  deployments: R.deployments,
  services: R.services,
  endpoints: R.endpoints,
  events: R.events,
};

/**
 * A name the page may ask for: a built-in kind above, "customresourcedefinitions",
 * or a custom kind as "plural.group" (watched at its storage version).
 */
export function dashboardResource(name: string): ResourceInfo | undefined {
  if (DASHBOARD_RESOURCES[name]) return DASHBOARD_RESOURCES[name];
  if (name === "customresourcedefinitions") return RESOURCES.find((r) => r.group === "apiextensions.k8s.io" && r.plural === name);
  return customResources().find((r) => `${r.plural}.${r.group}` === name && r.version === r.custom?.storageVersion);
}

/** One line of the stream: a watch event plus which resource it belongs to (absent on BOOKMARK/ERROR). */
export interface MuxEvent extends WatchEvent<unknown> {
  resource?: string;
}

export interface MuxOptions {
  registry: Registry;
  authorizer?: Authorizer;
  bookmarkEveryMs?: number;
  maxBacklogBytes?: number;
}

interface MuxQuery {
  resources?: string;
  resourceVersion?: string;
  timeoutSeconds?: string;
}

/**
 * GET /ui/watch?resources=pods,nodes&resourceVersion=N: every change to those
 * kinds (all namespaces) after N. The store has one global resourceVersion and
 * calls watchers synchronously in commit order, so one version resumes every
 * kind, and a BOOKMARK's version is safe for all of them.
 */
export async function serveMultiplexedWatch(opts: MuxOptions, req: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
  const q = req.query as MuxQuery;
  const names = q.resources ? q.resources.split(",").filter(Boolean) : Object.keys(DASHBOARD_RESOURCES);
  const infos = names.map((n) => {
    const info = dashboardResource(n);
    if (!info) throw new ApiError("BadRequest", `resources: "${n}" is not one of ${Object.keys(DASHBOARD_RESOURCES).join(", ")}, customresourcedefinitions or a served custom kind (plural.group)`);
    return [n, info] as const;
  });
  if (q.resourceVersion !== undefined && !/^\d+$/.test(q.resourceVersion)) {
    throw new ApiError("BadRequest", `resourceVersion: "${q.resourceVersion}" is not a number`);
  }
  await authorize(opts.authorizer, req, infos);

  let stream: WatchStream | undefined;
  let pending: MuxEvent[] = [];
  // WatchStream serializes whatever it is given; the extra `resource` field rides along.
  const emit = (ev: MuxEvent) => (stream ? stream.send(ev as WatchEvent<unknown>) : pending.push(ev));
  const watches: Array<{ stop(): void }> = [];
  const stopAll = () => watches.forEach((w) => w.stop());
  try {
    for (const [resource, info] of infos) {
      watches.push(await opts.registry.watch(info, undefined, { resourceVersion: q.resourceVersion }, (ev) => emit({ ...ev, resource })));
    }
  } catch (e) {
    stopAll();
    if (e instanceof ApiError && (e.reason === "Gone" || e.reason === "Expired")) {
      // As the API does: an expired version is an ERROR event on a 200 stream; the page relists.
      stream = open();
      stream.send({ type: "ERROR", object: new ApiError("Expired", e.message).toStatus() });
      stream.close();
      return reply;
    }
    throw e;
  }
  stream = open();
  stream.onClose(stopAll);
  // Each watch replayed its own history in turn; merged in version order, the page can resume
  // from the last version it saw without skipping another kind's older events.
  pending.sort((a, b) => rvOf(a) - rvOf(b));
  for (const ev of pending) stream.send(ev as WatchEvent<unknown>);
  pending = [];
  return reply;

  function open(): WatchStream {
    reply.hijack();
    const timeoutSeconds = q.timeoutSeconds && /^\d+$/.test(q.timeoutSeconds) ? Math.max(1, parseInt(q.timeoutSeconds, 10)) : 30 * 60;
    return new WatchStream(reply.raw, {
      timeoutMs: timeoutSeconds * 1000,
      bookmarkEveryMs: opts.bookmarkEveryMs ?? 20_000,
      maxBacklogBytes: opts.maxBacklogBytes ?? 16 * 1024 * 1024,
      currentRv: () => opts.registry.store.currentResourceVersion(),
      bookmarkObject: (rv) => ({ metadata: { resourceVersion: rv } }),
    });
  }
}

function rvOf(ev: MuxEvent): number {
  return Number((ev.object as { metadata?: { resourceVersion?: string } } | undefined)?.metadata?.resourceVersion ?? 0);
}

async function authorize(authorizer: Authorizer | undefined, req: FastifyRequest, infos: ReadonlyArray<readonly [string, ResourceInfo]>): Promise<void> {
  if (!authorizer) return;
  for (const [, info] of infos) {
    const attrs = {
      user: req.user ?? "system:anonymous",
      groups: req.groups ?? [],
      verb: "watch",
      isResourceRequest: true,
      apiGroup: info.group,
      resource: info.plural,
      path: req.url.split("?")[0],
    };
    const decision = await authorizer.authorize(attrs);
    if (!decision.allowed) throw new ApiError("Forbidden", forbiddenMessage(attrs, decision.reason), { group: info.group, kind: info.plural });
  }
}
