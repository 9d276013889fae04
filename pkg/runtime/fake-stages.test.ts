import { describe, expect, it } from "vitest";
import { FakeClock } from "../util/clock.js";
import { FakeRuntime } from "./fake.js";
import { DEFAULT_JOB_MS, FakeStageError, parseDurationMs, parseStages } from "./fake-stages.js";
import { LABELS, type ContainerSpec } from "./runtime.js";

function spec(name: string, labels: Record<string, string>): ContainerSpec {
  return { name, image: "busybox:latest", labels: { [LABELS.podUid]: "u", [LABELS.node]: "n", [LABELS.container]: name, ...labels } };
}

async function runOn(rt: FakeRuntime, s: ContainerSpec): Promise<string> {
  const id = await rt.create(s);
  await rt.start(id);
  return id;
}

describe("fake stages", () => {
  it("default table: init containers and Job containers exit 0, sidecars and others keep running", async () => {
    const clock = new FakeClock(0);
    const rt = new FakeRuntime({ clock, images: ["busybox"] });
    const init = await runOn(rt, spec("init", { [LABELS.containerType]: "init" }));
    const job = await runOn(rt, spec("job", { [LABELS.containerType]: "app", [LABELS.ownerKind]: "Job" }));
    const web = await runOn(rt, spec("web", { [LABELS.containerType]: "app", [LABELS.ownerKind]: "ReplicaSet" }));
    const side = await runOn(rt, spec("side", { [LABELS.containerType]: "sidecar", [LABELS.ownerKind]: "Job" }));
    await clock.advance(1000);
    expect(await rt.inspect(init)).toMatchObject({ state: "exited", exitCode: 0 });
    expect((await rt.inspect(job)).state).toBe("running");
    await clock.advance(DEFAULT_JOB_MS - 1000);
    expect(await rt.inspect(job)).toMatchObject({ state: "exited", exitCode: 0 });
    await clock.advance(3_600_000);
    expect((await rt.inspect(web)).state).toBe("running");
    expect((await rt.inspect(side)).state).toBe("running");
    await rt.close();
  });

  it("pod annotations (copied to labels) choose exit code, duration, OOM and never-exit, per pod or per container", async () => {
    const clock = new FakeClock(0);
    const rt = new FakeRuntime({ clock, images: ["busybox"] });
    const app = { [LABELS.containerType]: "app", [LABELS.ownerKind]: "Job" };
    const failing = await runOn(rt, spec("a", { ...app, "fake.skiff.dev/exit-code": "3", "fake.skiff.dev/duration": "2s" }));
    const oom = await runOn(rt, spec("b", { ...app, "fake.skiff.dev/oom-after.b": "500ms" }));
    const forever = await runOn(rt, spec("c", { ...app, "fake.skiff.dev/never-exit": "true" }));
    const other = await runOn(rt, spec("d", { ...app, "fake.skiff.dev/exit-code.zzz": "9" }));
    await clock.advance(600);
    expect(await rt.inspect(oom)).toMatchObject({ state: "exited", exitCode: 137, oomKilled: true, reason: "OOMKilled" });
    await clock.advance(1400);
    expect(await rt.inspect(failing)).toMatchObject({ state: "exited", exitCode: 3 });
    await clock.advance(DEFAULT_JOB_MS);
    expect((await rt.inspect(forever)).state).toBe("running");
    expect(await rt.inspect(other)).toMatchObject({ state: "exited", exitCode: 0 }); // the annotation names another container
    await rt.close();
  });

  it("a custom table replaces the default one", async () => {
    const clock = new FakeClock(0);
    const stages = parseStages(`
stages:
- name: busybox-crashes
  match: {image: busybox}
  duration: 1m30s
  exitCode: 2
`);
    expect(stages).toEqual([{ name: "busybox-crashes", match: { image: "busybox" }, durationMs: 90_000, exitCode: 2 }]);
    const rt = new FakeRuntime({ clock, images: ["busybox"], stages });
    const init = await runOn(rt, spec("init", { [LABELS.containerType]: "init" }));
    await clock.advance(89_000);
    expect((await rt.inspect(init)).state).toBe("running");
    await clock.advance(1000);
    expect(await rt.inspect(init)).toMatchObject({ state: "exited", exitCode: 2 });
    await rt.close();
  });

  it("rejects a bad table naming the field", () => {
    expect(() => parseStages("stages:\n- name: x\n  duration: soon\n")).toThrow(new FakeStageError('stages[0].duration: Invalid value: "soon": must be a duration such as "500ms", "2s" or "1m30s"'));
    expect(() => parseStages("stages:\n- name: x\n  match: {containerType: pod}\n")).toThrow(/stages\[0\]\.match\.containerType: Unsupported value/);
    expect(() => parseStages("stages:\n- name: x\n  exitCode: 300\n")).toThrow(/stages\[0\]\.exitCode: Invalid value: 300/);
    expect(() => parseStages("stages:\n- match: {}\n")).toThrow(/stages\[0\]\.name: Required value/);
    expect(() => parseStages("nope: 1\n")).toThrow(/^stages: Required value/);
    expect(parseDurationMs("250ms", "x")).toBe(250);
    expect(parseDurationMs("1h2m", "x")).toBe(3_720_000);
  });
});
