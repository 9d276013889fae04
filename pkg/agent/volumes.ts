// Pod volumes on the host: emptyDir, configMap and secret volumes live under
// <stateDir>/pods/<uid>/volumes/<name>, hostPath volumes are the host path
// itself. ConfigMap and Secret files are rewritten whenever the object's data
// changes (each sync), so a running container sees the new content through its
// mount.
// A persistentVolumeClaim volume is its bound PersistentVolume's directory on
// this node (hostPath or local): claim → volume → path, bind-mounted as is.
import { createHash } from "node:crypto";
import fs from "node:fs/promises";
import path from "node:path";
import type { V1Volume } from "@kubernetes/client-node";
import type { ConfigMapData, SecretData } from "../api/types.js";
import type { PersistentVolume, PersistentVolumeClaim } from "../api/storage.js";
import type { AgentPod } from "./types.js";

export class VolumeError extends Error {
  override name = "VolumeError";
  constructor(
    readonly volume: string,
    message: string,
    /** When to try again; unset = the pod worker's default. A claim being bound is a matter of moments. */
    readonly retryAfterMs?: number,
  ) {
    super(`MountVolume.SetUp failed for volume "${volume}" : ${message}`);
  }
}

/** How the agent reads the claims and volumes its pods name (undefined = not found). */
export interface StorageLookup {
  claim(namespace: string, name: string): Promise<PersistentVolumeClaim | undefined>;
  volume(name: string): Promise<PersistentVolume | undefined>;
}

const NO_STORAGE: StorageLookup = { claim: async () => undefined, volume: async () => undefined };
/** A claim still binding (WaitForFirstConsumer provisions after scheduling): look again soon. */
const CLAIM_RETRY_MS = 1_000;

export interface VolumeSetUp {
  /** Volume name → host path to bind-mount. */
  paths: Map<string, string>;
}

export class VolumeManager {
  /** uid/volume → hash of the configMap content last written, to skip identical rewrites. */
  private readonly written = new Map<string, string>();

  constructor(
    readonly stateDir: string,
    private readonly getConfigMap: (namespace: string, name: string) => Promise<ConfigMapData | undefined>,
    private readonly getSecret: (namespace: string, name: string) => Promise<SecretData | undefined> = async () => undefined,
    private readonly storage: StorageLookup = NO_STORAGE,
  ) {}

  podDir(uid: string): string {
    return path.join(this.stateDir, "pods", uid);
  }

  volumeDir(uid: string, name: string): string {
    return path.join(this.podDir(uid), "volumes", name);
  }

  /** Creates or refreshes every volume of the pod. Idempotent. Throws VolumeError naming the volume. */
  async setUp(pod: AgentPod): Promise<VolumeSetUp> {
    const paths = new Map<string, string>();
    const uid = String(pod.metadata.uid);
    for (const v of pod.spec.volumes ?? []) paths.set(v.name, await this.setUpOne(pod, uid, v));
    return { paths };
  }

  private async setUpOne(pod: AgentPod, uid: string, v: V1Volume): Promise<string> {
    if (v.hostPath) return this.hostPath(v.name, v.hostPath.path, v.hostPath.type ?? "");
    if (v.persistentVolumeClaim) return this.claimPath(String(pod.metadata.namespace), v.name, v.persistentVolumeClaim.claimName);
    const dir = this.volumeDir(uid, v.name);
    if (v.configMap) {
      await fs.mkdir(dir, { recursive: true });
      const name = v.configMap.name ?? "";
      const cm = await this.getConfigMap(String(pod.metadata.namespace), name);
      if (!cm) {
        if (v.configMap.optional) return dir;
        throw new VolumeError(v.name, `configmap "${name}" not found`);
      }
      const files = configMapFiles(cm, v.configMap.items, v.name);
      await this.writeFiles(`${uid}/${v.name}`, dir, files, v.configMap.defaultMode ?? 0o644);
      return dir;
    }
    if (v.secret) {
      await fs.mkdir(dir, { recursive: true });
      const name = v.secret.secretName ?? "";
      const secret = await this.getSecret(String(pod.metadata.namespace), name);
      if (!secret) {
        if (v.secret.optional) return dir;
        throw new VolumeError(v.name, `secret "${name}" not found`);
      }
      const files = secretFiles(secret, v.secret.items, v.name);
      await this.writeFiles(`${uid}/${v.name}`, dir, files, v.secret.defaultMode ?? 0o644);
      return dir;
    }
    // emptyDir, and any source skiff does not model (scratch space is the honest fallback).
    await fs.mkdir(dir, { recursive: true, mode: 0o777 });
    return dir;
  }

  /** The host directory of the volume bound to a claim; the kubelet's checks and wording. */
  private async claimPath(namespace: string, volume: string, claimName: string): Promise<string> {
    const claim = await this.storage.claim(namespace, claimName);
    if (!claim) throw new VolumeError(volume, `persistentvolumeclaim "${claimName}" not found`, CLAIM_RETRY_MS);
    if (claim.metadata.deletionTimestamp) throw new VolumeError(volume, `persistentvolumeclaim "${claimName}" is being deleted`);
    const pvName = claim.spec?.volumeName;
    if (!pvName || claim.status?.phase !== "Bound") {
      throw new VolumeError(volume, `PVC ${namespace}/${claimName} has non-bound phase ("${claim.status?.phase ?? ""}") or empty pvc.Spec.VolumeName ("${pvName ?? ""}")`, CLAIM_RETRY_MS);
    }
    const pv = await this.storage.volume(pvName);
    if (!pv) throw new VolumeError(volume, `persistentvolume "${pvName}" not found`, CLAIM_RETRY_MS);
    if (pv.spec?.hostPath?.path) return this.hostPath(volume, pv.spec.hostPath.path, pv.spec.hostPath.type ?? "");
    if (pv.spec?.local?.path) return this.hostPath(volume, pv.spec.local.path, "Directory");
    throw new VolumeError(volume, `persistentvolume "${pvName}": only hostPath and local volumes can be mounted by skiff`);
  }

  private async hostPath(volume: string, p: string, type: string): Promise<string> {
    const stat = await fs.stat(p).catch(() => undefined);
    switch (type) {
      case "DirectoryOrCreate":
        if (!stat) await fs.mkdir(p, { recursive: true, mode: 0o755 });
        break;
      case "FileOrCreate":
        if (!stat) {
          await fs.mkdir(path.dirname(p), { recursive: true });
          await fs.writeFile(p, "", { mode: 0o644 });
        }
        break;
      case "Directory":
        if (!stat?.isDirectory()) throw new VolumeError(volume, `hostPath type check failed: ${p} is not a directory`);
        break;
      case "File":
        if (!stat?.isFile()) throw new VolumeError(volume, `hostPath type check failed: ${p} is not a file`);
        break;
      default:
        break;
    }
    return p;
  }

  private async writeFiles(key: string, dir: string, files: Map<string, Buffer>, mode: number): Promise<void> {
    const hash = createHash("sha256");
    for (const [f, data] of [...files].sort(([a], [b]) => a.localeCompare(b))) hash.update(f).update("\0").update(data).update("\0");
    const digest = hash.digest("hex");
    if (this.written.get(key) === digest) return;
    const existing = await listFiles(dir);
    for (const [rel, data] of files) {
      const target = path.join(dir, rel);
      await fs.mkdir(path.dirname(target), { recursive: true });
      // write-then-rename: a reader inside the container never sees half a file
      const tmp = `${target}.skiff-tmp`;
      await fs.writeFile(tmp, data, { mode });
      await fs.rename(tmp, target);
    }
    for (const rel of existing) if (!files.has(rel)) await fs.rm(path.join(dir, rel), { force: true });
    this.written.set(key, digest);
  }

  /** Removes the pod's volume directories (never hostPath sources). Idempotent. */
  async tearDown(uid: string): Promise<void> {
    for (const k of [...this.written.keys()]) if (k.startsWith(`${uid}/`)) this.written.delete(k);
    await fs.rm(this.podDir(uid), { recursive: true, force: true });
  }
}

/** File path (relative) → content for a configMap volume, honouring items. */
export function configMapFiles(cm: ConfigMapData, items: Array<{ key: string; path: string }> | undefined, volume: string): Map<string, Buffer> {
  const all = new Map<string, Buffer>();
  for (const [k, v] of Object.entries(cm.data ?? {})) all.set(k, Buffer.from(v));
  for (const [k, v] of Object.entries(cm.binaryData ?? {})) all.set(k, Buffer.from(v, "base64"));
  if (!items?.length) return all;
  const out = new Map<string, Buffer>();
  for (const item of items) {
    const data = all.get(item.key);
    if (data === undefined) throw new VolumeError(volume, `configmap references non-existent config key: ${item.key}`);
    if (item.path.split("/").includes("..") || path.isAbsolute(item.path)) throw new VolumeError(volume, `invalid path ${item.path}`);
    out.set(item.path, data);
  }
  return out;
}

/** File path (relative) → decoded content for a secret volume, honouring items. Errors name keys, never values. */
export function secretFiles(secret: SecretData, items: Array<{ key: string; path: string }> | undefined, volume: string): Map<string, Buffer> {
  const all = new Map<string, Buffer>();
  for (const [k, v] of Object.entries(secret.data ?? {})) all.set(k, Buffer.from(String(v), "base64"));
  if (!items?.length) return all;
  const out = new Map<string, Buffer>();
  for (const item of items) {
    const data = all.get(item.key);
    if (data === undefined) throw new VolumeError(volume, `references non-existent secret key: ${item.key}`);
    if (item.path.split("/").includes("..") || path.isAbsolute(item.path)) throw new VolumeError(volume, `invalid path ${item.path}`);
    out.set(item.path, data);
  }
  return out;
}

async function listFiles(dir: string, prefix = ""): Promise<string[]> {
  const entries = await fs.readdir(path.join(dir, prefix), { withFileTypes: true }).catch(() => []);
  const out: string[] = [];
  for (const e of entries) {
    const rel = prefix ? `${prefix}/${e.name}` : e.name;
    if (e.isDirectory()) out.push(...(await listFiles(dir, rel)));
    else out.push(rel);
  }
  return out;
}
