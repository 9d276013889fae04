// Table output for custom kinds (`kubectl get crontabs`): NAME, then the CRD's
// additionalPrinterColumns evaluated with JSONPath, as the apiextensions
// apiserver's table convertor does — or NAME and AGE when it declares none.
// Built-in kinds keep their own printers.
import type { ResourceInfo } from "../api/kinds.js";
import type { KubeObject } from "../api/types.js";
import { tableFor, type Table, type TableColumnDefinition, type TableOptions, type TableRow } from "../api/printers.js";
import { ageOf } from "../api/human-duration.js";
import { evaluate, parseTemplate, type Node } from "../jsonpath/jsonpath.js";
import type { CustomResourceColumn } from "../api/custom-resources.js";

const NAME_COLUMN: TableColumnDefinition = { name: "Name", type: "string", format: "name", description: "Name must be unique within a namespace.", priority: 0 };
const AGE_COLUMN: CustomResourceColumn = { name: "Age", type: "date", jsonPath: ".metadata.creationTimestamp", description: "CreationTimestamp is a timestamp representing the server time when this object was created." };

/** The Table for any kind: custom kinds by their printer columns, built-ins by their printers. */
export function tableForResource(info: ResourceInfo, objects: KubeObject[], opts: TableOptions): Table {
  if (!info.custom) return tableFor(info.kind, objects, opts);
  const columns = info.custom.printerColumns.length > 0 ? info.custom.printerColumns : [AGE_COLUMN];
  const compiled = columns.map((c) => ({ column: c, expr: compile(c.jsonPath) }));
  const rows: TableRow[] = objects.map((obj) => {
    const row: TableRow = { cells: [obj.metadata.name, ...compiled.map(({ column, expr }) => cell(column, expr, obj, opts.now))] };
    if (opts.includeObject === "Object") row.object = obj;
    else if (opts.includeObject === "Metadata") row.object = { kind: "PartialObjectMetadata", apiVersion: "meta.k8s.io/v1", metadata: obj.metadata };
    return row;
  });
  const metadata: Table["metadata"] = {};
  if (opts.resourceVersion !== undefined) metadata.resourceVersion = opts.resourceVersion;
  if (opts.continue) metadata.continue = opts.continue;
  const definitions = [
    NAME_COLUMN,
    ...columns.map((c) => ({ name: c.name, type: c.type, format: c.format ?? "", description: c.description ?? "", priority: c.priority ?? 0 })),
  ];
  return { kind: "Table", apiVersion: "meta.k8s.io/v1", metadata, columnDefinitions: opts.noHeaders ? [] : definitions, rows };
}

function compile(jsonPath: string): Node[] | undefined {
  try {
    return parseTemplate(`{${jsonPath}}`);
  } catch {
    return undefined; // rejected when the CRD was validated; an empty cell otherwise
  }
}

/** One cell: the first value the path finds (nil when none), dates as an age ("5m"). */
function cell(column: CustomResourceColumn, nodes: Node[] | undefined, obj: KubeObject, now: Date): unknown {
  const expr = nodes?.find((n) => n.t === "expr");
  if (!expr || expr.t !== "expr") return null;
  let values: unknown[];
  try {
    values = expr.exprs.flatMap((e) => evaluate(e, obj));
  } catch {
    return null;
  }
  if (values.length === 0 || values[0] === undefined) return null;
  const v = values[0];
  if (column.type === "date" && typeof v === "string") return ageOf(v, now);
  if (typeof v === "object" && v !== null) return JSON.stringify(v);
  return v;
}
