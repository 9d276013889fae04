import { describe, expect, it } from "vitest";
import { podPrinter, podReady, podRestarts, podStatusReason, type ContainerStatusLike, type PodLike } from "./pod.js";

const now = new Date("2024-05-01T12:00:00Z");
const ago = (ms: number): string => new Date(now.getTime() - ms).toISOString();

function pod(status: PodLike["status"], spec: Partial<NonNullable<PodLike["spec"]>> = {}, meta: Partial<NonNullable<PodLike["metadata"]>> = {}): PodLike {
  return {
    metadata: { name: "web-1", creationTimestamp: ago(60 * 60_000), ...meta },
    spec: { containers: [{ name: "web" }], ...spec },
    status,
  };
}

const running = (name = "web", extra: Partial<ContainerStatusLike> = {}): ContainerStatusLike => ({
  name,
  ready: true,
  restartCount: 0,
  state: { running: { startedAt: ago(60_000) } },
  ...extra,
});

const waiting = (reason: string, extra: Partial<ContainerStatusLike> = {}): ContainerStatusLike => ({
  name: "web",
  ready: false,
  restartCount: 0,
  state: { waiting: { reason } },
  ...extra,
});

const terminated = (t: { reason?: string; exitCode: number; signal?: number }, name = "web"): ContainerStatusLike => ({
  name,
  ready: false,
  restartCount: 0,
  state: { terminated: { ...t, finishedAt: ago(10_000) } },
});

describe("podStatusReason", () => {
  it("shows the phase when nothing more specific is known", () => {
    expect(podStatusReason(pod({ phase: "Pending" }))).toBe("Pending");
  });

  it("shows a waiting container's reason while it is being created", () => {
    const p = pod({ phase: "Pending", containerStatuses: [waiting("ContainerCreating")] });
    expect(podStatusReason(p, now)).toBe("ContainerCreating");
    expect(podReady(p)).toBe("0/1");
  });

  it("is Running with every container ready", () => {
    const p = pod({ phase: "Running", containerStatuses: [running()] });
    expect(podStatusReason(p)).toBe("Running");
    expect(podReady(p)).toBe("1/1");
    expect(podRestarts(p, now)).toBe("0");
  });

  it("shows CrashLoopBackOff with the restart count and when the last restart happened", () => {
    const p = pod({
      phase: "Running",
      containerStatuses: [
        waiting("CrashLoopBackOff", {
          restartCount: 5,
          lastState: { terminated: { exitCode: 1, reason: "Error", finishedAt: ago(30_000) } },
        }),
      ],
    });
    expect(podStatusReason(p)).toBe("CrashLoopBackOff");
    expect(podRestarts(p, now)).toBe("5 (30s ago)");
  });

  it("lets the first container's reason win (containers are walked last to first)", () => {
    const p = pod(
      { phase: "Pending", containerStatuses: [waiting("ImagePullBackOff"), { ...waiting("ErrImagePull"), name: "b" }] },
      { containers: [{ name: "web" }, { name: "b" }] },
    );
    expect(podStatusReason(p)).toBe("ImagePullBackOff");
  });

  it("is Completed for a pod whose containers exited 0", () => {
    expect(podStatusReason(pod({ phase: "Succeeded", containerStatuses: [terminated({ reason: "Completed", exitCode: 0 })] }))).toBe(
      "Completed",
    );
  });

  it("shows Error, ExitCode:N or Signal:N for a failed container", () => {
    expect(podStatusReason(pod({ phase: "Failed", containerStatuses: [terminated({ reason: "Error", exitCode: 1 })] }))).toBe("Error");
    expect(podStatusReason(pod({ phase: "Failed", containerStatuses: [terminated({ exitCode: 2 })] }))).toBe("ExitCode:2");
    expect(podStatusReason(pod({ phase: "Failed", containerStatuses: [terminated({ exitCode: 137, signal: 9 })] }))).toBe("Signal:9");
  });

  it("shows OOMKilled", () => {
    expect(podStatusReason(pod({ phase: "Failed", containerStatuses: [terminated({ reason: "OOMKilled", exitCode: 137 })] }))).toBe(
      "OOMKilled",
    );
  });

  it("turns Completed back into Running/NotReady while another container still runs", () => {
    const spec = { containers: [{ name: "web" }, { name: "job" }] };
    const statuses = [running("web"), terminated({ reason: "Completed", exitCode: 0 }, "job")];
    const ready = pod({ phase: "Running", conditions: [{ type: "Ready", status: "True" }], containerStatuses: statuses }, spec);
    const notReady = pod({ phase: "Running", conditions: [{ type: "Ready", status: "False" }], containerStatuses: statuses }, spec);
    expect(podStatusReason(ready)).toBe("Running");
    expect(podStatusReason(notReady)).toBe("NotReady");
    expect(podReady(ready)).toBe("1/2");
  });

  it("is Terminating once deletionTimestamp is set, unless the pod already finished", () => {
    const deleting = { deletionTimestamp: ago(1000) };
    expect(podStatusReason(pod({ phase: "Running", containerStatuses: [running()] }, {}, deleting))).toBe("Terminating");
    expect(
      podStatusReason(pod({ phase: "Succeeded", containerStatuses: [terminated({ reason: "Completed", exitCode: 0 })] }, {}, deleting)),
    ).toBe("Completed");
  });

  it("shows NodeLost, and Unknown once such a pod is being deleted", () => {
    const lost = { phase: "Running", reason: "NodeLost", containerStatuses: [running()] };
    expect(podStatusReason(pod(lost))).toBe("NodeLost");
    expect(podStatusReason(pod(lost, {}, { deletionTimestamp: ago(1000) }))).toBe("Unknown");
  });

  it("counts init containers done: Init:1/2", () => {
    const p = pod(
      {
        phase: "Pending",
        initContainerStatuses: [
          terminated({ reason: "Completed", exitCode: 0 }, "init-a"),
          { name: "init-b", ready: false, restartCount: 0, state: { running: {} } },
        ],
        containerStatuses: [waiting("PodInitializing")],
      },
      { initContainers: [{ name: "init-a" }, { name: "init-b" }] },
    );
    expect(podStatusReason(p)).toBe("Init:1/2");
    expect(podReady(p)).toBe("0/1");
  });

  it("treats an init container waiting on PodInitializing as not started: Init:0/1", () => {
    const p = pod(
      { phase: "Pending", initContainerStatuses: [{ ...waiting("PodInitializing"), name: "init" }] },
      { initContainers: [{ name: "init" }] },
    );
    expect(podStatusReason(p)).toBe("Init:0/1");
  });

  it("shows Init:CrashLoopBackOff with the init container's restarts", () => {
    const p = pod(
      {
        phase: "Pending",
        initContainerStatuses: [
          {
            ...waiting("CrashLoopBackOff"),
            name: "init",
            restartCount: 3,
            lastState: { terminated: { exitCode: 1, finishedAt: ago(130_000) } },
          },
        ],
      },
      { initContainers: [{ name: "init" }] },
    );
    expect(podStatusReason(p)).toBe("Init:CrashLoopBackOff");
    expect(podRestarts(p, now)).toBe("3 (2m10s ago)");
  });

  it("shows Init:Error and Init:ExitCode:N for a failed init container", () => {
    const spec = { initContainers: [{ name: "init" }] };
    expect(podStatusReason(pod({ phase: "Pending", initContainerStatuses: [terminated({ reason: "Error", exitCode: 1 }, "init")] }, spec))).toBe(
      "Init:Error",
    );
    expect(podStatusReason(pod({ phase: "Pending", initContainerStatuses: [terminated({ exitCode: 3 }, "init")] }, spec))).toBe(
      "Init:ExitCode:3",
    );
  });

  it("counts a started sidecar (restartable init container) in READY and RESTARTS", () => {
    const p = pod(
      {
        phase: "Running",
        conditions: [{ type: "Initialized", status: "True" }],
        initContainerStatuses: [
          {
            ...running("proxy"),
            started: true,
            restartCount: 2,
            lastState: { terminated: { exitCode: 1, finishedAt: ago(5 * 60_000) } },
          },
        ],
        containerStatuses: [running("web")],
      },
      { initContainers: [{ name: "proxy", restartPolicy: "Always" }] },
    );
    expect(podReady(p)).toBe("2/2");
    expect(podStatusReason(p)).toBe("Running");
    expect(podRestarts(p, now)).toBe("2 (5m ago)");
  });

  it("shows SchedulingGated while scheduling gates remain", () => {
    const p = pod({ phase: "Pending", conditions: [{ type: "PodScheduled", status: "False", reason: "SchedulingGated" }] });
    expect(podStatusReason(p)).toBe("SchedulingGated");
  });

  it("prints a bare count when no restart time is known", () => {
    expect(podRestarts(pod({ phase: "Running", containerStatuses: [running("web", { restartCount: 4 })] }), now)).toBe("4");
  });
});

describe("podPrinter", () => {
  it("has the apiserver's columns, the last four only with -o wide", () => {
    expect(podPrinter.columns.map((c) => [c.name, c.priority])).toEqual([
      ["Name", 0],
      ["Ready", 0],
      ["Status", 0],
      ["Restarts", 0],
      ["Age", 0],
      ["IP", 1],
      ["Node", 1],
      ["Nominated Node", 1],
      ["Readiness Gates", 1],
    ]);
    expect(podPrinter.columns[0].format).toBe("name");
  });

  it("prints a running pod's row, wide cells included", () => {
    const p = pod(
      {
        phase: "Running",
        podIP: "127.244.0.5",
        conditions: [{ type: "example.com/gate", status: "True" }],
        containerStatuses: [running()],
      },
      { nodeName: "node-1", readinessGates: [{ conditionType: "example.com/gate" }, { conditionType: "example.com/other" }] },
    );
    expect(podPrinter.row(p, now)).toEqual({
      cells: ["web-1", "1/1", "Running", "0", "60m", "127.244.0.5", "node-1", "<none>", "1/2"],
    });
  });

  it("prefers podIPs and shows <none> for an unscheduled pod", () => {
    const withIPs = pod({ phase: "Running", podIP: "10.0.0.9", podIPs: [{ ip: "10.0.0.1" }] });
    expect(podPrinter.row(withIPs, now).cells[5]).toBe("10.0.0.1");
    const pending = podPrinter.row(pod({ phase: "Pending" }), now).cells;
    expect(pending.slice(5)).toEqual(["<none>", "<none>", "<none>", "<none>"]);
  });

  it("marks finished pods with a Completed row condition", () => {
    const done = podPrinter.row(pod({ phase: "Succeeded" }), now);
    expect(done.conditions).toEqual([
      { type: "Completed", status: "True", reason: "Succeeded", message: "The pod has completed successfully." },
    ]);
    expect(podPrinter.row(pod({ phase: "Failed" }), now).conditions?.[0].reason).toBe("Failed");
    expect(podPrinter.row(pod({ phase: "Running" }), now).conditions).toBeUndefined();
  });
});
