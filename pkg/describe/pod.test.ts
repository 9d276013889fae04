import { beforeAll, describe, expect, it } from "vitest";
import type { CoreV1Event, V1Pod } from "@kubernetes/client-node";
import { describePod, podQosClass, probeText } from "./pod.js";

beforeAll(() => {
  process.env.TZ = "UTC";
});

const now = new Date("2026-01-01T12:00:00Z");

function crashPod(): V1Pod {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      name: "oom",
      namespace: "labs",
      uid: "u1",
      labels: { app: "oom", tier: "be" },
      annotations: { "kubectl.kubernetes.io/last-applied-configuration": "{}", note: "x" },
      ownerReferences: [{ apiVersion: "apps/v1", kind: "ReplicaSet", name: "oom-5d4f", uid: "rs", controller: true }],
    },
    spec: {
      nodeName: "n1",
      containers: [
        {
          name: "app",
          image: "busybox:1.36",
          ports: [{ containerPort: 8080, protocol: "TCP" }],
          resources: { requests: { cpu: "100m", memory: "64Mi" }, limits: { memory: "64Mi" } },
          livenessProbe: { httpGet: { path: "/healthz", port: 8080 as unknown as never }, periodSeconds: 10, timeoutSeconds: 1, successThreshold: 1, failureThreshold: 3 },
          env: [{ name: "MODE", value: "hog" }],
          volumeMounts: [{ name: "data", mountPath: "/data" }],
        },
      ],
      volumes: [{ name: "data", emptyDir: {} }],
      tolerations: [{ key: "node.kubernetes.io/not-ready", operator: "Exists", effect: "NoExecute", tolerationSeconds: 300 }],
    },
    status: {
      phase: "Running",
      hostIP: "10.0.0.1",
      podIP: "127.128.0.7",
      podIPs: [{ ip: "127.128.0.7" }],
      startTime: new Date("2026-01-01T11:00:00Z"),
      conditions: [
        { type: "Ready", status: "False" },
        { type: "PodScheduled", status: "True" },
      ],
      containerStatuses: [
        {
          name: "app",
          image: "busybox:1.36",
          imageID: "sha256:abc",
          containerID: "docker://c1",
          ready: false,
          restartCount: 5,
          state: { waiting: { reason: "CrashLoopBackOff", message: "back-off 2m40s" } },
          lastState: { terminated: { exitCode: 137, reason: "OOMKilled", startedAt: new Date("2026-01-01T11:58:00Z"), finishedAt: new Date("2026-01-01T11:58:30Z") } },
        },
      ],
    },
  };
}

const event = (reason: string, type: string, message: string, last: string, count = 1, first = last): CoreV1Event => ({
  metadata: { name: reason, namespace: "labs" },
  involvedObject: { kind: "Pod", name: "oom", namespace: "labs" },
  reason,
  type,
  message,
  count,
  firstTimestamp: new Date(first),
  lastTimestamp: new Date(last),
  source: { component: reason === "Scheduled" ? "default-scheduler" : "kubelet" },
});

describe("describePod", () => {
  const out = describePod(crashPod(), {
    now,
    events: [event("BackOff", "Warning", "Back-off restarting failed container", "2026-01-01T11:59:00Z", 12, "2026-01-01T11:40:00Z"), event("Scheduled", "Normal", "Successfully assigned labs/oom to n1", "2026-01-01T11:00:00Z")],
  });
  const lines = out.split("\n");

  it("prints the header fields aligned like kubectl", () => {
    expect(lines.slice(0, 4)).toEqual(["Name:         oom", "Namespace:    labs", "Node:         n1/10.0.0.1", "Start Time:   Thu, 01 Jan 2026 11:00:00 +0000"]);
    expect(out).toContain("Labels:       app=oom\n              tier=be\n");
    // last-applied-configuration is hidden, as kubectl hides it.
    expect(out).toContain("Annotations:  note: x\n");
    expect(out).toContain("Status:       Running\n");
    // "IPs:" has no tab, so the next lines form a new alignment block (as in kubectl).
    expect(out).toContain("IP:           127.128.0.7\nIPs:\n  IP:           127.128.0.7\n");
    expect(out).toContain("Controlled By:  ReplicaSet/oom-5d4f\n");
  });

  it("shows a crash-looping container with its OOMKilled last state", () => {
    expect(out).toContain(
      [
        "    State:          Waiting",
        "      Reason:       CrashLoopBackOff",
        "    Last State:     Terminated",
        "      Reason:       OOMKilled",
        "      Exit Code:    137",
        "      Started:      Thu, 01 Jan 2026 11:58:00 +0000",
        "      Finished:     Thu, 01 Jan 2026 11:58:30 +0000",
        "    Ready:          False",
        "    Restart Count:  5",
      ].join("\n"),
    );
    expect(out).toContain("    Limits:\n      memory:  64Mi\n    Requests:\n      cpu:     100m\n      memory:  64Mi\n");
    expect(out).toContain("    Liveness:  http-get http://:8080/healthz delay=0s timeout=1s period=10s #success=1 #failure=3\n");
    expect(out).toContain("    Environment:\n      MODE:  hog\n    Mounts:\n      /data from data (rw)\n");
  });

  it("prints conditions, volumes, QoS, selectors, tolerations and the events table", () => {
    expect(out).toContain("Conditions:\n  Type           Status\n  Ready          False \n  PodScheduled   True \n");
    expect(out).toContain("  data:\n    Type:        EmptyDir (a temporary directory that shares a pod's lifetime)\n    Medium:      \n    SizeLimit:   <unset>\n");
    expect(out).toContain("QoS Class:       Burstable\n");
    expect(out).toContain("Node-Selectors:  <none>\n");
    expect(out).toContain("Tolerations:     node.kubernetes.io/not-ready:NoExecute op=Exists for 300s\n");
    // Oldest first; a repeated event says how often and over how long.
    expect(out.endsWith(
      [
        "Events:",
        "  Type     Reason     Age                 From               Message",
        "  ----     ------     ----                ----               -------",
        "  Normal   Scheduled  60m                 default-scheduler  Successfully assigned labs/oom to n1",
        "  Warning  BackOff    60s (x12 over 20m)  kubelet            Back-off restarting failed container",
        "",
      ].join("\n"),
    )).toBe(true);
  });

  it("says <none> for no events, and leaves the block out when events were not asked for", () => {
    expect(describePod(crashPod(), { now, events: [] })).toMatch(/\nEvents:\s+<none>\n$/);
    expect(describePod(crashPod(), { now })).not.toContain("Events:");
  });

  it("shows a terminating pod's grace period", () => {
    const p = crashPod();
    p.metadata!.deletionTimestamp = new Date("2026-01-01T11:59:30Z");
    p.metadata!.deletionGracePeriodSeconds = 30;
    const text = describePod(p, { now });
    expect(text).toMatch(/Status:\s+Terminating \(lasts 30s\)\n/);
    expect(text).toMatch(/Termination Grace Period:\s+30s\n/);
  });
});

describe("podQosClass", () => {
  const pod = (resources: object): V1Pod => ({ spec: { containers: [{ name: "c", resources }] } });
  it("classifies like qos.GetPodQOS", () => {
    expect(podQosClass(pod({}))).toBe("BestEffort");
    expect(podQosClass(pod({ limits: { cpu: "1", memory: "1Gi" }, requests: { cpu: "1", memory: "1Gi" } }))).toBe("Guaranteed");
    expect(podQosClass(pod({ limits: { cpu: "1", memory: "1Gi" }, requests: { cpu: "500m", memory: "1Gi" } }))).toBe("Burstable");
    expect(podQosClass(pod({ requests: { cpu: "100m" } }))).toBe("Burstable");
    expect(podQosClass({ ...pod({}), status: { qosClass: "Guaranteed" } })).toBe("Guaranteed");
  });
});

describe("probeText", () => {
  it("formats exec and tcp probes", () => {
    expect(probeText({ exec: { command: ["cat", "/tmp/ok"] }, initialDelaySeconds: 5, timeoutSeconds: 1, periodSeconds: 5, successThreshold: 1, failureThreshold: 3 })).toBe(
      "exec [cat /tmp/ok] delay=5s timeout=1s period=5s #success=1 #failure=3",
    );
    expect(probeText({ tcpSocket: { port: 6379 as unknown as never } })).toBe("tcp-socket :6379 delay=0s timeout=0s period=0s #success=0 #failure=0");
  });
});
