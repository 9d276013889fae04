// `skiff create job NAME --image=IMG [-- COMMAND…]` and
// `skiff create job NAME --from=cronjob/CJ` (kubectl create job).
import { displayRef, R, resolveResource } from "../../pkg/api/kinds.js";
import { ApiError } from "../../pkg/api/errors.js";
import type { KubeObject } from "../../pkg/api/types.js";
import { HttpClient } from "../../pkg/client/http-client.js";
import { jobFromCronJob, jobFromImage } from "../../pkg/describe/create-job.js";
import { connect, ExitError, type GlobalOptions } from "../context.js";
import { describeError, toYaml } from "../output.js";

export interface CreateJobOptions {
  name: string;
  command: string[];
  image?: string;
  from?: string;
  output?: string;
  dryRun?: "none" | "client" | "server";
  globals: GlobalOptions;
}

export async function runCreateJob(o: CreateJobOptions): Promise<void> {
  if (!o.image === !o.from) throw new ExitError(1, "error: either --image or --from must be specified");
  if (o.from && o.command.length > 0) throw new ExitError(1, "error: cannot specify --from and command");
  const s = connect(o.globals);
  const client = new HttpClient(s.client);
  try {
    let job: KubeObject;
    if (o.image) {
      job = jobFromImage(o.name, o.image, o.command);
    } else {
      const [kind, cjName] = o.from!.split("/", 2);
      if (resolveResource(kind) !== R.cronjobs || !cjName) throw new ExitError(1, `error: from must be an existing cronjob: ${o.from}`);
      job = jobFromCronJob(o.name, await client.get(R.cronjobs, s.namespace, cjName));
    }
    const created =
      o.dryRun === "client" ? job : await client.create(R.jobs, s.namespace, job, { dryRun: o.dryRun === "server", fieldManager: "skiff-create" });
    const ref = displayRef(R.jobs, created.metadata.name ?? o.name);
    if (o.output === "yaml") process.stdout.write(toYaml(created));
    else if (o.output === "json") process.stdout.write(JSON.stringify(created, null, 4) + "\n");
    else if (o.output === "name") process.stdout.write(`${ref}\n`);
    else process.stdout.write(`${ref} created${o.dryRun && o.dryRun !== "none" ? ` (${o.dryRun} dry run)` : ""}\n`);
  } catch (e) {
    if (e instanceof ApiError) throw new ExitError(1, describeError(e));
    throw e;
  } finally {
    client.close();
  }
}
