// DaemonSet and StatefulSet rows (printDaemonSet / printStatefulSet in printers.go).
import { ageOf } from "../human-duration.js";
import { containerCells, formatLabelSelector, type LabelSelectorLike } from "./apps.js";
import { formatLabels } from "./network.js";
import { ageColumn, column, containersColumn, imagesColumn, nameColumn, type KindPrinter, type Timestamp } from "./table.js";

interface TemplateLike {
  spec?: { containers?: Array<{ name: string; image?: string }>; nodeSelector?: Record<string, string> };
}

export interface DaemonSetLike {
  metadata?: { name?: string; creationTimestamp?: Timestamp };
  spec?: { selector?: LabelSelectorLike; template?: TemplateLike };
  status?: {
    desiredNumberScheduled?: number;
    currentNumberScheduled?: number;
    numberReady?: number;
    updatedNumberScheduled?: number;
    numberAvailable?: number;
  };
}

export interface StatefulSetLike {
  metadata?: { name?: string; creationTimestamp?: Timestamp };
  spec?: { replicas?: number; template?: TemplateLike };
  status?: { readyReplicas?: number };
}

export const daemonSetPrinter: KindPrinter<DaemonSetLike> = {
  columns: [
    nameColumn(),
    column("Desired", "integer", "The total number of nodes that should be running the daemon pod (including nodes correctly running the daemon pod). More info: https://kubernetes.io/docs/concepts/workloads/controllers/daemonset/"),
    column("Current", "integer", "The number of nodes that are running at least 1 daemon pod and are supposed to run the daemon pod. More info: https://kubernetes.io/docs/concepts/workloads/controllers/daemonset/"),
    column("Ready", "integer", "numberReady is the number of nodes that should be running the daemon pod and have one or more of the daemon pod running with a Ready Condition."),
    column("Up-to-date", "integer", "The total number of nodes that are running updated daemon pod"),
    column("Available", "integer", "The number of nodes that should be running the daemon pod and have one or more of the daemon pod running and available (ready for at least spec.minReadySeconds)"),
    column("Node Selector", "string", "NodeSelector is a selector which must be true for the pod to fit on a node. Selector which must match a node's labels for the pod to be scheduled on that node. More info: https://kubernetes.io/docs/concepts/configuration/assign-pod-node/"),
    ageColumn(),
    containersColumn(),
    imagesColumn(),
    column("Selector", "string", "A label query over pods that are managed by the daemon set. Must match in order to be controlled. It must match the pod template's labels. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/#label-selectors", { wide: true }),
  ],
  row(ds, now) {
    const [names, images] = containerCells(ds.spec?.template);
    const s = ds.status ?? {};
    return {
      cells: [
        ds.metadata?.name ?? "",
        s.desiredNumberScheduled ?? 0,
        s.currentNumberScheduled ?? 0,
        s.numberReady ?? 0,
        s.updatedNumberScheduled ?? 0,
        s.numberAvailable ?? 0,
        formatLabels(ds.spec?.template?.spec?.nodeSelector),
        ageOf(ds.metadata?.creationTimestamp, now),
        names,
        images,
        formatLabelSelector(ds.spec?.selector),
      ],
    };
  },
};

export const statefulSetPrinter: KindPrinter<StatefulSetLike> = {
  columns: [nameColumn(), column("Ready", "string", "Number of the pod with ready state"), ageColumn(), containersColumn(), imagesColumn()],
  row(sts, now) {
    const [names, images] = containerCells(sts.spec?.template);
    return {
      cells: [
        sts.metadata?.name ?? "",
        `${sts.status?.readyReplicas ?? 0}/${sts.spec?.replicas ?? 0}`,
        ageOf(sts.metadata?.creationTimestamp, now),
        names,
        images,
      ],
    };
  },
};
