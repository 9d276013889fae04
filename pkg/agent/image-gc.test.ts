import { describe, expect, it } from "vitest";
import { FakeRuntime } from "../runtime/fake.js";
import { ImageInUseError, LABELS } from "../runtime/runtime.js";
import { FakeClock } from "../util/clock.js";
import { DEFAULT_IMAGE_GC, ImageGc } from "./image-gc.js";

const MB = 1024 * 1024;
const fs = (capacity: number, used: number) => ({ capacity, available: capacity - used });

async function runtimeWith(clock: FakeClock): Promise<FakeRuntime> {
  const rt = new FakeRuntime({ clock });
  rt.putImage("old:1", 30 * MB, clock.now() - 3_000);
  rt.putImage("mid:1", 30 * MB, clock.now() - 2_000);
  rt.putImage("new:1", 30 * MB, clock.now() - 1_000);
  rt.putImage("used:1", 50 * MB);
  rt.putImage("skiff/busybox:latest", 2 * MB);
  const id = await rt.create({ name: "c1", image: "used:1", labels: { [LABELS.podUid]: "u1", [LABELS.node]: "n1", [LABELS.container]: "c" } });
  await rt.start(id);
  return rt;
}

const tags = async (rt: FakeRuntime) => (await rt.listImages()).flatMap((i) => i.repoTags).sort();

describe("image GC", () => {
  it("does nothing under the high threshold (85%)", async () => {
    const clock = new FakeClock();
    const rt = await runtimeWith(clock);
    const gc = new ImageGc(rt, clock);
    const r = await gc.collect(fs(1000 * MB, 840 * MB));
    expect(r).toEqual({ removed: [], freedBytes: 0, wantedBytes: 0 });
    expect(await tags(rt)).toHaveLength(5);
  });

  it("past 85% frees down to 80%, least recently used first, never an image in use or pinned", async () => {
    const clock = new FakeClock();
    const rt = await runtimeWith(clock);
    const gc = new ImageGc(rt, clock);
    await gc.detect(await rt.listImages());
    // "old" was in use until a moment ago: more recently used than the others, so it goes last
    const id = await rt.create({ name: "c2", image: "old:1", labels: { [LABELS.podUid]: "u2", [LABELS.node]: "n1", [LABELS.container]: "c" } });
    await clock.advance(60_000);
    await gc.detect(await rt.listImages());
    await rt.remove(id);
    await clock.advance(60_000);
    // 90% used of 1000 MB: 100 MB over the 80% mark; the unused images are 30 MB each
    const r = await gc.collect(fs(1000 * MB, 900 * MB));
    expect(r.wantedBytes).toBe(100 * MB);
    expect(r.removed.map((x) => x.tags[0])).toEqual(["mid:1", "new:1", "old:1"]);
    expect(r.freedBytes).toBe(90 * MB);
    expect(await tags(rt)).toEqual(["skiff/busybox:latest", "used:1"]);
  });

  it("stops as soon as enough is freed", async () => {
    const clock = new FakeClock();
    const rt = await runtimeWith(clock);
    const gc = new ImageGc(rt, clock);
    const r = await gc.collect(fs(1000 * MB, 860 * MB)); // 60 MB to free: two of the 30 MB images
    expect(r.removed.map((x) => x.tags[0])).toEqual(["old:1", "mid:1"]);
    expect(await tags(rt)).toEqual(["new:1", "skiff/busybox:latest", "used:1"]);
  });

  it("pinning is the policy's: unpinned, skiff/ images go too; the runtime itself refuses an image in use", async () => {
    const clock = new FakeClock();
    const rt = await runtimeWith(clock);
    await expect(rt.removeImage("used:1")).rejects.toBeInstanceOf(ImageInUseError);
    const gc = new ImageGc(rt, clock, { ...DEFAULT_IMAGE_GC, pinned: () => false });
    const r = await gc.collect(fs(1000 * MB, 999 * MB));
    expect(r.removed.map((x) => x.tags[0]).sort()).toEqual(["mid:1", "new:1", "old:1", "skiff/busybox:latest"]);
    expect(await tags(rt)).toEqual(["used:1"]);
  });
});
