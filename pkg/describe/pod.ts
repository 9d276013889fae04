// `describe pod` and the pieces other describers reuse (containers, volumes,
// the Pod Template block), following kubectl's pkg/describe/describe.go.
import type { CoreV1Event, V1Container, V1ContainerState, V1ContainerStatus, V1Pod, V1PodTemplateSpec, V1Probe, V1Volume } from "@kubernetes/client-node";
import { qosClass } from "../api/qos.js";
import { parseQuantity } from "../api/quantity.js";
import { describeEvents } from "./events.js";
import {
  boolText,
  controllerOf,
  describeResources,
  printAnnotationsMultiline,
  printLabelsMultiline,
  printTolerationsMultiline,
  rfc1123z,
  since,
  stringOrNone,
} from "./format.js";
import { LEVEL_0, LEVEL_1, LEVEL_2, LEVEL_3, tabbed, type PrefixWriter } from "./tab-writer.js";

/** DescribeProbe: "http-get http://:8080/healthz delay=0s timeout=1s period=10s #success=1 #failure=3". */
export function probeText(p: V1Probe): string {
  const attrs = `delay=${p.initialDelaySeconds ?? 0}s timeout=${p.timeoutSeconds ?? 0}s period=${p.periodSeconds ?? 0}s #success=${p.successThreshold ?? 0} #failure=${p.failureThreshold ?? 0}`;
  if (p.exec) return `exec [${(p.exec.command ?? []).join(" ")}] ${attrs}`;
  if (p.httpGet) {
    const scheme = (p.httpGet.scheme ?? "HTTP").toLowerCase();
    const host = p.httpGet.host ?? "";
    const port = p.httpGet.port === undefined ? "" : String(p.httpGet.port);
    const hostPort = port ? (host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`) : host;
    return `http-get ${scheme}://${hostPort}${p.httpGet.path ?? ""} ${attrs}`;
  }
  if (p.tcpSocket) return `tcp-socket ${p.tcpSocket.host ?? ""}:${String(p.tcpSocket.port)} ${attrs}`;
  if (p.grpc) return `grpc <pod>:${p.grpc.port} ${p.grpc.service ?? ""} ${attrs}`;
  return `unknown ${attrs}`;
}

function describeState(w: PrefixWriter, name: string, state: V1ContainerState | undefined): void {
  if (state?.running) {
    w.write(LEVEL_2, `${name}:\tRunning\n`);
    w.write(LEVEL_3, `Started:\t${rfc1123z(state.running.startedAt)}\n`);
  } else if (state?.waiting) {
    w.write(LEVEL_2, `${name}:\tWaiting\n`);
    if (state.waiting.reason) w.write(LEVEL_3, `Reason:\t${state.waiting.reason}\n`);
  } else if (state?.terminated) {
    const t = state.terminated;
    w.write(LEVEL_2, `${name}:\tTerminated\n`);
    if (t.reason) w.write(LEVEL_3, `Reason:\t${t.reason}\n`);
    if (t.message) w.write(LEVEL_3, `Message:\t${t.message}\n`);
    w.write(LEVEL_3, `Exit Code:\t${t.exitCode ?? 0}\n`);
    if ((t.signal ?? 0) > 0) w.write(LEVEL_3, `Signal:\t${t.signal}\n`);
    w.write(LEVEL_3, `Started:\t${rfc1123z(t.startedAt)}\n`);
    w.write(LEVEL_3, `Finished:\t${rfc1123z(t.finishedAt)}\n`);
  } else {
    w.write(LEVEL_2, `${name}:\tWaiting\n`);
  }
}

function portsText(ports: V1Container["ports"], host: boolean): string {
  return (ports ?? [])
    .map((p) => {
      const s = `${host ? (p.hostPort ?? 0) : p.containerPort}/${p.protocol ?? "TCP"}`;
      return p.name ? `${s} (${p.name})` : s;
    })
    .join(", ");
}

function describeEnv(w: PrefixWriter, c: V1Container, pod: V1Pod | undefined): void {
  if (c.envFrom?.length) {
    w.write(LEVEL_2, "Environment Variables from:\n");
    for (const e of c.envFrom) {
      const [from, name, optional] = e.configMapRef ? ["ConfigMap", e.configMapRef.name, e.configMapRef.optional] : ["Secret", e.secretRef?.name, e.secretRef?.optional];
      const kind = e.prefix ? `${from} with prefix '${e.prefix}'` : from;
      w.write(LEVEL_3, `${name ?? ""}\t${kind}\tOptional: ${optional === true}\n`);
    }
  }
  w.write(LEVEL_2, `Environment:${c.env?.length ? "" : "\t<none>"}\n`);
  for (const e of c.env ?? []) {
    if (!e.valueFrom) {
      (e.value ?? "").split("\n").forEach((s, i) => w.write(LEVEL_3, i === 0 ? `${e.name}:\t${s}\n` : `\t${s}\n`));
      continue;
    }
    const vf = e.valueFrom;
    if (vf.fieldRef) {
      w.write(LEVEL_3, `${e.name}:\t${fieldRefValue(pod, vf.fieldRef.fieldPath)} (${vf.fieldRef.apiVersion ?? ""}:${vf.fieldRef.fieldPath})\n`);
    } else if (vf.resourceFieldRef) {
      w.write(LEVEL_3, `${e.name}:\t${resourceFieldValue(c, vf.resourceFieldRef.resource)} (${vf.resourceFieldRef.resource})\n`);
    } else if (vf.secretKeyRef) {
      w.write(LEVEL_3, `${e.name}:\t<set to the key '${vf.secretKeyRef.key}' in secret '${vf.secretKeyRef.name ?? ""}'>\tOptional: ${vf.secretKeyRef.optional === true}\n`);
    } else if (vf.configMapKeyRef) {
      w.write(LEVEL_3, `${e.name}:\t<set to the key '${vf.configMapKeyRef.key}' of config map '${vf.configMapKeyRef.name ?? ""}'>\tOptional: ${vf.configMapKeyRef.optional === true}\n`);
    }
  }
}

/** The downward-API value of a pod field, as EnvValueRetriever resolves it (only for a real pod). */
function fieldRefValue(pod: V1Pod | undefined, path: string): string {
  if (!pod) return "";
  const m = /^metadata\.(labels|annotations)\['(.+)'\]$/.exec(path);
  if (m) return (pod.metadata?.[m[1] as "labels" | "annotations"] ?? {})[m[2]] ?? "";
  const simple: Record<string, unknown> = {
    "metadata.name": pod.metadata?.name,
    "metadata.namespace": pod.metadata?.namespace,
    "metadata.uid": pod.metadata?.uid,
    "spec.nodeName": pod.spec?.nodeName,
    "spec.serviceAccountName": pod.spec?.serviceAccountName,
    "status.hostIP": pod.status?.hostIP,
    "status.podIP": pod.status?.podIP,
  };
  return String(simple[path] ?? "");
}

function resourceFieldValue(c: V1Container, resource: string): string {
  const [kind, name] = resource.split(".", 2);
  const v = (kind === "limits" ? c.resources?.limits : c.resources?.requests)?.[name];
  // A missing cpu/memory limit means the container may use the whole node.
  if (!v && kind === "limits" && (name === "cpu" || name === "memory")) return "node allocatable";
  if (!v) return "0";
  const q = parseQuantity(String(v));
  return name === "cpu" ? String(q.value()) : String(q.value());
}

function describeMounts(w: PrefixWriter, c: V1Container): void {
  const mounts = [...(c.volumeMounts ?? [])].sort((a, b) => (a.mountPath < b.mountPath ? -1 : a.mountPath > b.mountPath ? 1 : 0));
  w.write(LEVEL_2, `Mounts:${mounts.length ? "" : "\t<none>"}\n`);
  for (const m of mounts) {
    const flags = [m.readOnly ? "ro" : "rw"];
    if (m.subPath) flags.push(`path=${JSON.stringify(m.subPath)}`);
    w.write(LEVEL_3, `${m.mountPath} from ${m.name} (${flags.join(",")})\n`);
  }
}

/** describeContainers: one block per container; statuses only for a real pod. */
export function describeContainers(w: PrefixWriter, label: string, containers: V1Container[] | undefined, statuses: V1ContainerStatus[] | undefined, space: string, pod?: V1Pod): void {
  const list = containers ?? [];
  w.write(LEVEL_0, `${space}${label}:${list.length ? "" : " <none>"}\n`);
  const byName = new Map((statuses ?? []).map((s) => [s.name, s]));
  for (const c of list) {
    const st = byName.get(c.name);
    w.write(LEVEL_1, `${space ? " " : ""}${c.name}:\n`);
    if (st) w.write(LEVEL_2, `Container ID:\t${st.containerID ?? ""}\n`);
    w.write(LEVEL_2, `Image:\t${c.image ?? ""}\n`);
    if (st) w.write(LEVEL_2, `Image ID:\t${st.imageID ?? ""}\n`);
    const ports = portsText(c.ports, false);
    w.write(LEVEL_2, ports.includes(",") ? `Ports:\t${ports}\n` : `Port:\t${stringOrNone(ports)}\n`);
    const hostPorts = portsText(c.ports, true);
    w.write(LEVEL_2, hostPorts.includes(",") ? `Host Ports:\t${hostPorts}\n` : `Host Port:\t${stringOrNone(hostPorts)}\n`);
    if (c.command?.length) {
      w.write(LEVEL_2, "Command:\n");
      for (const s of c.command.flatMap((x) => x.split("\n"))) w.write(LEVEL_3, `${s}\n`);
    }
    if (c.args?.length) {
      w.write(LEVEL_2, "Args:\n");
      for (const s of c.args.flatMap((x) => x.split("\n"))) w.write(LEVEL_3, `${s}\n`);
    }
    if (st) {
      describeState(w, "State", st.state);
      if (st.lastState?.terminated) describeState(w, "Last State", st.lastState);
      w.write(LEVEL_2, `Ready:\t${boolText(st.ready)}\n`);
      w.write(LEVEL_2, `Restart Count:\t${st.restartCount ?? 0}\n`);
    }
    describeResources(w, c.resources as { limits?: Record<string, string>; requests?: Record<string, string> } | undefined, LEVEL_2);
    if (c.livenessProbe) w.write(LEVEL_2, `Liveness:\t${probeText(c.livenessProbe)}\n`);
    if (c.readinessProbe) w.write(LEVEL_2, `Readiness:\t${probeText(c.readinessProbe)}\n`);
    if (c.startupProbe) w.write(LEVEL_2, `Startup:\t${probeText(c.startupProbe)}\n`);
    describeEnv(w, c, pod);
    describeMounts(w, c);
  }
}

/** describeVolumes for the volume kinds skiff runs (others print their source type). */
export function describeVolumes(w: PrefixWriter, volumes: V1Volume[] | undefined, space: string): void {
  if (!volumes?.length) {
    w.write(LEVEL_0, `${space}Volumes:\t<none>\n`);
    return;
  }
  w.write(LEVEL_0, `${space}Volumes:\n`);
  for (const v of volumes) {
    w.write(LEVEL_1, `${space ? " " : ""}${v.name}:\n`);
    if (v.hostPath) {
      w.write(LEVEL_2, `Type:\tHostPath (bare host directory volume)\n    Path:\t${v.hostPath.path}\n    HostPathType:\t${v.hostPath.type || "<none>"}\n`);
    } else if (v.emptyDir) {
      const limit = v.emptyDir.sizeLimit && parseQuantity(String(v.emptyDir.sizeLimit)).sign() > 0 ? String(v.emptyDir.sizeLimit) : "<unset>";
      w.write(LEVEL_2, `Type:\tEmptyDir (a temporary directory that shares a pod's lifetime)\n    Medium:\t${v.emptyDir.medium ?? ""}\n    SizeLimit:\t${limit}\n`);
    } else if (v.configMap) {
      w.write(LEVEL_2, `Type:\tConfigMap (a volume populated by a ConfigMap)\n    Name:\t${v.configMap.name ?? ""}\n    Optional:\t${v.configMap.optional === true}\n`);
    } else if (v.secret) {
      w.write(LEVEL_2, `Type:\tSecret (a volume populated by a Secret)\n    SecretName:\t${v.secret.secretName ?? ""}\n    Optional:\t${v.secret.optional === true}\n`);
    } else if (v.persistentVolumeClaim) {
      w.write(LEVEL_2, `Type:\tPersistentVolumeClaim (a reference to a PersistentVolumeClaim in the same namespace)\n    ClaimName:\t${v.persistentVolumeClaim.claimName}\n    ReadOnly:\t${v.persistentVolumeClaim.readOnly === true}\n`);
    } else {
      w.write(LEVEL_1, "<unknown>\n");
    }
  }
}

/** qos.GetPodQOS: status.qosClass when the server set it, else computed from the containers. */
export function podQosClass(pod: V1Pod): string {
  return pod.status?.qosClass ?? qosClass(pod.spec);
}

export interface DescribeOptions {
  now: Date;
  /** Undefined: no Events block at all (describe of several objects, or --show-events=false). */
  events?: CoreV1Event[];
}

export function describePod(pod: V1Pod, opts: DescribeOptions): string {
  return tabbed((w) => {
    const meta = pod.metadata ?? {};
    const spec = pod.spec ?? { containers: [] };
    const status = pod.status ?? {};
    w.write(LEVEL_0, `Name:\t${meta.name ?? ""}\n`);
    w.write(LEVEL_0, `Namespace:\t${meta.namespace ?? ""}\n`);
    if (spec.priority !== undefined) w.write(LEVEL_0, `Priority:\t${spec.priority}\n`);
    if (spec.priorityClassName) w.write(LEVEL_0, `Priority Class Name:\t${spec.priorityClassName}\n`);
    if (spec.runtimeClassName) w.write(LEVEL_0, `Runtime Class Name:\t${spec.runtimeClassName}\n`);
    if (spec.serviceAccountName) w.write(LEVEL_0, `Service Account:\t${spec.serviceAccountName}\n`);
    w.write(LEVEL_0, spec.nodeName ? `Node:\t${spec.nodeName}/${status.hostIP ?? ""}\n` : "Node:\t<none>\n");
    if (status.startTime) w.write(LEVEL_0, `Start Time:\t${rfc1123z(status.startTime)}\n`);
    printLabelsMultiline(w, "Labels", meta.labels);
    printAnnotationsMultiline(w, "Annotations", meta.annotations);
    if (meta.deletionTimestamp && status.phase !== "Failed" && status.phase !== "Succeeded") {
      w.write(LEVEL_0, `Status:\tTerminating (lasts ${since(meta.deletionTimestamp, opts.now)})\n`);
      w.write(LEVEL_0, `Termination Grace Period:\t${meta.deletionGracePeriodSeconds ?? 0}s\n`);
    } else {
      w.write(LEVEL_0, `Status:\t${status.phase ?? ""}\n`);
    }
    if (status.reason) w.write(LEVEL_0, `Reason:\t${status.reason}\n`);
    if (status.message) w.write(LEVEL_0, `Message:\t${status.message}\n`);
    w.write(LEVEL_0, `IP:\t${status.podIP ?? ""}\n`);
    if (!status.podIPs?.length) {
      w.write(LEVEL_0, "IPs:\t<none>\n");
    } else {
      w.write(LEVEL_0, "IPs:\n");
      for (const ip of status.podIPs) w.write(LEVEL_1, `IP:\t${ip.ip}\n`);
    }
    const controlledBy = controllerOf(meta);
    if (controlledBy) w.write(LEVEL_0, `Controlled By:\t${controlledBy}\n`);
    if (status.nominatedNodeName) w.write(LEVEL_0, `NominatedNodeName:\t${status.nominatedNodeName}\n`);
    if (spec.initContainers?.length) describeContainers(w, "Init Containers", spec.initContainers, status.initContainerStatuses, "", pod);
    describeContainers(w, "Containers", spec.containers, status.containerStatuses, "", pod);
    if (spec.readinessGates?.length) {
      w.write(LEVEL_0, "Readiness Gates:\n  Type\tStatus\n");
      for (const g of spec.readinessGates) {
        const c = status.conditions?.find((x) => x.type === g.conditionType);
        w.write(LEVEL_1, `${g.conditionType} \t${c ? c.status : "<none>"} \n`);
      }
    }
    if (status.conditions?.length) {
      w.write(LEVEL_0, "Conditions:\n  Type\tStatus\n");
      for (const c of status.conditions) w.write(LEVEL_1, `${c.type} \t${c.status} \n`);
    }
    describeVolumes(w, spec.volumes, "");
    w.write(LEVEL_0, `QoS Class:\t${podQosClass(pod)}\n`);
    printLabelsMultiline(w, "Node-Selectors", spec.nodeSelector);
    printTolerationsMultiline(w, "Tolerations", spec.tolerations);
    if (opts.events) describeEvents(w, opts.events, opts.now);
  });
}

/** DescribePodTemplate: the "Pod Template:" block of deployments and replica sets. */
export function describePodTemplate(w: PrefixWriter, template: V1PodTemplateSpec | undefined): void {
  w.write(LEVEL_0, "Pod Template:\n");
  if (!template) {
    w.write(LEVEL_1, "<unset>");
    return;
  }
  printLabelsMultiline(w, "  Labels", template.metadata?.labels);
  if (Object.keys(template.metadata?.annotations ?? {}).length > 0) printAnnotationsMultiline(w, "  Annotations", template.metadata?.annotations);
  const spec = template.spec ?? { containers: [] };
  if (spec.serviceAccountName) w.write(LEVEL_1, `Service Account:\t${spec.serviceAccountName}\n`);
  if (spec.initContainers?.length) describeContainers(w, "Init Containers", spec.initContainers, undefined, "  ");
  describeContainers(w, "Containers", spec.containers, undefined, "  ");
  describeVolumes(w, spec.volumes, "  ");
  if (spec.priorityClassName) w.write(LEVEL_1, `Priority Class Name:\t${spec.priorityClassName}\n`);
  printLabelsMultiline(w, "  Node-Selectors", spec.nodeSelector);
  printTolerationsMultiline(w, "  Tolerations", spec.tolerations);
}
