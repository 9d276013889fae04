// `skiff events`: like `kubectl events` — LAST SEEN TYPE REASON OBJECT MESSAGE,
// oldest first, optionally for one object and then following new ones.
import { ApiError } from "../../pkg/api/errors.js";
import { apiVersionOf, R } from "../../pkg/api/kinds.js";
import { as, type CoreV1Event } from "../../pkg/api/types.js";
import { HttpClient } from "../../pkg/client/http-client.js";
import { eventsTabWriter, formatEventRows, sortEvents } from "../../pkg/describe/events.js";
import { connect, ExitError, type GlobalOptions } from "../context.js";
import { describeError } from "../output.js";
import { resolveOne } from "./rollout.js";

export interface EventsOptions {
  allNamespaces?: boolean;
  for?: string;
  watch?: boolean;
  types?: string;
  headers?: boolean;
  globals: GlobalOptions;
}

export async function runEvents(o: EventsOptions): Promise<void> {
  let fieldSelector: string | undefined;
  if (o.for) {
    if (!o.for.includes("/")) throw new ExitError(1, `error: --for must be in resource/name form, e.g. --for pod/web-1`);
    const t = resolveOne(o.for, undefined, "events --for");
    fieldSelector = `involvedObject.kind=${t.info.kind},involvedObject.apiVersion=${apiVersionOf(t.info)},involvedObject.name=${t.name}`;
  }
  const types = (o.types ?? "").split(",").map((x) => x.trim().toLowerCase()).filter(Boolean);
  for (const ty of types) if (ty !== "normal" && ty !== "warning") throw new ExitError(1, `error: valid --types are Normal or Warning, not "${ty}"`);
  const wanted = (e: CoreV1Event) => types.length === 0 || types.includes((e.type ?? "").toLowerCase());

  const s = connect(o.globals);
  const client = new HttpClient(s.client);
  const ns = o.allNamespaces ? undefined : s.namespace;
  const tw = eventsTabWriter();
  const print = (events: CoreV1Event[], headers: boolean) =>
    process.stdout.write(formatEventRows(events, new Date(), { allNamespaces: o.allNamespaces, noHeaders: !headers }, tw));
  try {
    if (o.watch) {
      // Like kubectl events -w: a watch from the beginning prints what exists, then what comes.
      let headers = o.headers !== false;
      const w = await client.watch(R.events, ns, { fieldSelector }, (ev) => {
        if (ev.type === "DELETED" || ev.type === "BOOKMARK") return;
        const e = as<CoreV1Event>(ev.object);
        if (!wanted(e)) return;
        print([e], headers);
        headers = false;
      });
      process.once("SIGINT", () => w.stop());
      const end = await w.done;
      if (end.error) throw end.error;
      return;
    }
    const list = await client.list(R.events, ns, { fieldSelector });
    const events = sortEvents(list.items.map((o) => as<CoreV1Event>(o)).filter(wanted));
    if (events.length === 0) {
      process.stderr.write(o.allNamespaces ? "No events found.\n" : `No events found in ${s.namespace} namespace.\n`);
      return;
    }
    print(events, o.headers !== false);
  } catch (e) {
    if (e instanceof ApiError) throw new ExitError(1, describeError(e));
    throw e;
  } finally {
    client.close();
  }
}
