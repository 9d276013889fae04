// Turns one Kubernetes container of a pod into the runtime's ContainerSpec:
// engine name, skiff labels, env (literal, configMap and secret refs, downward API),
// $(VAR) expansion, resource limits, ports on the pod IP, and volume mounts.
import path from "node:path";
import type { V1Container, V1Probe } from "@kubernetes/client-node";
import type { ConfigMapData, SecretData } from "../api/types.js";
import { parseQuantity } from "../api/quantity.js";
import { FAKE_ANNOTATION_PREFIX, LABELS, type ContainerSpec, type Mount, type PortMapping } from "../runtime/runtime.js";
import type { AgentPod } from "./types.js";

/** A container cannot be configured (missing ConfigMap key, unknown volume…): waiting CreateContainerConfigError. */
export class ContainerConfigError extends Error {
  override name = "ContainerConfigError";
}

export interface SpecContext {
  nodeName: string;
  podIP: string;
  hostIP: string;
  /** Volume name → host directory (or file) prepared by the volume manager. */
  volumePaths: ReadonlyMap<string, string>;
  /** Fetches a ConfigMap of the pod's namespace; undefined when it does not exist. */
  getConfigMap(name: string): Promise<ConfigMapData | undefined>;
  /** Fetches a Secret of the pod's namespace; undefined when it does not exist (or no source is wired). */
  getSecret?(name: string): Promise<SecretData | undefined>;
  /** The Service variables (service-env.ts) the container starts with; explicit env overrides them. */
  serviceEnv?(): Promise<Record<string, string>>;
}

/** A Secret's data values decoded (the API server has checked they are base64). */
export function secretStrings(secret: SecretData): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(secret.data ?? {})) out[k] = Buffer.from(String(v), "base64").toString("utf8");
  return out;
}

/** Engine-level name, unique per pod, container and attempt (like dockershim's k8s_… names). */
export function engineName(pod: AgentPod, container: string, attempt: number): string {
  const m = pod.metadata;
  return `skiff_${container}_${m.name}_${m.namespace}_${m.uid}_${attempt}`;
}

export function containerLabels(pod: AgentPod, nodeName: string, container: string, attempt: number): Record<string, string> {
  const m = pod.metadata;
  return {
    [LABELS.podUid]: String(m.uid),
    [LABELS.node]: nodeName,
    [LABELS.container]: container,
    [LABELS.podName]: String(m.name),
    [LABELS.podNamespace]: String(m.namespace),
    [LABELS.restartCount]: String(attempt),
  };
}

/** Init container, native sidecar (an init container with restartPolicy Always) or app container. */
export function containerType(pod: AgentPod, name: string): "init" | "sidecar" | "app" {
  const init = pod.spec.initContainers?.find((c) => c.name === name);
  if (!init) return "app";
  return init.restartPolicy === "Always" ? "sidecar" : "init";
}

/**
 * Labels beyond the identity ones: the kind of container and of the pod's
 * controller, and the fake runtime's annotations (harmless labels on Docker) — what a runtime may select
 * a container's life cycle by without reading the pod.
 */
function lifecycleLabels(pod: AgentPod, name: string): Record<string, string> {
  const out: Record<string, string> = { [LABELS.containerType]: containerType(pod, name) };
  const owner = pod.metadata.ownerReferences?.find((r) => r.controller === true);
  if (owner) out[LABELS.ownerKind] = owner.kind;
  for (const [k, v] of Object.entries(pod.metadata.annotations ?? {})) if (k.startsWith(FAKE_ANNOTATION_PREFIX)) out[k] = String(v);
  return out;
}

export async function buildContainerSpec(pod: AgentPod, c: V1Container, attempt: number, ctx: SpecContext): Promise<ContainerSpec> {
  const env = await buildEnv(pod, c, ctx);
  const spec: ContainerSpec = {
    name: engineName(pod, c.name, attempt),
    image: c.image ?? "",
    labels: { ...lifecycleLabels(pod, c.name), ...containerLabels(pod, ctx.nodeName, c.name, attempt) },
    env,
  };
  if (c.command?.length) spec.command = c.command.map((s) => expandVars(s, env));
  if (c.args?.length) spec.args = c.args.map((s) => expandVars(s, env));
  if (c.workingDir) spec.workingDir = c.workingDir;
  if (c.tty) spec.tty = true;
  if (c.stdin) spec.stdin = true;
  if (c.stdinOnce) spec.stdinOnce = true;
  const resources = limitsToResources(c);
  if (resources) spec.resources = resources;
  const ports = portMappings(c, ctx.podIP);
  if (ports.length > 0) spec.ports = ports;
  const mounts = volumeMounts(c, ctx.volumePaths, memoryVolumes(pod));
  if (mounts.length > 0) spec.mounts = mounts;
  return spec;
}

/** limits.cpu → millicores (CFS quota), limits.memory → bytes (cgroup limit). */
export function limitsToResources(c: V1Container): ContainerSpec["resources"] | undefined {
  const limits = c.resources?.limits as Record<string, string | number> | undefined;
  if (!limits) return undefined;
  const out: NonNullable<ContainerSpec["resources"]> = {};
  if (limits.cpu !== undefined) out.cpuMilli = Number(parseQuantity(String(limits.cpu)).milliValue());
  if (limits.memory !== undefined) out.memoryBytes = Number(parseQuantity(String(limits.memory)).value());
  return Object.keys(out).length > 0 ? out : undefined;
}

/**
 * Container ports published on the pod IP, plus the numeric ports of httpGet and
 * tcpSocket probes: on Docker a port is reachable at the pod IP only when it is
 * published, and Kubernetes probes any port of the pod.
 */
export function portMappings(c: V1Container, podIP: string): PortMapping[] {
  const out: PortMapping[] = [];
  const seen = new Set<string>();
  const add = (port: number, protocol: "TCP" | "UDP") => {
    const key = `${port}/${protocol}`;
    if (seen.has(key)) return;
    seen.add(key);
    out.push({ containerPort: port, hostIP: podIP, hostPort: port, protocol });
  };
  for (const p of c.ports ?? []) add(p.containerPort, p.protocol === "UDP" ? "UDP" : "TCP");
  for (const probe of [c.livenessProbe, c.readinessProbe, c.startupProbe]) {
    const port = probePort(probe, c);
    if (port !== undefined) add(port, "TCP");
  }
  return out;
}

/** The port a network probe targets, with named ports resolved from the container's ports. */
export function probePort(probe: V1Probe | undefined, c: V1Container): number | undefined {
  const raw = (probe?.httpGet?.port ?? probe?.tcpSocket?.port) as number | string | undefined;
  if (raw === undefined) return undefined;
  return resolvePort(raw, c);
}

export function resolvePort(raw: number | string, c: V1Container): number | undefined {
  if (typeof raw === "number") return raw;
  if (/^\d+$/.test(raw)) return Number(raw);
  return c.ports?.find((p) => p.name === raw)?.containerPort;
}

export function volumeMounts(c: V1Container, volumePaths: ReadonlyMap<string, string>, memory: ReadonlyMap<string, number | undefined> = new Map()): Mount[] {
  const out: Mount[] = [];
  for (const vm of c.volumeMounts ?? []) {
    const host = volumePaths.get(vm.name);
    if (host === undefined) throw new ContainerConfigError(`volume "${vm.name}" not found (container ${c.name}, mountPath ${vm.mountPath})`);
    const mount: Mount = { hostPath: vm.subPath ? path.join(host, vm.subPath) : host, containerPath: vm.mountPath, readOnly: vm.readOnly === true };
    if (memory.has(vm.name)) mount.tmpfs = memory.get(vm.name) ? { sizeBytes: memory.get(vm.name) } : {};
    out.push(mount);
  }
  return out;
}

/** emptyDir volumes with medium Memory → their sizeLimit in bytes (undefined: the engine's default size). */
export function memoryVolumes(pod: AgentPod): Map<string, number | undefined> {
  const out = new Map<string, number | undefined>();
  for (const v of pod.spec.volumes ?? []) {
    if (v.emptyDir?.medium !== "Memory") continue;
    const limit = v.emptyDir.sizeLimit;
    out.set(v.name, limit === undefined ? undefined : Number(parseQuantity(String(limit)).value()));
  }
  return out;
}

/** envFrom first, then env (later wins), with $(VAR) references to earlier variables expanded. */
export async function buildEnv(pod: AgentPod, c: V1Container, ctx: SpecContext): Promise<Record<string, string>> {
  const env: Record<string, string> = { ...(await ctx.serviceEnv?.()) };
  const cms = new Map<string, ConfigMapData | undefined>();
  const configMap = async (name: string) => {
    if (!cms.has(name)) cms.set(name, await ctx.getConfigMap(name));
    return cms.get(name);
  };
  const secrets = new Map<string, SecretData | undefined>();
  const secret = async (name: string) => {
    if (!secrets.has(name)) secrets.set(name, await ctx.getSecret?.(name));
    return secrets.get(name);
  };
  for (const from of c.envFrom ?? []) {
    if (from.configMapRef) {
      const cm = await configMap(from.configMapRef.name ?? "");
      if (!cm) {
        if (from.configMapRef.optional) continue;
        throw new ContainerConfigError(`configmap "${from.configMapRef.name}" not found`);
      }
      for (const [k, v] of Object.entries(cm.data ?? {})) env[`${from.prefix ?? ""}${k}`] = v;
    } else if (from.secretRef) {
      const sec = await secret(from.secretRef.name ?? "");
      if (!sec) {
        if (from.secretRef.optional) continue;
        throw new ContainerConfigError(`secret "${from.secretRef.name}" not found`);
      }
      for (const [k, v] of Object.entries(secretStrings(sec))) env[`${from.prefix ?? ""}${k}`] = v;
    }
  }
  for (const e of c.env ?? []) {
    if (e.valueFrom === undefined) {
      env[e.name] = expandVars(e.value ?? "", env);
      continue;
    }
    const v = await valueFrom(pod, c, e.valueFrom, configMap, ctx, secret);
    if (v !== undefined) env[e.name] = v;
  }
  return env;
}

async function valueFrom(
  pod: AgentPod,
  c: V1Container,
  src: NonNullable<NonNullable<V1Container["env"]>[number]["valueFrom"]>,
  configMap: (name: string) => Promise<ConfigMapData | undefined>,
  ctx: SpecContext,
  secret: (name: string) => Promise<SecretData | undefined>,
): Promise<string | undefined> {
  if (src.configMapKeyRef) {
    const ref = src.configMapKeyRef;
    const cm = await configMap(ref.name ?? "");
    if (!cm) {
      if (ref.optional) return undefined;
      throw new ContainerConfigError(`configmap "${ref.name}" not found`);
    }
    const v = cm.data?.[ref.key];
    if (v === undefined && !ref.optional) throw new ContainerConfigError(`couldn't find key ${ref.key} in ConfigMap ${pod.metadata.namespace}/${ref.name}`);
    return v;
  }
  if (src.fieldRef) return fieldRef(pod, src.fieldRef.fieldPath, ctx);
  if (src.resourceFieldRef) {
    const limits = (c.resources?.limits ?? {}) as Record<string, string>;
    const q = limits[src.resourceFieldRef.resource.replace(/^limits\./, "")];
    return q === undefined ? undefined : String(q);
  }
  if (src.secretKeyRef) {
    // Messages name the secret and key, never a value.
    const ref = src.secretKeyRef;
    const sec = await secret(ref.name ?? "");
    if (!sec) {
      if (ref.optional) return undefined;
      throw new ContainerConfigError(`secret "${ref.name}" not found`);
    }
    const v = secretStrings(sec)[ref.key];
    if (v === undefined && !ref.optional) throw new ContainerConfigError(`couldn't find key ${ref.key} in Secret ${pod.metadata.namespace}/${ref.name}`);
    return v;
  }
  return undefined;
}

/** The downward API fields Kubernetes allows in env. */
export function fieldRef(pod: AgentPod, fieldPath: string, ctx: SpecContext): string {
  const m = pod.metadata;
  const label = /^metadata\.labels\['(.+)'\]$/.exec(fieldPath);
  if (label) return m.labels?.[label[1]] ?? "";
  const annotation = /^metadata\.annotations\['(.+)'\]$/.exec(fieldPath);
  if (annotation) return m.annotations?.[annotation[1]] ?? "";
  switch (fieldPath) {
    case "metadata.name":
      return String(m.name ?? "");
    case "metadata.namespace":
      return String(m.namespace ?? "");
    case "metadata.uid":
      return String(m.uid ?? "");
    case "spec.nodeName":
      return ctx.nodeName;
    case "spec.serviceAccountName":
      return pod.spec.serviceAccountName ?? "";
    case "status.podIP":
      return ctx.podIP;
    case "status.hostIP":
      return ctx.hostIP;
    case "status.podIPs":
      return ctx.podIP;
    case "status.hostIPs":
      return ctx.hostIP;
    default:
      throw new ContainerConfigError(`unsupported fieldRef fieldPath "${fieldPath}"`);
  }
}

/** Kubernetes' $(VAR) expansion: defined variables are replaced, $$ escapes, unknown references stay as written. */
export function expandVars(s: string, env: Readonly<Record<string, string>>): string {
  return s.replace(/\$\$|\$\(([A-Za-z_][A-Za-z0-9_.-]*)\)/g, (whole, name: string | undefined) => {
    if (whole === "$$") return "$";
    return name !== undefined && Object.hasOwn(env, name) ? env[name] : whole;
  });
}
