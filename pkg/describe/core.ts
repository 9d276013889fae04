// `describe` for services, namespaces, config maps, endpoints, and a generic
// key/value dump for every other kind (kubectl's genericDescriber).
import type { CoreV1Event, V1ConfigMap, V1Endpoints, V1Namespace, V1Service } from "@kubernetes/client-node";
import type { KubeObject } from "../api/types.js";
import { describeEvents } from "./events.js";
import { printAnnotationsMultiline, printLabelsMultiline, rfc1123z, sortedKeys } from "./format.js";
import type { DescribeOptions } from "./pod.js";
import { LEVEL_0, LEVEL_1, LEVEL_2, tabbed, type PrefixWriter } from "./tab-writer.js";

/** labels.FormatLabels: "a=b,c=d" sorted, "<none>" when empty. */
function formatLabels(m: Record<string, string> | undefined): string {
  const keys = sortedKeys(m);
  return keys.length ? keys.map((k) => `${k}=${m![k]}`).join(",") : "<none>";
}

/** The ready endpoints of one service port, "ip:port" (at most three, then "+ N more..."). */
export function formatServiceEndpoints(ep: V1Endpoints | undefined, portName: string): string {
  if (!ep?.subsets?.length) return "<none>";
  const list: string[] = [];
  let count = 0;
  for (const ss of ep.subsets) {
    const ports = ss.ports?.length ? ss.ports.filter((p) => (p.name ?? "") === portName) : [undefined];
    for (const p of ports) {
      for (const a of ss.addresses ?? []) {
        if (list.length < 3) list.push(p ? `${a.ip}:${p.port}` : a.ip);
        count++;
      }
    }
  }
  if (list.length === 0) return "<none>";
  return count > list.length ? `${list.join(",")} + ${count - list.length} more...` : list.join(",");
}

export interface ServiceDescribeOptions extends DescribeOptions {
  endpoints?: V1Endpoints;
}

export function describeService(svc: V1Service, opts: ServiceDescribeOptions): string {
  return tabbed((w) => {
    const spec = svc.spec ?? {};
    w.write(LEVEL_0, `Name:\t${svc.metadata?.name ?? ""}\n`);
    w.write(LEVEL_0, `Namespace:\t${svc.metadata?.namespace ?? ""}\n`);
    printLabelsMultiline(w, "Labels", svc.metadata?.labels);
    printAnnotationsMultiline(w, "Annotations", svc.metadata?.annotations);
    w.write(LEVEL_0, `Selector:\t${formatLabels(spec.selector)}\n`);
    w.write(LEVEL_0, `Type:\t${spec.type ?? ""}\n`);
    if (spec.ipFamilyPolicy) w.write(LEVEL_0, `IP Family Policy:\t${spec.ipFamilyPolicy}\n`);
    w.write(LEVEL_0, `IP Families:\t${spec.ipFamilies?.length ? spec.ipFamilies.join(",") : "<none>"}\n`);
    w.write(LEVEL_0, `IP:\t${spec.clusterIP ?? ""}\n`);
    w.write(LEVEL_0, `IPs:\t${spec.clusterIPs?.length ? spec.clusterIPs.join(",") : "<none>"}\n`);
    if (spec.externalIPs?.length) w.write(LEVEL_0, `External IPs:\t${spec.externalIPs.join(",")}\n`);
    if (spec.loadBalancerIP) w.write(LEVEL_0, `Desired LoadBalancer IP:\t${spec.loadBalancerIP}\n`);
    if (spec.externalName) w.write(LEVEL_0, `External Name:\t${spec.externalName}\n`);
    const ingress = svc.status?.loadBalancer?.ingress ?? [];
    if (ingress.length) w.write(LEVEL_0, `LoadBalancer Ingress:\t${ingress.map((i) => i.ip || i.hostname || "").join(", ")}\n`);
    for (const p of spec.ports ?? []) {
      const name = p.name || "<unset>";
      const proto = p.protocol ?? "TCP";
      w.write(LEVEL_0, `Port:\t${name}\t${p.port}/${proto}\n`);
      w.write(LEVEL_0, `TargetPort:\t${p.targetPort === undefined ? p.port : String(p.targetPort)}/${proto}\n`);
      if (p.appProtocol) w.write(LEVEL_0, `AppProtocol:\t${p.appProtocol}\n`);
      if (p.nodePort) w.write(LEVEL_0, `NodePort:\t${name}\t${p.nodePort}/${proto}\n`);
      w.write(LEVEL_0, `Endpoints:\t${formatServiceEndpoints(opts.endpoints, p.name ?? "")}\n`);
    }
    w.write(LEVEL_0, `Session Affinity:\t${spec.sessionAffinity ?? ""}\n`);
    if (spec.externalTrafficPolicy) w.write(LEVEL_0, `External Traffic Policy:\t${spec.externalTrafficPolicy}\n`);
    if (spec.internalTrafficPolicy) w.write(LEVEL_0, `Internal Traffic Policy:\t${spec.internalTrafficPolicy}\n`);
    if (spec.healthCheckNodePort) w.write(LEVEL_0, `HealthCheck NodePort:\t${spec.healthCheckNodePort}\n`);
    if (opts.events) describeEvents(w, opts.events, opts.now);
  });
}

export function describeNamespace(ns: V1Namespace): string {
  return tabbed((w) => {
    w.write(LEVEL_0, `Name:\t${ns.metadata?.name ?? ""}\n`);
    printLabelsMultiline(w, "Labels", ns.metadata?.labels);
    printAnnotationsMultiline(w, "Annotations", ns.metadata?.annotations);
    w.write(LEVEL_0, `Status:\t${ns.status?.phase ?? ""}\n`);
    if (ns.status?.conditions?.length) {
      w.write(LEVEL_0, "Conditions:\n");
      w.write(LEVEL_1, "Type\tStatus\tLastTransitionTime\tReason\tMessage\n");
      w.write(LEVEL_1, "----\t------\t------------------\t------\t-------\n");
      for (const c of ns.status.conditions) w.write(LEVEL_1, `${c.type}\t${c.status}\t${rfc1123z(c.lastTransitionTime)}\t${c.reason ?? ""}\t${c.message ?? ""}\n`);
    }
    // skiff serves no ResourceQuota or LimitRange kinds; kubectl leaves those blocks out when the list is a 404,
    // and a namespace's describe has no Events block.
  });
}

export function describeConfigMap(cm: V1ConfigMap, opts: DescribeOptions): string {
  return tabbed((w) => {
    w.write(LEVEL_0, `Name:\t${cm.metadata?.name ?? ""}\n`);
    w.write(LEVEL_0, `Namespace:\t${cm.metadata?.namespace ?? ""}\n`);
    printLabelsMultiline(w, "Labels", cm.metadata?.labels);
    printAnnotationsMultiline(w, "Annotations", cm.metadata?.annotations);
    w.write(LEVEL_0, "\nData\n====\n");
    for (const k of sortedKeys(cm.data)) {
      w.write(LEVEL_0, `${k}:\n----\n`);
      w.write(LEVEL_0, `${cm.data![k]}\n`);
      w.write(LEVEL_0, "\n");
    }
    w.write(LEVEL_0, "\nBinaryData\n====\n");
    for (const k of sortedKeys(cm.binaryData)) w.write(LEVEL_0, `${k}: ${Buffer.from(cm.binaryData![k], "base64").length} bytes\n`);
    w.write(LEVEL_0, "\n");
    if (opts.events) describeEvents(w, opts.events, opts.now);
  });
}

export function describeEndpoints(ep: V1Endpoints, opts: DescribeOptions): string {
  return tabbed((w) => {
    w.write(LEVEL_0, `Name:\t${ep.metadata?.name ?? ""}\n`);
    w.write(LEVEL_0, `Namespace:\t${ep.metadata?.namespace ?? ""}\n`);
    printLabelsMultiline(w, "Labels", ep.metadata?.labels);
    printAnnotationsMultiline(w, "Annotations", ep.metadata?.annotations);
    w.write(LEVEL_0, "Subsets:\n");
    for (const ss of ep.subsets ?? []) {
      w.write(LEVEL_1, `Addresses:\t${(ss.addresses ?? []).map((a) => a.ip).join(",") || "<none>"}\n`);
      w.write(LEVEL_1, `NotReadyAddresses:\t${(ss.notReadyAddresses ?? []).map((a) => a.ip).join(",") || "<none>"}\n`);
      if (ss.ports?.length) {
        w.write(LEVEL_1, "Ports:\n");
        w.write(LEVEL_2, "Name\tPort\tProtocol\n");
        w.write(LEVEL_2, "----\t----\t--------\n");
        for (const p of ss.ports) w.write(LEVEL_2, `${p.name || "<unset>"}\t${p.port}\t${p.protocol ?? "TCP"}\n`);
      }
      w.write(LEVEL_0, "\n");
    }
    if (opts.events) describeEvents(w, opts.events, opts.now);
  });
}

/** smartLabelFor: "podCIDR" → "Pod CIDR", "nodeName" → "Node Name"; odd keys stay as they are. */
export function smartLabel(field: string): string {
  if (/[^A-Za-z-]/.test(field)) return field;
  const parts = field.match(/[A-Z]+(?![a-z])|[A-Z]?[a-z]+|-/g) ?? [field];
  return parts
    .map((p) => (["API", "URL", "UID", "GUID"].includes(p.toUpperCase()) ? p.toUpperCase() : p === p.toLowerCase() ? p.charAt(0).toUpperCase() + p.slice(1) : p))
    .join(" ");
}

function printUnstructured(w: PrefixWriter, level: number, content: Record<string, unknown>, prefix: string, skip: Set<string>): void {
  for (const field of Object.keys(content).sort()) {
    const path = `${prefix}.${field}`;
    if (skip.has(path)) continue;
    const value = content[field];
    if (Array.isArray(value)) {
      w.write(level, `${smartLabel(field)}:\n`);
      for (const child of value) {
        if (child && typeof child === "object") printUnstructured(w, level + 1, child as Record<string, unknown>, path, skip);
        else w.write(level + 1, `${String(child)}\n`);
      }
    } else if (value && typeof value === "object") {
      w.write(level, `${smartLabel(field)}:\n`);
      printUnstructured(w, level + 1, value as Record<string, unknown>, path, skip);
    } else {
      w.write(level, `${smartLabel(field)}:\t${String(value)}\n`);
    }
  }
}

/** genericDescriber: every field, nested, in key order. */
export function describeGeneric(obj: KubeObject, opts: DescribeOptions): string {
  return tabbed((w) => {
    w.write(LEVEL_0, `Name:\t${obj.metadata.name ?? ""}\n`);
    w.write(LEVEL_0, `Namespace:\t${obj.metadata.namespace ?? ""}\n`);
    printLabelsMultiline(w, "Labels", obj.metadata.labels);
    printAnnotationsMultiline(w, "Annotations", obj.metadata.annotations);
    const skip = new Set([".metadata.managedFields", ".metadata.name", ".metadata.namespace", ".metadata.labels", ".metadata.annotations"]);
    printUnstructured(w, LEVEL_0, obj, "", skip);
    if (opts.events) describeEvents(w, opts.events as CoreV1Event[], opts.now);
  });
}
