import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { startHarness, containerStatus, type Harness } from "./testing.js";
import { ApiError } from "../api/errors.js";

describe("agent exec", () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness();
  });
  afterEach(async () => {
    await h.close();
  });

  it("runs a command in the running container and returns its output and exit code", async () => {
    await h.createPod("web", {});
    const pod = await h.until(async () => {
      const p = await h.getPod("web");
      return containerStatus(p, "main")?.state?.running ? p : undefined;
    }, "running");
    expect(await h.agent.exec(pod, { command: ["echo", "a", "b"] })).toEqual({ exitCode: 0, stdout: "a b\n", stderr: "" });
    expect((await h.agent.exec(pod, { command: ["sh", "-c", "exit 7"] })).exitCode).toBe(7);
  });

  it("refuses unknown containers, empty commands and pods without a running container", async () => {
    const pod = await h.createPod("idle", {});
    await expect(h.agent.exec(pod, { container: "nope", command: ["ls"] })).rejects.toThrow(/not valid for pod idle/);
    await expect(h.agent.exec(pod, { command: [] })).rejects.toBeInstanceOf(ApiError);
    const ghost = { ...pod, metadata: { ...pod.metadata, uid: "not-started" } };
    await expect(h.agent.exec(ghost, { command: ["ls"] })).rejects.toThrow(/not running/);
  });
});
