// DaemonSet and StatefulSet defaults (pkg/apis/apps/v1/defaults.go,
// SetDefaults_DaemonSet and SetDefaults_StatefulSet as of Kubernetes 1.32).
import type { KubeObject } from "../types.js";
import { defaultPodSpec } from "./pod-spec.js";
import { ensureRec, isRec, setIfNil, setIfZero, type Rec } from "./fields.js";

function defaultTemplateSpec(spec: Rec): void {
  const template = spec.template;
  if (!isRec(template)) return;
  const podSpec = ensureRec(template, "spec");
  if (podSpec) defaultPodSpec(podSpec);
}

export function defaultDaemonSet(ds: KubeObject): void {
  const spec = ensureRec(ds, "spec");
  if (!spec) return;
  const strategy = ensureRec(spec, "updateStrategy");
  if (strategy) {
    setIfZero(strategy, "type", "RollingUpdate");
    if (strategy.type === "RollingUpdate") {
      const ru = ensureRec(strategy, "rollingUpdate");
      if (ru) {
        setIfNil(ru, "maxUnavailable", 1);
        setIfNil(ru, "maxSurge", 0);
      }
    }
  }
  setIfNil(spec, "revisionHistoryLimit", 10);
  defaultTemplateSpec(spec);
}

export function defaultStatefulSet(sts: KubeObject): void {
  const spec = ensureRec(sts, "spec");
  if (!spec) return;
  setIfZero(spec, "podManagementPolicy", "OrderedReady");
  const strategy = ensureRec(spec, "updateStrategy");
  if (strategy) {
    if (strategy.type === undefined || strategy.type === null || strategy.type === "") {
      strategy.type = "RollingUpdate";
      setIfNil(strategy, "rollingUpdate", {});
    }
    // Only an explicit rollingUpdate block gets a partition (maxUnavailable is alpha in 1.32: off).
    if (strategy.type === "RollingUpdate" && isRec(strategy.rollingUpdate)) setIfNil(strategy.rollingUpdate, "partition", 0);
  }
  const retention = ensureRec(spec, "persistentVolumeClaimRetentionPolicy");
  if (retention) {
    setIfZero(retention, "whenDeleted", "Retain");
    setIfZero(retention, "whenScaled", "Retain");
  }
  setIfNil(spec, "replicas", 1);
  setIfNil(spec, "revisionHistoryLimit", 10);
  if (Array.isArray(spec.volumeClaimTemplates)) {
    for (const claim of spec.volumeClaimTemplates) {
      if (!isRec(claim)) continue;
      const claimSpec = ensureRec(claim, "spec");
      if (claimSpec) setIfNil(claimSpec, "volumeMode", "Filesystem");
    }
  }
  defaultTemplateSpec(spec);
}
