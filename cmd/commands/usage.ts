// `skiff usage`: what each namespace consumed — cpu-seconds and memory
// byte-hours (and GiB-hours) from the usage records the cluster keeps in
// kube-system (pkg/metrics/usage-record.ts), like a cloud's measured service.
import { R } from "../../pkg/api/kinds.js";
import type { KubeList, KubeObject } from "../../pkg/api/types.js";
import { resourcePath } from "../../pkg/client/rest.js";
import { parseDuration, USAGE_COLUMNS, usageCells, usageRows } from "../../pkg/metrics/usage-report.js";
import { USAGE_RECORD_LABEL, USAGE_RECORD_NAMESPACE } from "../../pkg/metrics/usage-record.js";
import { connect, ExitError, type GlobalOptions } from "../context.js";
import { formatColumns } from "../output.js";

export interface UsageOptions {
  allNamespaces?: boolean;
  since?: string;
  output?: string;
  headers?: boolean;
  globals: GlobalOptions;
}

export async function runUsage(o: UsageOptions): Promise<void> {
  let sinceMs: number | undefined;
  if (o.since) {
    try {
      sinceMs = Date.now() - parseDuration(o.since);
    } catch (e) {
      throw new ExitError(1, `error: --since: ${(e as Error).message}`);
    }
  }
  if (o.output && o.output !== "json") throw new ExitError(1, `error: unsupported output format "${o.output}" (json)`);
  const s = connect(o.globals);
  try {
    const list = await s.client.request<KubeList<KubeObject>>("GET", resourcePath(R.configmaps, USAGE_RECORD_NAMESPACE), {
      query: { labelSelector: `${USAGE_RECORD_LABEL}=true` },
    });
    const rows = usageRows(list.items, { namespace: o.allNamespaces ? undefined : s.namespace, sinceMs });
    if (o.output === "json") {
      const out = rows.map((r) => ({
        namespace: r.namespace,
        cpuSeconds: r.cpuSeconds,
        memoryByteHours: r.memoryByteHours,
        memoryGiBHours: r.memoryGiBHours,
        maxPods: r.pods,
        samples: r.samples,
        cpuNanocoreMilliseconds: r.totals.cpuNanocoreMs.toString(),
        memoryByteMilliseconds: r.totals.memoryByteMs.toString(),
      }));
      process.stdout.write(JSON.stringify({ since: sinceMs === undefined ? null : new Date(sinceMs).toISOString(), namespaces: out }, null, 2) + "\n");
      return;
    }
    if (rows.length === 0) {
      process.stderr.write(o.allNamespaces ? "No usage recorded yet\n" : `No usage recorded in ${s.namespace} namespace.\n`);
      return;
    }
    const cells = rows.map(usageCells);
    process.stdout.write(formatColumns(o.headers === false ? cells : [USAGE_COLUMNS, ...cells]) + "\n");
  } finally {
    s.client.close();
  }
}
