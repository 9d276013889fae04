// networking.k8s.io/v1: Ingress, IngressClass and NetworkPolicy, after
// pkg/apis/networking/validation/validation.go — backends that name exactly one
// Service port, hosts that are (wildcard) DNS names and never IPs, paths that
// fit their pathType, a controller name that is a domain-prefixed path, and
// policy peers and ports that make sense.
import { isIP } from "node:net";
import type { FieldError } from "../errors.js";
import type { KubeObject } from "../types.js";
import { PROTOCOLS } from "./container.js";
import {
  child,
  duplicate,
  forbidden,
  index,
  invalid,
  present,
  readInt,
  readList,
  readRec,
  readString,
  required,
  validateEnum,
  type Rec,
} from "./field.js";
import { validateLabelSelectorObject } from "./meta.js";
import { dns1035LabelErrors, dns1123SubdomainErrors, IP_ERROR, isValidIP, portNameErrors, portNumErrors } from "./names.js";

export const PATH_TYPES = ["Exact", "Prefix", "ImplementationSpecific"];
export const INGRESS_CLASS_ANNOTATION = "kubernetes.io/ingress.class";
const POLICY_TYPES = ["Ingress", "Egress"];
const PARAMETER_SCOPES = ["Cluster", "Namespace"];
/** Path fragments Exact and Prefix paths may not carry (invalidPathSequences in Kubernetes). */
const INVALID_PATH_SEQUENCES = ["//", "/./", "/../", "%2f", "%2F"];
const INVALID_PATH_SUFFIXES = ["/..", "/."];

/** A host that may start with "*." (IsWildcardDNS1123Subdomain for the part after it). */
function hostErrors(host: string): string[] {
  if (isIP(host) !== 0) return ["must be a DNS name, not an IP address"];
  if (host.startsWith("*.")) {
    const rest = dns1123SubdomainErrors(host.slice(2));
    return rest.length === 0
      ? []
      : ["a wildcard DNS-1123 subdomain must start with '*.', followed by a valid DNS subdomain, which must consist of lower case alphanumeric characters, '-' or '.' and end with an alphanumeric character (e.g. '*.example.com', regex used for validation is '\\*\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"];
  }
  if (host.includes("*")) return ["a wildcard may only be the leftmost label ('*.example.com')"];
  return dns1123SubdomainErrors(host);
}

function validateServiceBackendPort(port: Rec | undefined, path: string, errs: FieldError[]): void {
  if (!port) {
    errs.push(required(path, "port name or number is required"));
    return;
  }
  const name = readString(port.name, child(path, "name"), errs);
  const number = readInt(port.number, child(path, "number"), errs);
  if (name !== undefined && number !== undefined && number !== 0) {
    errs.push(invalid(path, port, "cannot set both port name & port number"));
  } else if (name !== undefined) {
    for (const msg of portNameErrors(name)) errs.push(invalid(child(path, "name"), name, msg));
  } else if (number !== undefined && number !== 0) {
    for (const msg of portNumErrors(number)) errs.push(invalid(child(path, "number"), number, msg));
  } else {
    errs.push(required(path, "port name or number is required"));
  }
}

/** validateIngressBackend: exactly one of service and resource. */
function validateBackend(raw: unknown, path: string, errs: FieldError[]): void {
  const b = readRec(raw, path, errs);
  if (!b) return;
  const service = readRec(b.service, child(path, "service"), errs);
  const resource = readRec(b.resource, child(path, "resource"), errs);
  if (service && resource) {
    errs.push(invalid(path, "", "cannot set both resource and service backends"));
    return;
  }
  if (resource) {
    const kindPath = child(child(path, "resource"), "kind");
    if (readString(resource.kind, kindPath, errs) === undefined) errs.push(required(kindPath));
    const namePath = child(child(path, "resource"), "name");
    if (readString(resource.name, namePath, errs) === undefined) errs.push(required(namePath));
    return;
  }
  if (!service) {
    errs.push(invalid(path, "", "resource or service backend is required"));
    return;
  }
  const svcPath = child(path, "service");
  const name = readString(service.name, child(svcPath, "name"), errs);
  if (name === undefined) errs.push(required(child(svcPath, "name")));
  else for (const msg of dns1035LabelErrors(name)) errs.push(invalid(child(svcPath, "name"), name, msg));
  validateServiceBackendPort(readRec(service.port, child(svcPath, "port"), errs), child(svcPath, "port"), errs);
}

function validatePath(raw: unknown, path: string, errs: FieldError[]): void {
  const p = readRec(raw, path, errs);
  if (!p) return;
  const pathType = validateEnum(p.pathType, child(path, "pathType"), PATH_TYPES, errs);
  if (!present(p.pathType)) errs.push(required(child(path, "pathType"), "pathType must be specified"));
  const value = readString(p.path, child(path, "path"), errs);
  if (pathType === "Exact" || pathType === "Prefix") {
    if (value === undefined || !value.startsWith("/")) errs.push(invalid(child(path, "path"), value ?? "", "must be an absolute path"));
    else {
      for (const seq of INVALID_PATH_SEQUENCES) if (value.includes(seq)) errs.push(invalid(child(path, "path"), value, `must not contain '${seq}'`));
      for (const suf of INVALID_PATH_SUFFIXES) if (value.endsWith(suf)) errs.push(invalid(child(path, "path"), value, `cannot end with '${suf}'`));
    }
  } else if (pathType === "ImplementationSpecific" && value !== undefined && !value.startsWith("/")) {
    errs.push(invalid(child(path, "path"), value, "must be an absolute path"));
  }
  if (!present(p.backend)) errs.push(required(child(path, "backend")));
  else validateBackend(p.backend, child(path, "backend"), errs);
}

function validateRule(raw: unknown, path: string, errs: FieldError[]): void {
  const r = readRec(raw, path, errs);
  if (!r) return;
  const host = readString(r.host, child(path, "host"), errs);
  if (host !== undefined) for (const msg of hostErrors(host)) errs.push(invalid(child(path, "host"), host, msg));
  const http = readRec(r.http, child(path, "http"), errs);
  if (!http) return;
  const pathsPath = child(child(path, "http"), "paths");
  const paths = readList(http.paths, pathsPath, errs);
  if (paths.length === 0) errs.push(required(pathsPath));
  paths.forEach((p, i) => validatePath(p, index(pathsPath, i), errs));
}

function validateLoadBalancerStatus(raw: unknown, path: string, errs: FieldError[]): void {
  const lb = readRec(raw, path, errs);
  if (!lb) return;
  const ingPath = child(path, "ingress");
  readList(lb.ingress, ingPath, errs).forEach((entry, i) => {
    const e = readRec(entry, index(ingPath, i), errs);
    if (!e) return;
    const ip = readString(e.ip, child(index(ingPath, i), "ip"), errs);
    if (ip !== undefined && !isValidIP(ip)) errs.push(invalid(child(index(ingPath, i), "ip"), ip, IP_ERROR));
    const hostname = readString(e.hostname, child(index(ingPath, i), "hostname"), errs);
    if (hostname !== undefined) {
      for (const msg of dns1123SubdomainErrors(hostname)) errs.push(invalid(child(index(ingPath, i), "hostname"), hostname, msg));
      if (isIP(hostname) !== 0) errs.push(invalid(child(index(ingPath, i), "hostname"), hostname, "must be a DNS name, not an IP address"));
    }
  });
}

export function validateIngress(obj: KubeObject): FieldError[] {
  const errs: FieldError[] = [];
  if (!present(obj.spec)) return [required("spec")];
  const spec = readRec(obj.spec, "spec", errs);
  if (!spec) return errs;
  const className = readString(spec.ingressClassName, "spec.ingressClassName", errs);
  if (className !== undefined) {
    for (const msg of dns1123SubdomainErrors(className)) errs.push(invalid("spec.ingressClassName", className, msg));
    if (obj.metadata?.annotations?.[INGRESS_CLASS_ANNOTATION] !== undefined) {
      errs.push(invalid(`metadata.annotations.${INGRESS_CLASS_ANNOTATION}`, obj.metadata.annotations[INGRESS_CLASS_ANNOTATION], "can not be set when the class field is also set"));
    }
  }
  const rules = readList(spec.rules, "spec.rules", errs);
  if (!present(spec.defaultBackend) && rules.length === 0) errs.push(invalid("spec", "", "either `defaultBackend` or `rules` must be specified"));
  if (present(spec.defaultBackend)) validateBackend(spec.defaultBackend, "spec.defaultBackend", errs);
  rules.forEach((r, i) => validateRule(r, index("spec.rules", i), errs));
  readList(spec.tls, "spec.tls", errs).forEach((raw, i) => {
    const tlsPath = index("spec.tls", i);
    const tls = readRec(raw, tlsPath, errs);
    if (!tls) return;
    readList(tls.hosts, child(tlsPath, "hosts"), errs).forEach((h, j) => {
      const p = index(child(tlsPath, "hosts"), j);
      if (typeof h !== "string") errs.push(invalid(p, h, "must be a string"));
      else for (const msg of hostErrors(h)) errs.push(invalid(p, h, msg));
    });
    const secret = readString(tls.secretName, child(tlsPath, "secretName"), errs);
    if (secret !== undefined) for (const msg of dns1123SubdomainErrors(secret)) errs.push(invalid(child(tlsPath, "secretName"), secret, msg));
  });
  const status = readRec(obj.status, "status", errs);
  if (status) validateLoadBalancerStatus(status.loadBalancer, "status.loadBalancer", errs);
  return errs;
}

/** "example.com/ingress-controller": a DNS subdomain, a slash, then a path (IsDomainPrefixedPath). */
function domainPrefixedPathErrors(s: string): string[] {
  const slash = s.indexOf("/");
  if (slash <= 0 || slash === s.length - 1) return ["must be a domain-prefixed path (such as \"acme.io/foo\")"];
  const errs = dns1123SubdomainErrors(s.slice(0, slash));
  if (!/^[A-Za-z0-9/\-._~%!$&'()*+,;=:]+$/.test(s.slice(slash + 1))) errs.push("Invalid path: must contain only characters valid in a URL path");
  return errs;
}

export function validateIngressClass(obj: KubeObject, ctx: { old?: KubeObject } = {}): FieldError[] {
  const errs: FieldError[] = [];
  const spec = readRec(obj.spec, "spec", errs) ?? {};
  const controller = readString(spec.controller, "spec.controller", errs);
  if (controller === undefined) errs.push(required("spec.controller"));
  else {
    if (controller.length > 250) errs.push(invalid("spec.controller", controller, "must be no more than 250 characters"));
    for (const msg of domainPrefixedPathErrors(controller)) errs.push(invalid("spec.controller", controller, msg));
  }
  const oldController = readRec(ctx.old?.spec, "spec", [])?.controller;
  if (ctx.old && oldController !== spec.controller) errs.push(invalid("spec.controller", controller ?? "", "field is immutable"));
  const params = readRec(spec.parameters, "spec.parameters", errs);
  if (params) {
    const p = "spec.parameters";
    if (readString(params.kind, child(p, "kind"), errs) === undefined) errs.push(required(child(p, "kind")));
    if (readString(params.name, child(p, "name"), errs) === undefined) errs.push(required(child(p, "name")));
    const scope = validateEnum(params.scope, child(p, "scope"), PARAMETER_SCOPES, errs) ?? "Cluster";
    const ns = readString(params.namespace, child(p, "namespace"), errs);
    if (scope === "Namespace" && ns === undefined) errs.push(required(child(p, "namespace"), "`parameters.scope` is set to 'Namespace'"));
    if (scope === "Cluster" && ns !== undefined) errs.push(forbidden(child(p, "namespace"), "`parameters.scope` is set to 'Cluster'"));
  }
  return errs;
}

function validatePolicyPort(raw: unknown, path: string, errs: FieldError[]): void {
  const p = readRec(raw, path, errs);
  if (!p) return;
  validateEnum(p.protocol, child(path, "protocol"), PROTOCOLS, errs);
  const port = p.port;
  const endPort = readInt(p.endPort, child(path, "endPort"), errs);
  if (typeof port === "number") {
    for (const msg of portNumErrors(port)) errs.push(invalid(child(path, "port"), port, msg));
    if (endPort !== undefined) {
      for (const msg of portNumErrors(endPort)) errs.push(invalid(child(path, "endPort"), endPort, msg));
      if (endPort < port) errs.push(invalid(child(path, "endPort"), endPort, "must be greater than or equal to `port`"));
    }
  } else if (typeof port === "string") {
    for (const msg of portNameErrors(port)) errs.push(invalid(child(path, "port"), port, msg));
    if (endPort !== undefined) errs.push(forbidden(child(path, "endPort"), "may not be specified when `port` is non-numeric"));
  } else if (present(port)) {
    errs.push(invalid(child(path, "port"), port, "must be a port number or name"));
  } else if (endPort !== undefined) {
    errs.push(required(child(path, "port"), "must be specified when `endPort` is specified"));
  }
}

/** A CIDR such as 10.0.0.0/16 or fd00::/8; returns its address family (4 or 6) or 0. */
function cidrFamily(s: string): number {
  const m = /^([^/]+)\/(\d{1,3})$/.exec(s);
  if (!m) return 0;
  const family = isIP(m[1]);
  const bits = Number(m[2]);
  return family !== 0 && bits <= (family === 4 ? 32 : 128) ? family : 0;
}

function validatePeer(raw: unknown, path: string, errs: FieldError[]): void {
  const peer = readRec(raw, path, errs);
  if (!peer) return;
  const set = ["podSelector", "namespaceSelector", "ipBlock"].filter((k) => present(peer[k]));
  if (set.length === 0) errs.push(required(path, "must specify a peer"));
  else if (set.includes("ipBlock") && set.length > 1) errs.push(forbidden(path, "may not specify both ipBlock and another peer"));
  if (present(peer.podSelector)) errs.push(...validateLabelSelectorObject(peer.podSelector, child(path, "podSelector")));
  if (present(peer.namespaceSelector)) errs.push(...validateLabelSelectorObject(peer.namespaceSelector, child(path, "namespaceSelector")));
  const block = readRec(peer.ipBlock, child(path, "ipBlock"), errs);
  if (!block) return;
  const cidrPath = child(child(path, "ipBlock"), "cidr");
  const cidr = readString(block.cidr, cidrPath, errs);
  if (cidr === undefined) errs.push(required(cidrPath));
  else if (cidrFamily(cidr) === 0) errs.push(invalid(cidrPath, cidr, "must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)"));
  const exceptPath = child(child(path, "ipBlock"), "except");
  readList(block.except, exceptPath, errs).forEach((e, i) => {
    const p = index(exceptPath, i);
    if (typeof e !== "string" || cidrFamily(e) === 0) errs.push(invalid(p, e, "must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)"));
    else if (cidr !== undefined && cidrFamily(cidr) !== cidrFamily(e)) errs.push(invalid(p, e, "must be in the same IP family as cidr"));
  });
}

function validatePolicyRules(raw: unknown, path: string, peersKey: "from" | "to", errs: FieldError[]): void {
  readList(raw, path, errs).forEach((r, i) => {
    const rulePath = index(path, i);
    const rule = readRec(r, rulePath, errs);
    if (!rule) return;
    readList(rule.ports, child(rulePath, "ports"), errs).forEach((p, j) => validatePolicyPort(p, index(child(rulePath, "ports"), j), errs));
    readList(rule[peersKey], child(rulePath, peersKey), errs).forEach((p, j) => validatePeer(p, index(child(rulePath, peersKey), j), errs));
  });
}

export function validateNetworkPolicy(obj: KubeObject): FieldError[] {
  const errs: FieldError[] = [];
  const spec = readRec(obj.spec, "spec", errs) ?? {};
  if (present(spec.podSelector)) errs.push(...validateLabelSelectorObject(spec.podSelector, "spec.podSelector"));
  validatePolicyRules(spec.ingress, "spec.ingress", "from", errs);
  validatePolicyRules(spec.egress, "spec.egress", "to", errs);
  const types = readList(spec.policyTypes, "spec.policyTypes", errs);
  if (types.length > POLICY_TYPES.length) errs.push(invalid("spec.policyTypes", types, "may not specify more than two policyTypes"));
  const seen = new Set<unknown>();
  types.forEach((t, i) => {
    const p = index("spec.policyTypes", i);
    validateEnum(t, p, POLICY_TYPES, errs);
    if (seen.has(t)) errs.push(duplicate(p, t));
    seen.add(t);
  });
  return errs;
}
