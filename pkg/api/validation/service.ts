// Services: type, ports, cluster IP, session affinity, selector (ValidateService
// in pkg/apis/core/validation, plus the NodePort range check the allocator does).
import type { FieldError } from "../errors.js";
import type { KubeObject } from "../types.js";
import { PROTOCOLS } from "./container.js";
import {
  child,
  duplicate,
  forbidden,
  index,
  invalid,
  isRec,
  present,
  readInt,
  readList,
  readRec,
  readString,
  required,
  validateEnum,
} from "./field.js";
import { validateLabels } from "./meta.js";
import { dns1123LabelErrors, dns1123SubdomainErrors, IP_ERROR, isValidIP, portNameErrors, portNumErrors } from "./names.js";
import type { UpdateContext } from "./workloads.js";

export const SERVICE_TYPES = ["ClusterIP", "NodePort", "LoadBalancer", "ExternalName"];
export const NODE_PORT_RANGE = { min: 30000, max: 32767 };

export function validateService(obj: KubeObject, ctx: UpdateContext = {}): FieldError[] {
  const errs: FieldError[] = [];
  if (!present(obj.spec)) return [required("spec")];
  const spec = readRec(obj.spec, "spec", errs);
  if (!spec) return errs;

  const type = validateEnum(spec.type, "spec.type", SERVICE_TYPES, errs) ?? "ClusterIP";
  const clusterIP = readString(spec.clusterIP, "spec.clusterIP", errs);
  const headless = clusterIP === "None";
  if (clusterIP !== undefined && !headless && !isValidIP(clusterIP)) {
    errs.push(invalid("spec.clusterIP", clusterIP, "must be empty, 'None', or a valid IP address"));
  }
  if (type === "ExternalName") {
    if (clusterIP !== undefined) errs.push(forbidden("spec.clusterIP", "may not be set for ExternalName services"));
    const name = readString(spec.externalName, "spec.externalName", errs);
    if (name === undefined) errs.push(required("spec.externalName"));
    // A trailing dot (fully qualified form) is allowed.
    else for (const msg of dns1123SubdomainErrors(name.replace(/\.$/, ""))) errs.push(invalid("spec.externalName", name, msg));
  } else if (headless && (type === "NodePort" || type === "LoadBalancer")) {
    errs.push(invalid("spec.clusterIP", clusterIP, `may not be set to 'None' for ${type} services`));
  }

  const portsPath = "spec.ports";
  const ports = readList(spec.ports, portsPath, errs);
  if (ports.length === 0 && !headless && type !== "ExternalName") errs.push(required(portsPath));
  const names = new Set<string>();
  const portKeys = new Set<string>();
  const nodePorts = new Set<string>();
  ports.forEach((raw, i) => {
    const p = index(portsPath, i);
    const port = readRec(raw, p, errs);
    if (!port) return;
    const namePath = child(p, "name");
    const name = readString(port.name, namePath, errs);
    // Endpoints pair up with service ports by name, so names matter once there are two.
    if (name === undefined) {
      if (ports.length > 1) errs.push(required(namePath));
    } else {
      for (const msg of dns1123LabelErrors(name)) errs.push(invalid(namePath, name, msg));
      if (names.has(name)) errs.push(duplicate(namePath, name));
      names.add(name);
    }
    const protocol = validateEnum(port.protocol, child(p, "protocol"), PROTOCOLS, errs) ?? "TCP";

    const portPath = child(p, "port");
    const num = readInt(port.port, portPath, errs);
    if (num === undefined) {
      if (!present(port.port)) errs.push(required(portPath));
    } else {
      for (const msg of portNumErrors(num)) errs.push(invalid(portPath, num, msg));
      const k = `${num}/${protocol}`;
      if (portKeys.has(k)) errs.push(duplicate(p, k));
      portKeys.add(k);
    }

    validateTargetPort(port.targetPort, child(p, "targetPort"), errs);

    const npPath = child(p, "nodePort");
    const nodePort = readInt(port.nodePort, npPath, errs);
    if (nodePort !== undefined && nodePort !== 0) {
      if (type !== "NodePort" && type !== "LoadBalancer") {
        errs.push(forbidden(npPath, `may not be used when \`type\` is '${type}'`));
      } else if (nodePort < NODE_PORT_RANGE.min || nodePort > NODE_PORT_RANGE.max) {
        errs.push(
          invalid(npPath, nodePort, `provided port is not in the valid range. The range of valid ports is ${NODE_PORT_RANGE.min}-${NODE_PORT_RANGE.max}`),
        );
      } else {
        const k = `${nodePort}/${protocol}`;
        if (nodePorts.has(k)) errs.push(duplicate(npPath, k));
        nodePorts.add(k);
      }
    }
  });

  const affinity = validateEnum(spec.sessionAffinity, "spec.sessionAffinity", ["None", "ClientIP"], errs);
  const cfg = readRec(spec.sessionAffinityConfig, "spec.sessionAffinityConfig", errs);
  const clientIP = cfg ? readRec(cfg.clientIP, "spec.sessionAffinityConfig.clientIP", errs) : undefined;
  if (clientIP) {
    const tPath = "spec.sessionAffinityConfig.clientIP.timeoutSeconds";
    if (affinity !== "ClientIP") errs.push(forbidden("spec.sessionAffinityConfig", "must not be set when session affinity is None"));
    const t = readInt(clientIP.timeoutSeconds, tPath, errs);
    if (t !== undefined && (t <= 0 || t > 86400)) errs.push(invalid(tPath, t, "must be greater than 0 and less than 86400"));
  }
  errs.push(...validateLabels(spec.selector, "spec.selector"));
  validateEnum(spec.externalTrafficPolicy, "spec.externalTrafficPolicy", ["Cluster", "Local"], errs);
  validateEnum(spec.internalTrafficPolicy, "spec.internalTrafficPolicy", ["Cluster", "Local"], errs);
  readList(spec.externalIPs, "spec.externalIPs", errs).forEach((ip, i) => {
    if (typeof ip !== "string" || !isValidIP(ip)) errs.push(invalid(index("spec.externalIPs", i), ip, IP_ERROR));
  });

  if (ctx.old) validateClusterIPUpdate(spec, ctx.old, errs);
  return errs;
}

/** targetPort: a number in 1–65535 or the name of a container port. Absent means "same as port". */
function validateTargetPort(v: unknown, path: string, errs: FieldError[]): void {
  if (!present(v) || v === 0 || v === "") return;
  if (typeof v === "number") for (const msg of portNumErrors(v)) errs.push(invalid(path, v, msg));
  else if (typeof v === "string") for (const msg of portNameErrors(v)) errs.push(invalid(path, v, msg));
  else errs.push(invalid(path, v, "must be a port number or name"));
}

/**
 * The cluster IP is allocated once; proxies and clients cache it. An update that
 * omits it keeps the old one (the API server copies it over), so only a
 * different non-empty value is an error. ExternalName services have none.
 */
function validateClusterIPUpdate(spec: Record<string, unknown>, old: KubeObject, errs: FieldError[]): void {
  const oldSpec = old.spec;
  if (!isRec(oldSpec)) return;
  const before = oldSpec.clusterIP;
  const now = spec.clusterIP;
  if (oldSpec.type === "ExternalName" || spec.type === "ExternalName") return;
  if (typeof before === "string" && before !== "" && typeof now === "string" && now !== "" && now !== before) {
    errs.push(invalid("spec.clusterIP", now, "field is immutable"));
  }
}
