// ServiceAccount and ReplicationController rows (printServiceAccount,
// printReplicationController in pkg/printers/internalversion/printers.go).
import type { V1ReplicationController, V1ServiceAccount } from "@kubernetes/client-node";
import { ageOf } from "../human-duration.js";
import { containerCells } from "./apps.js";
import { formatLabels } from "./network.js";
import { ageColumn, column, containersColumn, imagesColumn, nameColumn, type KindPrinter } from "./table.js";

export const serviceAccountPrinter: KindPrinter<V1ServiceAccount> = {
  columns: [
    nameColumn(),
    column("Secrets", "string", "Secrets is a list of the secrets in the same namespace that pods running using this ServiceAccount are allowed to use."),
    ageColumn(),
  ],
  row(sa, now) {
    return { cells: [sa.metadata?.name ?? "", (sa.secrets ?? []).length, ageOf(sa.metadata?.creationTimestamp, now)] };
  },
};

export const replicationControllerPrinter: KindPrinter<V1ReplicationController> = {
  columns: [
    nameColumn(),
    column("Desired", "integer", "Replicas is the number of desired replicas."),
    column("Current", "integer", "Replicas is the most recently observed number of replicas."),
    column("Ready", "integer", "The number of ready replicas for this replication controller."),
    ageColumn(),
    containersColumn(),
    imagesColumn(),
    column("Selector", "string", "Selector is a label query over pods that should match the Replicas count.", { wide: true }),
  ],
  row(rc, now) {
    const [names, images] = containerCells(rc.spec?.template);
    const selector = formatLabels(rc.spec?.selector);
    return {
      cells: [
        rc.metadata?.name ?? "",
        rc.spec?.replicas ?? 0,
        rc.status?.replicas ?? 0,
        rc.status?.readyReplicas ?? 0,
        ageOf(rc.metadata?.creationTimestamp, now),
        names,
        images,
        selector === "<none>" ? "" : selector,
      ],
    };
  },
};
