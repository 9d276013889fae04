// Server-side printing: the meta.k8s.io/v1 Table that `kubectl get` asks for with
// `Accept: application/json;as=Table;v=v1;g=meta.k8s.io`, and that skiff's own CLI
// prints. Columns and cell values follow the Kubernetes apiserver's printers
// (pkg/printers/internalversion/printers.go); each kind lives in printers/<group>.ts.
import type { KubeObject } from "./types.js";
import { deploymentPrinter, replicaSetPrinter } from "./printers/apps.js";
import { configMapPrinter, defaultPrinter, eventPrinter, leasePrinter, namespacePrinter } from "./printers/core.js";
import { endpointsPrinter, servicePrinter } from "./printers/network.js";
import { nodePrinter } from "./printers/node.js";
import { podPrinter } from "./printers/pod.js";
import { cronJobPrinter, jobPrinter } from "./printers/batch.js";
import { limitRangePrinter, resourceQuotaPrinter } from "./printers/policy.js";
import { horizontalPodAutoscalerPrinter } from "./printers/autoscaling.js";
import { secretPrinter } from "./printers/secret.js";
import { daemonSetPrinter, statefulSetPrinter } from "./printers/sets.js";
import { ingressClassPrinter, ingressPrinter, networkPolicyPrinter } from "./printers/ingress.js";
import { replicationControllerPrinter, serviceAccountPrinter } from "./printers/service-account.js";
import { apiServicePrinter, endpointSlicePrinter, podDisruptionBudgetPrinter, priorityClassPrinter } from "./printers/cluster-policy.js";
import { persistentVolumeClaimPrinter, persistentVolumePrinter, storageClassPrinter } from "./printers/storage.js";
import type { KindPrinter, Table, TableColumnDefinition, TableRow } from "./printers/table.js";

export type { Table, TableColumnDefinition, TableRow, TableRowCondition } from "./printers/table.js";
export { podStatusReason, podRestarts, podReady, type PodLike } from "./printers/pod.js";
export { nodeStatus, nodeRoles } from "./printers/node.js";
export { formatEndpoints, formatServicePorts, serviceExternalIP, formatLabels } from "./printers/network.js";
export { formatLabelSelector } from "./printers/apps.js";
export { humanDuration, ageOf } from "./human-duration.js";

export type IncludeObject = "None" | "Metadata" | "Object";

export interface TableOptions {
  now: Date;
  /** kubectl sends no includeObject, which the apiserver treats as "Metadata". */
  includeObject: IncludeObject;
  /** Copied into the Table's metadata (a list's resourceVersion and continue token). */
  resourceVersion?: string;
  continue?: string;
  /** Leave out columnDefinitions, as the apiserver does for watch events after the first. */
  noHeaders?: boolean;
}

// Printers take structural "…Like" shapes; a KubeObject of the right kind has them.
type AnyPrinter = KindPrinter<never>;
const PRINTERS: Record<string, AnyPrinter> = {
  Pod: podPrinter,
  Job: jobPrinter,
  CronJob: cronJobPrinter,
  Deployment: deploymentPrinter,
  ReplicaSet: replicaSetPrinter,
  Service: servicePrinter,
  Endpoints: endpointsPrinter,
  Node: nodePrinter,
  Namespace: namespacePrinter,
  Event: eventPrinter,
  ConfigMap: configMapPrinter,
  Lease: leasePrinter,
  ResourceQuota: resourceQuotaPrinter,
  LimitRange: limitRangePrinter,
  HorizontalPodAutoscaler: horizontalPodAutoscalerPrinter,
  DaemonSet: daemonSetPrinter,
  StatefulSet: statefulSetPrinter,
  Secret: secretPrinter,
  Ingress: ingressPrinter,
  IngressClass: ingressClassPrinter,
  NetworkPolicy: networkPolicyPrinter,
  ServiceAccount: serviceAccountPrinter,
  ReplicationController: replicationControllerPrinter,
  PriorityClass: priorityClassPrinter,
  PodDisruptionBudget: podDisruptionBudgetPrinter,
  APIService: apiServicePrinter,
  EndpointSlice: endpointSlicePrinter,
  PersistentVolume: persistentVolumePrinter,
  PersistentVolumeClaim: persistentVolumeClaimPrinter,
  StorageClass: storageClassPrinter,
};

function printerFor(kind: string): KindPrinter<KubeObject> {
  return (PRINTERS[kind] ?? defaultPrinter) as unknown as KindPrinter<KubeObject>;
}

/** The columns `kubectl get <kind>` shows; priority 1 columns only with -o wide. */
export function columnsFor(kind: string): TableColumnDefinition[] {
  return printerFor(kind).columns.map((c) => ({ ...c }));
}

function rowObject(obj: KubeObject, include: IncludeObject): unknown {
  switch (include) {
    case "Object":
      return obj;
    case "Metadata":
      return { kind: "PartialObjectMetadata", apiVersion: "meta.k8s.io/v1", metadata: obj.metadata };
    case "None":
      return undefined;
  }
}

/**
 * Build the Table for objects of one kind. Pure: cells depend only on the objects
 * and `opts.now`, so callers (and tests) control the AGE column.
 */
export function tableFor(kind: string, objects: KubeObject[], opts: TableOptions): Table {
  const printer = printerFor(kind);
  const rows: TableRow[] = objects.map((obj) => {
    const row: TableRow = { ...printer.row(obj, opts.now) };
    const object = rowObject(obj, opts.includeObject);
    if (object !== undefined) row.object = object;
    return row;
  });
  const metadata: Table["metadata"] = {};
  if (opts.resourceVersion !== undefined) metadata.resourceVersion = opts.resourceVersion;
  if (opts.continue) metadata.continue = opts.continue;
  return {
    kind: "Table",
    apiVersion: "meta.k8s.io/v1",
    metadata,
    columnDefinitions: opts.noHeaders ? [] : columnsFor(kind),
    rows,
  };
}
