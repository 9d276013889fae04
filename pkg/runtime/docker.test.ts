// Engine-free checks of the Docker translation; the real engine is exercised in
// test/e2e/runtime-docker.test.ts.
import type Dockerode from "dockerode";
import { describe, expect, it } from "vitest";
import { parseDockerEvent } from "./docker-events.js";
import { engineMessage, toCreateOptions, toStatus } from "./docker.js";
import { LABELS, normalizeImageRef, type ContainerSpec } from "./runtime.js";

const labels = { [LABELS.podUid]: "u1", [LABELS.node]: "n1", [LABELS.container]: "web" };

describe("toCreateOptions", () => {
  it("maps limits, ports, mounts, env and Kubernetes command/args", () => {
    const spec: ContainerSpec = {
      name: "skiff_web",
      image: "skiff/busybox:latest",
      command: ["httpd"],
      args: ["-f", "-p", "8080"],
      env: { A: "1", B: "x=y" },
      workingDir: "/www",
      labels,
      resources: { cpuMilli: 500, memoryBytes: 32 * 1024 * 1024 },
      ports: [{ containerPort: 8080, hostIP: "127.244.0.5", protocol: "TCP" }, { containerPort: 53, hostIP: "127.244.0.5", hostPort: 5353, protocol: "UDP" }],
      mounts: [{ hostPath: "/tmp/v", containerPath: "/data", readOnly: true }],
      stopSignal: "SIGQUIT",
    };
    const o = toCreateOptions(spec);
    expect(o).toMatchObject({
      name: "skiff_web",
      Image: "skiff/busybox:latest",
      Entrypoint: ["httpd"],
      Cmd: ["-f", "-p", "8080"],
      Env: ["A=1", "B=x=y"],
      WorkingDir: "/www",
      StopSignal: "SIGQUIT",
      Labels: labels,
      ExposedPorts: { "8080/tcp": {}, "53/udp": {} },
      HostConfig: {
        Memory: 33554432,
        MemorySwap: 33554432,
        CpuQuota: 50000,
        CpuPeriod: 100000,
        RestartPolicy: { Name: "no" },
        PortBindings: { "8080/tcp": [{ HostIp: "127.244.0.5", HostPort: "8080" }], "53/udp": [{ HostIp: "127.244.0.5", HostPort: "5353" }] },
        Mounts: [{ Type: "bind", Source: "/tmp/v", Target: "/data", ReadOnly: true }],
      },
    });
  });

  it("keeps the image entrypoint when only args are given, and clamps tiny CPU quotas", () => {
    const o = toCreateOptions({ name: "x", image: "i", args: ["a"], labels, resources: { cpuMilli: 1 } });
    expect(o.Entrypoint).toBeUndefined();
    expect(o.Cmd).toEqual(["a"]);
    expect(o.HostConfig?.CpuQuota).toBe(1000);
    expect(o.HostConfig?.Memory).toBeUndefined();
  });
});

function info(state: Partial<Dockerode.ContainerInspectInfo["State"]>): Dockerode.ContainerInspectInfo {
  return {
    Id: "abc",
    Name: "/skiff_web",
    Created: "2026-01-01T00:00:00.5Z",
    Config: { Image: "skiff/busybox:latest", Labels: labels },
    State: { Status: "running", Running: true, Paused: false, Restarting: false, OOMKilled: false, Dead: false, Pid: 42, ExitCode: 0, Error: "", StartedAt: "2026-01-01T00:00:01Z", FinishedAt: "0001-01-01T00:00:00Z", ...state },
  } as unknown as Dockerode.ContainerInspectInfo;
}

describe("toStatus", () => {
  it("reads a running container", () => {
    const s = toStatus(info({}));
    expect(s).toMatchObject({ id: "abc", name: "skiff_web", state: "running", pid: 42, startedAt: Date.parse("2026-01-01T00:00:01Z"), createdAt: Date.parse("2026-01-01T00:00:00.5Z") });
    expect(s.finishedAt).toBeUndefined();
    expect(s.exitCode).toBeUndefined();
  });

  it("prefers OOMKilled over the exit code, and reads Completed and Error", () => {
    const ended = { Status: "exited", Running: false, Pid: 0, FinishedAt: "2026-01-01T00:00:02Z" } as const;
    expect(toStatus(info({ ...ended, ExitCode: 137, OOMKilled: true }))).toMatchObject({ state: "exited", reason: "OOMKilled", exitCode: 137, oomKilled: true });
    expect(toStatus(info({ ...ended, ExitCode: 0 }))).toMatchObject({ reason: "Completed", finishedAt: Date.parse("2026-01-01T00:00:02Z") });
    expect(toStatus(info({ ...ended, ExitCode: 2 })).reason).toBe("Error");
  });

  it("treats a created container with a start error as exited", () => {
    const s = toStatus(info({ Status: "created", Running: false, Pid: 0, ExitCode: 127, Error: "exec: nope", StartedAt: "0001-01-01T00:00:00Z" }));
    expect(s).toMatchObject({ state: "exited", exitCode: 127, reason: "Error", message: "exec: nope" });
    expect(s.startedAt).toBeUndefined();
    expect(toStatus(info({ Status: "created", Running: false, Pid: 0 })).state).toBe("created");
  });
});

describe("parseDockerEvent", () => {
  it("keeps start/die/oom of containers with skiff labels only", () => {
    const line = JSON.stringify({ Type: "container", Action: "die", Actor: { ID: "abc", Attributes: { ...labels, exitCode: "3", name: "skiff_web", image: "i", other: "x" } }, time: 1, timeNano: 1_700_000_000_123_456_789 });
    expect(parseDockerEvent(line)).toEqual({ type: "die", id: "abc", labels, exitCode: 3, time: 1_700_000_000_123 });
    expect(parseDockerEvent(JSON.stringify({ Type: "container", Action: "create", Actor: { ID: "a" } }))).toBeUndefined();
    expect(parseDockerEvent(JSON.stringify({ Type: "network", Action: "die", Actor: { ID: "a" } }))).toBeUndefined();
    expect(parseDockerEvent("not json")).toBeUndefined();
  });
});

describe("small helpers", () => {
  it("strips docker-modem's prefix from engine messages", () => {
    const err = Object.assign(new Error("(HTTP code 404) no such container - No such container: x"), { statusCode: 404, json: { message: "No such container: x" } });
    expect(engineMessage(err)).toBe("No such container: x");
    expect(engineMessage(new Error("(HTTP code 500) server error - boom"))).toBe("boom");
  });

  it("normalizes image references", () => {
    expect(normalizeImageRef("busybox")).toBe("busybox:latest");
    expect(normalizeImageRef("localhost:5000/app")).toBe("localhost:5000/app:latest");
    expect(normalizeImageRef("app:1.2")).toBe("app:1.2");
    expect(normalizeImageRef("app@sha256:abc")).toBe("app@sha256:abc");
  });
});
