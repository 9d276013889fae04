import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { applyDefaults, imageTag } from "./defaults.js";

/* eslint-disable @typescript-eslint/no-explicit-any -- tests poke at arbitrary fields */
/** A KubeObject whose fields the tests can reach into without narrowing. */
type Obj = { apiVersion: string; kind: string; metadata: any; spec?: any; status?: any; [field: string]: any };

const pod = (spec: Record<string, unknown>): Obj => ({ apiVersion: "v1", kind: "Pod", metadata: { name: "p" }, spec });
const defaulted = (o: Obj): Obj => applyDefaults(o) as Obj;

describe("Pod defaults", () => {
  const probe = { httpGet: { port: 8080 } };
  const p = defaulted(
    pod({
      initContainers: [{ name: "init", image: "busybox" }],
      containers: [
        {
          name: "web",
          image: "nginx:1.27",
          ports: [{ containerPort: 80 }],
          livenessProbe: structuredClone(probe),
          readinessProbe: { tcpSocket: { port: 80 } },
          startupProbe: { exec: { command: ["true"] }, periodSeconds: 0 },
          resources: { limits: { cpu: "1", memory: "128Mi" }, requests: { cpu: "250m" } },
        },
      ],
      volumes: [{ name: "scratch" }, { name: "cfg", configMap: { name: "c" } }],
    }),
  );
  const web = p.spec.containers[0];

  it("fills the pod spec", () => {
    expect(p.spec.restartPolicy).toBe("Always");
    expect(p.spec.dnsPolicy).toBe("ClusterFirst");
    expect(p.spec.schedulerName).toBe("default-scheduler");
    expect(p.spec.terminationGracePeriodSeconds).toBe(30);
    expect(p.spec.securityContext).toEqual({});
    expect(p.spec.enableServiceLinks).toBe(true);
  });

  it("fills containers, init containers included", () => {
    for (const c of [web, p.spec.initContainers[0]]) {
      expect(c.terminationMessagePath).toBe("/dev/termination-log");
      expect(c.terminationMessagePolicy).toBe("File");
    }
    expect(web.imagePullPolicy).toBe("IfNotPresent");
    expect(p.spec.initContainers[0].imagePullPolicy).toBe("Always");
    expect(web.ports[0].protocol).toBe("TCP");
  });

  it("fills probes", () => {
    for (const pr of [web.livenessProbe, web.readinessProbe, web.startupProbe]) {
      expect(pr).toMatchObject({ timeoutSeconds: 1, periodSeconds: 10, successThreshold: 1, failureThreshold: 3 });
    }
    expect(web.livenessProbe.httpGet).toEqual({ port: 8080, path: "/", scheme: "HTTP" });
  });

  it("copies limits into missing requests only", () => {
    expect(web.resources.requests).toEqual({ cpu: "250m", memory: "128Mi" });
    expect(web.resources.limits).toEqual({ cpu: "1", memory: "128Mi" });
    const noLimits = defaulted(pod({ containers: [{ name: "a", image: "x", resources: { requests: { cpu: "1" } } }] }));
    expect(noLimits.spec.containers[0].resources).toEqual({ requests: { cpu: "1" } });
    const none = defaulted(pod({ containers: [{ name: "a", image: "x" }] }));
    expect(none.spec.containers[0].resources).toBeUndefined();
  });

  it("gives a source-less volume an emptyDir and file modes to configMap volumes", () => {
    expect(p.spec.volumes[0]).toEqual({ name: "scratch", emptyDir: {} });
    expect(p.spec.volumes[1].configMap.defaultMode).toBe(0o644);
  });

  it("leaves namespace and status alone", () => {
    expect(p.metadata.namespace).toBeUndefined();
    expect(p.status).toBeUndefined();
  });

  it("uses the container port as host port on the host network", () => {
    const h = defaulted(pod({ hostNetwork: true, containers: [{ name: "a", image: "x:1", ports: [{ containerPort: 9000 }] }] }));
    expect(h.spec.containers[0].ports[0].hostPort).toBe(9000);
  });

  it("creates a missing spec", () => {
    const empty = defaulted({ apiVersion: "v1", kind: "Pod", metadata: { name: "p" } });
    expect(empty.spec.restartPolicy).toBe("Always");
  });

  it.each([
    ["nginx", "Always"],
    ["nginx:latest", "Always"],
    ["nginx:1.27", "IfNotPresent"],
    ["docker.io/library/nginx:1.27-alpine", "IfNotPresent"],
    ["localhost:5000/nginx", "Always"],
    ["localhost:5000/nginx:2", "IfNotPresent"],
    ["nginx@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", "IfNotPresent"],
    ["nginx:latest@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", "Always"],
  ])("image %s → imagePullPolicy %s", (image, policy) => {
    expect(defaulted(pod({ containers: [{ name: "a", image }] })).spec.containers[0].imagePullPolicy).toBe(policy);
  });

  it("imageTag", () => {
    expect(imageTag("a/b:c")).toBe("c");
    expect(imageTag("host:1/b")).toBe("latest");
    expect(imageTag("b@sha256:00")).toBeUndefined();
  });
});

describe("Deployment and ReplicaSet defaults", () => {
  const deployment = (spec: Record<string, unknown> = {}): Obj => ({
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: "d" },
    spec: {
      selector: { matchLabels: { app: "d" } },
      template: {
        metadata: { labels: { app: "d" } },
        spec: { containers: [{ name: "c", image: "nginx", ports: [{ containerPort: 80 }], resources: { limits: { cpu: "1" } } }] },
      },
      ...spec,
    },
  });

  it("fills the deployment spec", () => {
    const d = defaulted(deployment());
    expect(d.spec.replicas).toBe(1);
    expect(d.spec.strategy).toEqual({ type: "RollingUpdate", rollingUpdate: { maxSurge: "25%", maxUnavailable: "25%" } });
    expect(d.spec.revisionHistoryLimit).toBe(10);
    expect(d.spec.progressDeadlineSeconds).toBe(600);
    expect(d.spec.minReadySeconds).toBeUndefined();
  });

  it("defaults the pod template like a pod, but does not copy limits to requests", () => {
    const d = defaulted(deployment());
    const tspec = d.spec.template.spec;
    expect(tspec).toMatchObject({ restartPolicy: "Always", dnsPolicy: "ClusterFirst", schedulerName: "default-scheduler", terminationGracePeriodSeconds: 30 });
    expect(tspec.containers[0]).toMatchObject({ imagePullPolicy: "Always", terminationMessagePath: "/dev/termination-log", terminationMessagePolicy: "File" });
    expect(tspec.containers[0].ports[0].protocol).toBe("TCP");
    // Kubernetes' SetDefaults_Pod, not SetDefaults_PodSpec, copies limits to requests.
    expect(tspec.containers[0].resources.requests).toBeUndefined();
  });

  it("fills rollingUpdate when type is RollingUpdate, keeping what is set", () => {
    const d = defaulted(deployment({ strategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: 0 } } }));
    expect(d.spec.strategy.rollingUpdate).toEqual({ maxSurge: 0, maxUnavailable: "25%" });
  });

  it("adds no rollingUpdate to Recreate", () => {
    const d = defaulted(deployment({ strategy: { type: "Recreate" } }));
    expect(d.spec.strategy).toEqual({ type: "Recreate" });
  });

  it("keeps replicas 0 and other user values", () => {
    const d = defaulted(deployment({ replicas: 0, revisionHistoryLimit: 0, progressDeadlineSeconds: 120, minReadySeconds: 5 }));
    expect(d.spec).toMatchObject({ replicas: 0, revisionHistoryLimit: 0, progressDeadlineSeconds: 120, minReadySeconds: 5 });
  });

  it("fills replica sets", () => {
    const rs = defaulted({ ...deployment(), kind: "ReplicaSet" });
    expect(rs.spec.replicas).toBe(1);
    expect(rs.spec.strategy).toBeUndefined();
    expect(rs.spec.revisionHistoryLimit).toBeUndefined();
    expect(rs.spec.template.spec.containers[0].imagePullPolicy).toBe("Always");
    const kept = defaulted({ ...deployment({ replicas: 0 }), kind: "ReplicaSet" });
    expect(kept.spec.replicas).toBe(0);
  });
});

describe("Service defaults", () => {
  const svc = (spec: Record<string, unknown>): Obj => ({ apiVersion: "v1", kind: "Service", metadata: { name: "s" }, spec });

  it("fills type, affinity, protocol, targetPort and traffic policy", () => {
    const s = defaulted(svc({ ports: [{ port: 80 }, { port: 443, targetPort: "https", protocol: "UDP" }] }));
    expect(s.spec.type).toBe("ClusterIP");
    expect(s.spec.sessionAffinity).toBe("None");
    expect(s.spec.internalTrafficPolicy).toBe("Cluster");
    expect(s.spec.ports).toEqual([
      { port: 80, protocol: "TCP", targetPort: 80 },
      { port: 443, targetPort: "https", protocol: "UDP" },
    ]);
    expect(s.spec.externalTrafficPolicy).toBeUndefined();
  });

  it("fills NodePort, ClientIP and ExternalName specifics", () => {
    const np = defaulted(svc({ type: "NodePort", sessionAffinity: "ClientIP", ports: [{ port: 80 }] }));
    expect(np.spec.externalTrafficPolicy).toBe("Cluster");
    expect(np.spec.sessionAffinityConfig).toEqual({ clientIP: { timeoutSeconds: 10800 } });
    const ext = defaulted(svc({ type: "ExternalName", externalName: "db.example.com" }));
    expect(ext.spec.internalTrafficPolicy).toBeUndefined();
  });
});

describe("other kinds", () => {
  it("Endpoints ports get TCP", () => {
    const ep = defaulted({ apiVersion: "v1", kind: "Endpoints", metadata: { name: "e" }, subsets: [{ ports: [{ port: 80 }, { port: 53, protocol: "UDP" }] }] });
    expect(ep.subsets[0].ports.map((p: { protocol: string }) => p.protocol)).toEqual(["TCP", "UDP"]);
  });

  it("Namespace gets its name label", () => {
    const ns = defaulted({ apiVersion: "v1", kind: "Namespace", metadata: { name: "team-a", labels: { x: "y" } } });
    expect(ns.metadata.labels).toEqual({ x: "y", "kubernetes.io/metadata.name": "team-a" });
    expect(ns.spec).toBeUndefined();
  });

  it("Node allocatable defaults to capacity", () => {
    const node = defaulted({ apiVersion: "v1", kind: "Node", metadata: { name: "n" }, status: { capacity: { cpu: "4" } } });
    expect(node.status.allocatable).toEqual({ cpu: "4" });
    const set = defaulted({ apiVersion: "v1", kind: "Node", metadata: { name: "n" }, status: { capacity: { cpu: "4" }, allocatable: { cpu: "3" } } });
    expect(set.status.allocatable).toEqual({ cpu: "3" });
  });

  it.each([
    { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "c" }, data: { a: "b" } },
    { apiVersion: "v1", kind: "Event", metadata: { name: "e" }, involvedObject: { kind: "Pod", name: "p" } },
    { apiVersion: "coordination.k8s.io/v1", kind: "Lease", metadata: { name: "l" }, spec: { holderIdentity: "n" } },
    { apiVersion: "v1", kind: "Widget", metadata: { name: "w" }, spec: {} },
  ])("$kind is left as it is", (obj) => {
    const copy = structuredClone(obj);
    expect(applyDefaults(obj)).toEqual(copy);
  });

  it("returns the same object it mutates", () => {
    const p = pod({ containers: [] });
    expect(applyDefaults(p)).toBe(p);
  });
});

describe("user values win", () => {
  it("a fully specified pod is unchanged", () => {
    const p = pod({
      restartPolicy: "Never",
      dnsPolicy: "Default",
      schedulerName: "mine",
      terminationGracePeriodSeconds: 0,
      securityContext: { runAsUser: 1000 },
      enableServiceLinks: false,
      containers: [
        {
          name: "a",
          image: "nginx:latest",
          imagePullPolicy: "Never",
          terminationMessagePath: "/tmp/msg",
          terminationMessagePolicy: "FallbackToLogsOnError",
          ports: [{ containerPort: 53, protocol: "UDP" }],
          livenessProbe: { httpGet: { port: 1, path: "/healthz", scheme: "HTTPS" }, timeoutSeconds: 5, periodSeconds: 7, successThreshold: 1, failureThreshold: 9 },
          resources: { limits: { cpu: "2" }, requests: { cpu: "1" } },
        },
      ],
    });
    const copy = structuredClone(p);
    expect(applyDefaults(p)).toEqual(copy);
  });

  it("a fully specified deployment and service are unchanged", () => {
    const d: Obj = {
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name: "d" },
      spec: {
        replicas: 4,
        revisionHistoryLimit: 2,
        progressDeadlineSeconds: 60,
        strategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: 2, maxUnavailable: 0 } },
        template: { spec: { restartPolicy: "Always", dnsPolicy: "None", schedulerName: "s", terminationGracePeriodSeconds: 5, securityContext: {}, enableServiceLinks: false, containers: [] } },
      },
    };
    const s: Obj = {
      apiVersion: "v1",
      kind: "Service",
      metadata: { name: "s" },
      spec: { type: "LoadBalancer", sessionAffinity: "None", externalTrafficPolicy: "Local", internalTrafficPolicy: "Local", allocateLoadBalancerNodePorts: false, ports: [{ port: 80, targetPort: 8080, protocol: "SCTP" }] },
    };
    for (const o of [d, s]) {
      const copy = structuredClone(o);
      expect(applyDefaults(o)).toEqual(copy);
    }
  });
});

// ---- idempotence ----------------------------------------------------------

const opt = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined });
const strip = <T extends object>(o: T): T => JSON.parse(JSON.stringify(o)) as T; // drop undefined fields

const probeArb = fc.record(
  {
    httpGet: opt(fc.record({ port: fc.oneof(fc.integer({ min: 1, max: 65535 }), fc.constant("http")), scheme: opt(fc.constantFrom("HTTP", "HTTPS")) })),
    tcpSocket: opt(fc.record({ port: fc.integer({ min: 1, max: 65535 }) })),
    periodSeconds: opt(fc.integer({ min: 0, max: 60 })),
    timeoutSeconds: opt(fc.integer({ min: 0, max: 60 })),
    failureThreshold: opt(fc.integer({ min: 0, max: 10 })),
  },
  { requiredKeys: [] },
);

const containerArb = fc.record(
  {
    name: fc.constantFrom("a", "b", "web"),
    image: fc.constantFrom("nginx", "nginx:latest", "nginx:1.2", "reg:5000/x", "x@sha256:ab"),
    imagePullPolicy: opt(fc.constantFrom("Always", "IfNotPresent", "Never")),
    ports: opt(fc.array(fc.record({ containerPort: fc.integer({ min: 1, max: 65535 }), protocol: opt(fc.constantFrom("TCP", "UDP")) }), { maxLength: 3 })),
    livenessProbe: opt(probeArb),
    readinessProbe: opt(probeArb),
    resources: opt(
      fc.record(
        { limits: opt(fc.dictionary(fc.constantFrom("cpu", "memory"), fc.constantFrom("1", "500m", "1Gi"))), requests: opt(fc.dictionary(fc.constantFrom("cpu", "memory"), fc.constantFrom("1", "100m"))) },
        { requiredKeys: [] },
      ),
    ),
  },
  { requiredKeys: ["name", "image"] },
);

const podSpecArb = fc.record(
  {
    containers: fc.array(containerArb, { minLength: 1, maxLength: 3 }),
    initContainers: opt(fc.array(containerArb, { maxLength: 2 })),
    restartPolicy: opt(fc.constantFrom("Always", "OnFailure", "Never")),
    terminationGracePeriodSeconds: opt(fc.integer({ min: 0, max: 100 })),
    hostNetwork: opt(fc.boolean()),
    volumes: opt(fc.array(fc.oneof(fc.record({ name: fc.constant("v") }), fc.record({ name: fc.constant("c"), configMap: fc.record({ name: fc.constant("cm") }) })), { maxLength: 2 })),
  },
  { requiredKeys: ["containers"] },
);

const deploymentArb = fc
  .record(
    {
      replicas: opt(fc.integer({ min: 0, max: 10 })),
      strategy: opt(
        fc.record(
          {
            type: opt(fc.constantFrom("RollingUpdate", "Recreate")),
            rollingUpdate: opt(fc.record({ maxSurge: opt(fc.oneof(fc.integer({ min: 0, max: 3 }), fc.constant("50%"))), maxUnavailable: opt(fc.constant(1)) }, { requiredKeys: [] })),
          },
          { requiredKeys: [] },
        ),
      ),
      revisionHistoryLimit: opt(fc.integer({ min: 0, max: 20 })),
      minReadySeconds: opt(fc.integer({ min: 0, max: 20 })),
      template: fc.record({ metadata: fc.constant({ labels: { app: "x" } }), spec: podSpecArb }),
    },
    { requiredKeys: ["template"] },
  )
  .map((spec): Obj => strip({ apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "d" }, spec: { selector: { matchLabels: { app: "x" } }, ...spec } }));

const serviceArb = fc
  .record(
    {
      type: opt(fc.constantFrom("ClusterIP", "NodePort", "LoadBalancer", "ExternalName")),
      sessionAffinity: opt(fc.constantFrom("None", "ClientIP")),
      ports: opt(fc.array(fc.record({ port: fc.integer({ min: 1, max: 65535 }), targetPort: opt(fc.oneof(fc.integer({ min: 1, max: 65535 }), fc.constant("http"))) }, { requiredKeys: ["port"] }), { maxLength: 3 })),
    },
    { requiredKeys: [] },
  )
  .map((spec): Obj => strip({ apiVersion: "v1", kind: "Service", metadata: { name: "s" }, spec }));

describe("idempotence", () => {
  const twiceEqualsOnce = (obj: Obj): void => {
    const once = applyDefaults(structuredClone(obj));
    const twice = applyDefaults(applyDefaults(structuredClone(obj)));
    expect(twice).toEqual(once);
  };

  it("deployments", () => fc.assert(fc.property(deploymentArb, twiceEqualsOnce), { numRuns: 300 }));
  it("replica sets", () => fc.assert(fc.property(deploymentArb.map((d) => ({ ...d, kind: "ReplicaSet" })), twiceEqualsOnce)));
  it("pods", () => fc.assert(fc.property(podSpecArb.map((s) => strip(pod(s))), twiceEqualsOnce), { numRuns: 300 }));
  it("services", () => fc.assert(fc.property(serviceArb, twiceEqualsOnce)));

  it("never overwrites a field the user set", () =>
    fc.assert(
      fc.property(deploymentArb, (d) => {
        const before = structuredClone(d);
        const after = applyDefaults(structuredClone(d)) as Obj;
        const keys: Array<(o: Obj) => unknown> = [
          (o) => o.spec.replicas,
          (o) => o.spec.revisionHistoryLimit,
          (o) => o.spec.strategy?.type,
          (o) => o.spec.strategy?.rollingUpdate?.maxSurge,
          (o) => o.spec.template.spec.restartPolicy,
          (o) => o.spec.template.spec.terminationGracePeriodSeconds,
          (o) => o.spec.template.spec.containers[0].imagePullPolicy,
          (o) => o.spec.template.spec.containers[0].resources?.requests,
        ];
        for (const get of keys) if (get(before) !== undefined) expect(get(after)).toEqual(get(before));
      }),
    ));
});
