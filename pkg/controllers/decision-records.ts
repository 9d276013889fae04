// The scheduler's decision records (pkg/scheduler/decision-store.ts: one
// ConfigMap per ReplicaSet, labelled skiff.dev/scheduling-decisions=true,
// owned by the ReplicaSet) as dependents the garbage collector watches, so a
// deleted ReplicaSet takes its records with it and old rollouts leave none
// behind. Only the labelled ConfigMaps are watched, not every ConfigMap.
import { R } from "../api/kinds.js";
import type { KubeObject } from "../api/types.js";
import type { Client } from "../client/client.js";
import { SharedInformer } from "../client/informer.js";
import type { Clock } from "../util/clock.js";
import { BY_UID, uidIndex, type MonitoredResource } from "./garbage-collector.js";
import { BY_OWNER_UID, ownerUidIndex } from "./indexes.js";

/** Must match pkg/scheduler/decision-store.ts DECISIONS_LABEL (controllers do not import the scheduler). */
export const DECISION_RECORDS_SELECTOR = "skiff.dev/scheduling-decisions=true";

export interface DecisionRecords {
  informer: SharedInformer<KubeObject>;
  monitored: MonitoredResource;
}

/** A started-by-the-caller informer over the decision ConfigMaps, indexed for the GC. */
export function watchDecisionRecords(client: Client, clock?: Clock): DecisionRecords {
  const informer = new SharedInformer<KubeObject>(client, R.configmaps, { labelSelector: DECISION_RECORDS_SELECTOR, clock });
  informer.addIndex(BY_OWNER_UID, ownerUidIndex);
  informer.addIndex(BY_UID, uidIndex);
  return { informer, monitored: { info: R.configmaps, lister: informer.lister } };
}
