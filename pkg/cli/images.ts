// `skiff images`: per node, the images its agent reports in node status
// (status.images, as the kubelet writes them: names and size) and the pods on
// that node whose containers use each one. Built from the API alone.
import type { KubeObject } from "../api/types.js";

export interface ImageRow {
  node: string;
  repository: string;
  tag: string;
  /** e.g. "sha256:7eedb7a04181…" (12 hex digits), "" when the node did not report one. */
  imageId: string;
  sizeBytes: number;
  /** "namespace/name" of the pods on this node using it. */
  pods: string[];
}

interface NodeImages {
  names?: string[];
  sizeBytes?: number;
}

/** "busybox" → ["busybox", "latest"]; "reg:5000/a/b:1" → ["reg:5000/a/b", "1"]; digests keep "<none>" as tag. */
export function splitRef(ref: string): [string, string] {
  const at = ref.indexOf("@");
  if (at >= 0) return [ref.slice(0, at), "<none>"];
  const slash = ref.lastIndexOf("/");
  const colon = ref.lastIndexOf(":");
  return colon > slash ? [ref.slice(0, colon), ref.slice(colon + 1)] : [ref, "latest"];
}

const normal = (ref: string) => splitRef(ref).join(":");

/** One row per node and tag, sorted by node, then repository and tag. Untagged images show <none>. */
export function imageRows(nodes: KubeObject[], pods: KubeObject[]): ImageRow[] {
  const rows: ImageRow[] = [];
  for (const node of nodes) {
    const name = String(node.metadata.name);
    const images = ((node.status as { images?: NodeImages[] } | undefined)?.images ?? []);
    const onNode = pods.filter((p) => (p.spec as { nodeName?: string } | undefined)?.nodeName === name);
    for (const img of images) {
      const names = img.names ?? [];
      const id = names.find((n) => n.startsWith("sha256:")) ?? "";
      const tags = names.filter((n) => !n.startsWith("sha256:") && !n.includes("@"));
      for (const t of tags.length ? tags : ["<none>:<none>"]) {
        const [repository, tag] = t === "<none>:<none>" ? ["<none>", "<none>"] : splitRef(t);
        const users = onNode.filter((p) => {
          const spec = p.spec as { containers?: Array<{ image?: string }>; initContainers?: Array<{ image?: string }> } | undefined;
          return [...(spec?.containers ?? []), ...(spec?.initContainers ?? [])].some((c) => c.image && normal(c.image) === normal(t));
        });
        rows.push({ node: name, repository, tag, imageId: id ? id.slice(0, 19) : "", sizeBytes: img.sizeBytes ?? 0, pods: users.map((p) => `${p.metadata.namespace}/${p.metadata.name}`).sort() });
      }
    }
  }
  return rows.sort((a, b) => a.node.localeCompare(b.node) || a.repository.localeCompare(b.repository) || a.tag.localeCompare(b.tag));
}

/** Sizes as `docker images` prints them (decimal units). */
export function humanSize(bytes: number): string {
  const units = ["B", "kB", "MB", "GB", "TB"];
  let v = bytes;
  let i = 0;
  while (v >= 1000 && i < units.length - 1) {
    v /= 1000;
    i++;
  }
  return i === 0 ? `${v}B` : `${v < 10 ? v.toFixed(2).replace(/\.?0+$/, "") : v < 100 ? v.toFixed(1).replace(/\.0$/, "") : Math.round(v)}${units[i]}`;
}

/** The table's cells, header first: NODE REPOSITORY TAG IMAGE ID SIZE PODS. */
export function imageTable(rows: ImageRow[]): string[][] {
  const out = [["NODE", "REPOSITORY", "TAG", "IMAGE ID", "SIZE", "PODS"]];
  for (const r of rows) out.push([r.node, r.repository, r.tag, r.imageId.replace(/^sha256:/, "").slice(0, 12) || "<none>", humanSize(r.sizeBytes), r.pods.length ? r.pods.join(",") : "<none>"]);
  return out;
}
