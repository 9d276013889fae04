// `skiff scale`: set spec.replicas through the scale subresource, as kubectl does.
import { ApiError } from "../../pkg/api/errors.js";
import { displayRef } from "../../pkg/api/kinds.js";
import type { KubeObject } from "../../pkg/api/types.js";
import { HttpClient } from "../../pkg/client/http-client.js";
import { resourcePath } from "../../pkg/client/rest.js";
import { connect, ExitError, type GlobalOptions } from "../context.js";
import { describeError } from "../output.js";
import { parseTargets } from "./get.js";

export interface ScaleOptions {
  kinds: string;
  names: string[];
  replicas?: number;
  /** Precondition: the current size; -1 or undefined for none. */
  currentReplicas?: number;
  resourceVersion?: string;
  globals: GlobalOptions;
}

export async function runScale(o: ScaleOptions): Promise<void> {
  if (o.replicas === undefined || !Number.isInteger(o.replicas) || o.replicas < 0) {
    throw new ExitError(1, "error: The --replicas=COUNT flag is required, and COUNT must be greater than or equal to 0");
  }
  if (o.currentReplicas !== undefined && (!Number.isInteger(o.currentReplicas) || o.currentReplicas < -1)) {
    throw new ExitError(1, "error: The --current-replicas must specify an integer of -1 or greater");
  }
  const targets = parseTargets(o.kinds, o.names);
  for (const t of targets) {
    if (!t.info.subresources.includes("scale")) throw new ExitError(1, `error: ${t.info.plural} cannot be scaled: only deployments and replicasets have a scale subresource`);
    if (t.names.length === 0) throw new ExitError(1, "error: resource(s) were provided, but no name was specified");
  }
  const s = connect(o.globals);
  const client = new HttpClient(s.client);
  let failed = false;
  try {
    for (const t of targets) {
      for (const name of t.names) {
        try {
          const patch: { spec: { replicas: number }; metadata?: { resourceVersion: string } } = { spec: { replicas: o.replicas } };
          if ((o.currentReplicas ?? -1) >= 0 || o.resourceVersion) {
            const scale: KubeObject = await client.rest.request("GET", resourcePath(t.info, s.namespace, name, "scale"));
            const current = (scale.spec as { replicas?: number } | undefined)?.replicas ?? 0;
            if ((o.currentReplicas ?? -1) >= 0 && current !== o.currentReplicas) {
              throw new ExitError(1, `error: Expected replicas to be ${o.currentReplicas}, was ${current}`);
            }
            if (o.resourceVersion && scale.metadata.resourceVersion !== o.resourceVersion) {
              throw new ExitError(1, `error: Expected resource version to be ${o.resourceVersion}, was ${scale.metadata.resourceVersion}`);
            }
            // The version read is a precondition: a concurrent resize makes this a 409, not a silent overwrite.
            patch.metadata = { resourceVersion: scale.metadata.resourceVersion! };
          }
          await client.patch(t.info, s.namespace, name, "merge", patch, { subresource: "scale", fieldManager: "skiff-scale" });
          process.stdout.write(`${displayRef(t.info, name)} scaled\n`);
        } catch (e) {
          if (e instanceof ExitError) throw e;
          if (!(e instanceof ApiError)) throw e;
          process.stderr.write(`${describeError(e)}\n`);
          failed = true;
        }
      }
    }
  } finally {
    client.close();
  }
  if (failed) throw new ExitError(1);
}
