// `skiff auth can-i VERB RESOURCE [NAME]`: yes or no (exit 0 or 1), like kubectl.
import { canI, formatRules, listRules } from "../../pkg/auth/can-i.js";
import { connect, ExitError, type GlobalOptions } from "../context.js";

export interface CanIOptions {
  verb?: string;
  resource?: string;
  name?: string;
  allNamespaces?: boolean;
  as?: string;
  asGroup?: string[];
  list?: boolean;
  quiet?: boolean;
  globals: GlobalOptions;
}

export async function runCanI(o: CanIOptions): Promise<void> {
  const s = connect(o.globals);
  try {
    if (o.list) {
      if (o.as) throw new ExitError(1, "error: --list with --as is not supported; run it with the user's own token");
      process.stdout.write(formatRules(await listRules(s.client, s.namespace)));
      return;
    }
    if (!o.verb || !o.resource) throw new ExitError(1, "error: you must specify two arguments: verb resource or verb resource/resourceName.");
    let resource = o.resource;
    let name = o.name;
    // "deployments/web" names an object unless it is a subresource like pods/log.
    if (!name && !resource.startsWith("/") && resource.includes("/")) {
      const [r, rest] = resource.split("/", 2);
      if (!["log", "status", "scale", "binding", "exec", "portforward", "proxy", "attach", "eviction"].includes(rest)) {
        resource = r;
        name = rest;
      }
    }
    const res = await canI(s.client, {
      verb: o.verb,
      resource,
      name,
      namespace: o.allNamespaces ? "" : s.namespace,
      as: o.as,
      asGroups: o.asGroup,
    });
    if (res.warning && !o.quiet) process.stderr.write(res.warning + "\n");
    if (!o.quiet) process.stdout.write(res.allowed ? "yes\n" : `no${res.reason ? ` - ${res.reason}` : ""}\n`);
    if (!res.allowed) throw new ExitError(1);
  } finally {
    s.client.close();
  }
}
