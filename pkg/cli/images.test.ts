import { describe, expect, it } from "vitest";
import type { KubeObject } from "../api/types.js";
import { humanSize, imageRows, imageTable, splitRef } from "./images.js";

const node = (name: string, images: Array<{ names: string[]; sizeBytes: number }>): KubeObject => ({ apiVersion: "v1", kind: "Node", metadata: { name }, status: { images } });
const pod = (name: string, nodeName: string, image: string): KubeObject => ({ apiVersion: "v1", kind: "Pod", metadata: { name, namespace: "default" }, spec: { nodeName, containers: [{ name: "c", image }] } });

describe("skiff images rows", () => {
  it("splits references as Docker does", () => {
    expect(splitRef("busybox")).toEqual(["busybox", "latest"]);
    expect(splitRef("reg:5000/team/app:1.2")).toEqual(["reg:5000/team/app", "1.2"]);
    expect(splitRef("app@sha256:abc")).toEqual(["app", "<none>"]);
  });

  it("one row per node and tag, with the pods of that node using it", () => {
    const nodes = [
      node("node-2", [{ names: ["skiff/busybox:latest", "sha256:7eedb7a04181aaaa"], sizeBytes: 1_980_000 }]),
      node("node-1", [
        { names: ["skiff/busybox:latest", "busybox:1", "sha256:7eedb7a04181aaaa"], sizeBytes: 1_980_000 },
        { names: ["sha256:0123456789abcdef"], sizeBytes: 119_000_000 },
      ]),
    ];
    const pods = [pod("web", "node-1", "skiff/busybox"), pod("api", "node-2", "skiff/busybox:latest"), pod("job", "node-1", "busybox:1")];
    const rows = imageRows(nodes, pods);
    expect(rows.map((r) => [r.node, r.repository, r.tag, r.pods.join(",")])).toEqual([
      ["node-1", "<none>", "<none>", ""],
      ["node-1", "busybox", "1", "default/job"],
      ["node-1", "skiff/busybox", "latest", "default/web"],
      ["node-2", "skiff/busybox", "latest", "default/api"],
    ]);
    const table = imageTable(rows);
    expect(table[0]).toEqual(["NODE", "REPOSITORY", "TAG", "IMAGE ID", "SIZE", "PODS"]);
    expect(table[3]).toEqual(["node-1", "skiff/busybox", "latest", "7eedb7a04181", "1.98MB", "default/web"]);
    expect(table[1]).toEqual(["node-1", "<none>", "<none>", "0123456789ab", "119MB", "<none>"]);
  });

  it("prints sizes like docker images", () => {
    expect(humanSize(999)).toBe("999B");
    expect(humanSize(1_980_000)).toBe("1.98MB");
    expect(humanSize(119_000_000)).toBe("119MB");
    expect(humanSize(25_300_000)).toBe("25.3MB");
  });
});
