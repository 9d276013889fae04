// HorizontalPodAutoscaler rows (printHorizontalPodAutoscaler and
// formatHPAMetrics in pkg/printers/internalversion/printers.go):
// TARGETS reads "cpu: 80%/50%", "memory: 120Mi/100Mi", "<unknown>" before the
// first measurement, and at most two metrics then "+ N more...".
import { ageOf } from "../human-duration.js";
import { ageColumn, column, nameColumn, type KindPrinter, type Timestamp } from "./table.js";

interface Target {
  type?: string;
  averageUtilization?: number;
  averageValue?: string;
  value?: string;
}

interface Current {
  averageUtilization?: number;
  averageValue?: string;
  value?: string;
}

export interface HpaMetricSpec {
  type?: string;
  resource?: { name?: string; target?: Target };
  containerResource?: { name?: string; container?: string; target?: Target };
  pods?: { metric?: { name?: string }; target?: Target };
  object?: { metric?: { name?: string }; describedObject?: { kind?: string; name?: string }; target?: Target };
  external?: { metric?: { name?: string }; target?: Target };
}

export interface HpaMetricStatus {
  type?: string;
  resource?: { name?: string; current?: Current };
  containerResource?: { name?: string; container?: string; current?: Current };
  pods?: { current?: Current };
  object?: { current?: Current };
  external?: { current?: Current };
}

export interface HorizontalPodAutoscalerLike {
  metadata?: { name?: string; creationTimestamp?: Timestamp };
  spec?: {
    scaleTargetRef?: { kind?: string; name?: string; apiVersion?: string };
    minReplicas?: number;
    maxReplicas?: number;
    metrics?: HpaMetricSpec[];
  };
  status?: { currentReplicas?: number; desiredReplicas?: number; currentMetrics?: HpaMetricStatus[] };
}

const UNKNOWN = "<unknown>";

function resourceTarget(name: string, target: Target | undefined, current: Current | undefined): string {
  if (target?.averageValue !== undefined) return `${name}: ${current?.averageValue ?? UNKNOWN}/${target.averageValue}`;
  const cur = current?.averageUtilization !== undefined ? `${current.averageUtilization}%` : UNKNOWN;
  const tgt = target?.averageUtilization !== undefined ? `${target.averageUtilization}%` : "<auto>";
  return `${name}: ${cur}/${tgt}`;
}

function valueTarget(target: Target | undefined, current: Current | undefined): string {
  if (target?.averageValue !== undefined) return `${current?.averageValue ?? UNKNOWN}/${target.averageValue} (avg)`;
  return `${current?.value ?? UNKNOWN}/${target?.value ?? UNKNOWN}`;
}

/** The TARGETS cell. */
export function formatHpaMetrics(specs: HpaMetricSpec[] | undefined, statuses: HpaMetricStatus[] | undefined): string {
  if (!specs || specs.length === 0) return "<none>";
  const max = 2;
  const list: string[] = [];
  specs.forEach((spec, i) => {
    const st = statuses?.[i];
    switch (spec.type) {
      case "Resource":
        list.push(resourceTarget(spec.resource?.name ?? "", spec.resource?.target, st?.resource?.current));
        break;
      case "ContainerResource":
        list.push(resourceTarget(`${spec.containerResource?.name ?? ""} of container ${spec.containerResource?.container ?? ""}`, spec.containerResource?.target, st?.containerResource?.current));
        break;
      case "Pods":
        list.push(valueTarget(spec.pods?.target, st?.pods?.current));
        break;
      case "Object":
        list.push(valueTarget(spec.object?.target, st?.object?.current));
        break;
      case "External":
        list.push(valueTarget(spec.external?.target, st?.external?.current));
        break;
      default:
        list.push("<unknown type>");
    }
  });
  if (list.length > max) return `${list.slice(0, max).join(", ")} + ${list.length - max} more...`;
  return list.join(", ");
}

export const horizontalPodAutoscalerPrinter: KindPrinter<HorizontalPodAutoscalerLike> = {
  columns: [
    nameColumn(),
    column("Reference", "string", "reference to scaled resource; horizontal pod autoscaler will learn the current resource consumption and will set the desired number of pods by using its Scale subresource."),
    column("Targets", "string", "metrics contains the specifications for which to use to calculate the desired replica count (the maximum replica count across all metrics will be used)."),
    column("MinPods", "string", "minReplicas is the lower limit for the number of replicas to which the autoscaler can scale down."),
    column("MaxPods", "string", "maxReplicas is the upper limit for the number of pods that can be set by the autoscaler; cannot be smaller than MinReplicas."),
    column("Replicas", "string", "currentReplicas is current number of replicas of pods managed by this autoscaler."),
    ageColumn(),
  ],
  row(hpa, now) {
    const ref = hpa.spec?.scaleTargetRef;
    return {
      cells: [
        hpa.metadata?.name ?? "",
        `${ref?.kind ?? ""}/${ref?.name ?? ""}`,
        formatHpaMetrics(hpa.spec?.metrics, hpa.status?.currentMetrics),
        hpa.spec?.minReplicas !== undefined ? String(hpa.spec.minReplicas) : "<unset>",
        hpa.spec?.maxReplicas ?? 0,
        hpa.status?.currentReplicas ?? 0,
        ageOf(hpa.metadata?.creationTimestamp, now),
      ],
    };
  },
};
