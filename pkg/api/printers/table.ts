// The meta.k8s.io/v1 Table shapes and the pieces every per-kind printer shares.
// Column names are spelled as the apiserver spells them ("Name", "Up-to-date",
// "Port(s)"); kubectl, and skiff's CLI, upper-case them when printing headers.

export interface TableColumnDefinition {
  name: string;
  type: string;
  format: string;
  description: string;
  /** 0 = always shown; 1 = only with `-o wide` (the apiserver's convention). */
  priority: number;
}

/** A row condition, e.g. pods that have finished carry {type: "Completed"}. */
export interface TableRowCondition {
  type: string;
  status: "True" | "False" | "Unknown";
  reason?: string;
  message?: string;
}

export interface TableRow {
  cells: unknown[];
  /** Omitted when the request asked for includeObject=None. */
  object?: unknown;
  conditions?: TableRowCondition[];
}

export interface Table {
  kind: "Table";
  apiVersion: "meta.k8s.io/v1";
  metadata: { resourceVersion?: string; continue?: string };
  columnDefinitions: TableColumnDefinition[];
  rows: TableRow[];
}

/** Timestamps arrive as RFC 3339 strings; client-node model types declare Date. */
export type Timestamp = string | Date;

/** One kind's printer: its columns and how an object becomes the cells of one row. */
export interface KindPrinter<T> {
  columns: TableColumnDefinition[];
  /** Pure: the same object and `now` always give the same row. */
  row(obj: T, now: Date): Omit<TableRow, "object">;
}

const NAME_DOC =
  "Name must be unique within a namespace. Is required when creating resources, although some resources may allow a client to request the generation of an appropriate name automatically. Name is primarily intended for creation idempotence and configuration definition. Cannot be updated. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names";
const AGE_DOC =
  "CreationTimestamp is a timestamp representing the server time when this object was created. It is not guaranteed to be set in happens-before order across separate operations. Clients may not set this value. It is represented in RFC3339 form and is in UTC.\n\nPopulated by the system. Read-only. Null for lists. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata";

/** A column as printers.go declares one; `wide` marks priority 1. */
export function column(
  name: string,
  type: "string" | "integer" | "boolean" | "date",
  description: string,
  opts: { wide?: boolean; format?: string } = {},
): TableColumnDefinition {
  return { name, type, format: opts.format ?? "", description, priority: opts.wide ? 1 : 0 };
}

export const nameColumn = (): TableColumnDefinition => column("Name", "string", NAME_DOC, { format: "name" });
export const ageColumn = (): TableColumnDefinition => column("Age", "string", AGE_DOC);
export const containersColumn = (): TableColumnDefinition =>
  column("Containers", "string", "Names of each container in the template.", { wide: true });
export const imagesColumn = (): TableColumnDefinition =>
  column("Images", "string", "Images referenced by each container in the template.", { wide: true });
