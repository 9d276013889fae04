// The kubelet's image garbage collection: when the image filesystem is more
// than highPercent used, remove unused images, least recently used first,
// until usage is back under lowPercent. An image is in use while any skiff
// container on the runtime (any node, any state) was made from it; the engine
// refuses the rest (someone else's containers), and those are skipped.
import { LABELS, normalizeImageRef, type ContainerRuntime, type ImageInfo } from "../runtime/runtime.js";
import type { Clock } from "../util/clock.js";
import type { Capacity } from "./node-usage.js";
import { ImageInUseError } from "../runtime/runtime.js";

export interface ImageGcPolicy {
  /** Start collecting above this share of the filesystem used. Kubelet default 85. */
  highPercent: number;
  /** Collect down to this. Kubelet default 80. */
  lowPercent: number;
  /** Images never removed (the kubelet pins its sandbox image); matched against every tag. */
  pinned: (ref: string) => boolean;
}

/**
 * skiff's own images (skiff/busybox, skiff/node, the sandbox) are pinned: no
 * registry is reachable to pull them back, and every pod of every cluster on
 * the engine starts from them.
 */
export const DEFAULT_IMAGE_GC: ImageGcPolicy = { highPercent: 85, lowPercent: 80, pinned: (ref) => ref.startsWith("skiff/") };

export interface GcResult {
  removed: Array<{ id: string; tags: string[]; sizeBytes: number }>;
  freedBytes: number;
  /** Bytes the policy wanted freed. */
  wantedBytes: number;
}

export class ImageGc {
  /** When each image (by id) was last seen in use, or first seen at all. */
  private readonly lastUsed = new Map<string, number>();

  constructor(
    private readonly runtime: ContainerRuntime,
    private readonly clock: Clock,
    private readonly policy: ImageGcPolicy = DEFAULT_IMAGE_GC,
  ) {}

  /** Records which images are in use now (call every pass; LRU order comes from it). Returns the in-use ids. */
  async detect(images: ImageInfo[]): Promise<Set<string>> {
    const now = this.clock.now();
    const idByRef = new Map<string, string>();
    for (const i of images) for (const t of i.repoTags) idByRef.set(normalizeImageRef(t), i.id);
    const inUse = new Set<string>();
    // every skiff container, of every node and cluster on this engine, running or not
    for (const c of await this.runtime.list({})) {
      if (!c.labels[LABELS.podUid]) continue;
      const id = idByRef.get(normalizeImageRef(c.image)) ?? (images.some((i) => i.id === c.image) ? c.image : undefined);
      if (id) inUse.add(id);
    }
    for (const i of images) {
      if (inUse.has(i.id)) this.lastUsed.set(i.id, now);
      else if (!this.lastUsed.has(i.id)) this.lastUsed.set(i.id, now);
    }
    for (const id of this.lastUsed.keys()) if (!images.some((i) => i.id === id)) this.lastUsed.delete(id);
    return inUse;
  }

  /** Bytes to free for this filesystem usage (0 under the high threshold). */
  wanted(fs: Capacity): number {
    if (fs.capacity <= 0) return 0;
    const used = fs.capacity - fs.available;
    if ((used / fs.capacity) * 100 < this.policy.highPercent) return 0;
    return Math.max(0, used - (this.policy.lowPercent / 100) * fs.capacity);
  }

  /** One collection pass against the given filesystem figures. Never removes an image in use or pinned. */
  async collect(fs: Capacity): Promise<GcResult> {
    const images = await this.runtime.listImages();
    const inUse = await this.detect(images);
    const wantedBytes = this.wanted(fs);
    const result: GcResult = { removed: [], freedBytes: 0, wantedBytes };
    if (wantedBytes <= 0) return result;
    const candidates = images
      .filter((i) => !inUse.has(i.id) && !i.repoTags.some((t) => this.policy.pinned(t)))
      .sort((a, b) => (this.lastUsed.get(a.id) ?? 0) - (this.lastUsed.get(b.id) ?? 0) || a.createdAt - b.createdAt);
    for (const img of candidates) {
      if (result.freedBytes >= wantedBytes) break;
      try {
        // Each tag, then (untagged) the id: never a forced delete, so the engine guards what others use.
        if (img.repoTags.length === 0) await this.runtime.removeImage(img.id);
        for (const t of img.repoTags) await this.runtime.removeImage(t);
      } catch (e) {
        if (e instanceof ImageInUseError) continue;
        throw e;
      }
      this.lastUsed.delete(img.id);
      result.removed.push({ id: img.id, tags: [...img.repoTags], sizeBytes: img.sizeBytes });
      result.freedBytes += img.sizeBytes;
    }
    return result;
  }
}
