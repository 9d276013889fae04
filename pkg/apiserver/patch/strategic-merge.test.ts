import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ApiError } from "../../api/errors.js";
import { jsonMergePatch } from "./merge-patch.js";
import { strategicMergePatch } from "./strategic-merge.js";

function deepFreeze<T>(value: T): T {
  if (typeof value === "object" && value !== null) {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}

/** Patches a frozen copy, so any mutation of the inputs throws. */
function smp(original: object, patch: object, kind = "Pod"): any {
  return strategicMergePatch(deepFreeze(structuredClone(original)), deepFreeze(structuredClone(patch)), kind);
}

function hasDirective(value: unknown): boolean {
  if (Array.isArray(value)) return value.some(hasDirective);
  if (typeof value === "object" && value !== null) {
    return Object.entries(value).some(([k, v]) => k.startsWith("$") || hasDirective(v));
  }
  return false;
}

const pod = {
  apiVersion: "v1",
  kind: "Pod",
  metadata: { name: "p", labels: { app: "web", tier: "fe" }, finalizers: ["a.example/x", "b.example/y"] },
  spec: {
    containers: [
      {
        name: "web",
        image: "nginx:1.25",
        args: ["--a", "--b"],
        ports: [
          { containerPort: 80, protocol: "TCP", name: "http" },
          { containerPort: 443, protocol: "TCP", name: "https" },
        ],
        env: [
          { name: "A", value: "1" },
          { name: "B", value: "2" },
        ],
      },
      { name: "sidecar", image: "envoy:1" },
      { name: "logger", image: "fluent:1" },
    ],
    tolerations: [{ key: "k", operator: "Exists" }],
  },
};

describe("strategicMergePatch: lists merged by key", () => {
  it("changing one container's image keeps the other containers and fields", () => {
    const out = smp(pod, { spec: { containers: [{ name: "sidecar", image: "envoy:2" }] } });
    expect(out.spec.containers.map((c: { name: string; image: string }) => `${c.name}=${c.image}`)).toEqual([
      "web=nginx:1.25",
      "sidecar=envoy:2",
      "logger=fluent:1",
    ]);
    expect(out.spec.containers[0]).toEqual(pod.spec.containers[0]);
  });

  it("a container with a new name is appended", () => {
    const out = smp(pod, { spec: { containers: [{ name: "new", image: "busybox" }] } });
    expect(out.spec.containers.map((c: { name: string }) => c.name)).toEqual(["web", "sidecar", "logger", "new"]);
  });

  it("env merges by name: change one, add one, delete one with null field", () => {
    const out = smp(pod, {
      spec: { containers: [{ name: "web", env: [{ name: "B", value: "22" }, { name: "C", value: "3" }, { name: "A", value: null }] }] },
    });
    expect(out.spec.containers[0].env).toEqual([{ name: "A" }, { name: "B", value: "22" }, { name: "C", value: "3" }]);
  });

  it("ports merge by containerPort", () => {
    const out = smp(pod, { spec: { containers: [{ name: "web", ports: [{ containerPort: 443, name: "tls" }, { containerPort: 8080 }] }] } });
    expect(out.spec.containers[0].ports).toEqual([
      { containerPort: 80, protocol: "TCP", name: "http" },
      { containerPort: 443, protocol: "TCP", name: "tls" },
      { containerPort: 8080 },
    ]);
  });

  it("$patch: delete inside a merge list removes that one element", () => {
    const out = smp(pod, { spec: { containers: [{ name: "sidecar", $patch: "delete" }] } });
    expect(out.spec.containers.map((c: { name: string }) => c.name)).toEqual(["web", "logger"]);
    expect(hasDirective(out)).toBe(false);
  });

  it("$patch: replace as a list element replaces the whole list", () => {
    const out = smp(pod, { spec: { containers: [{ $patch: "replace" }, { name: "only", image: "x" }] } });
    expect(out.spec.containers).toEqual([{ name: "only", image: "x" }]);
  });

  it("lists without a merge key (args, tolerations) are replaced atomically", () => {
    const out = smp(pod, { spec: { containers: [{ name: "web", args: ["--c"] }], tolerations: [{ key: "z", operator: "Exists" }] } });
    expect(out.spec.containers[0].args).toEqual(["--c"]);
    expect(out.spec.tolerations).toEqual([{ key: "z", operator: "Exists" }]);
  });

  it("a merge-list element without its merge key is a 400", () => {
    expect(() => smp(pod, { spec: { containers: [{ image: "x" }] } })).toThrowError(/merge key "name"/);
    try {
      smp(pod, { spec: { containers: [{ image: "x" }] } });
    } catch (e) {
      expect(e).toBeInstanceOf(ApiError);
      expect((e as ApiError).reason).toBe("BadRequest");
    }
  });

  it("Service spec.ports merge by port, and only for Services", () => {
    const svc = { kind: "Service", spec: { ports: [{ port: 80, targetPort: 8080 }, { port: 443, targetPort: 8443 }] } };
    const out = smp(svc, { spec: { ports: [{ port: 80, targetPort: 9090 }] } }, "Service");
    expect(out.spec.ports).toEqual([{ port: 80, targetPort: 9090 }, { port: 443, targetPort: 8443 }]);
    // The same shape on a kind without that rule is atomic.
    expect(smp(svc, { spec: { ports: [{ port: 80 }] } }, "Widget").spec.ports).toEqual([{ port: 80 }]);
  });

  it("status.conditions merge by type", () => {
    const live = { status: { conditions: [{ type: "Ready", status: "False" }, { type: "PodScheduled", status: "True" }] } };
    const out = smp(live, { status: { conditions: [{ type: "Ready", status: "True" }] } });
    expect(out.status.conditions).toEqual([{ type: "Ready", status: "True" }, { type: "PodScheduled", status: "True" }]);
  });

  it("a mergeKeyFor override is consulted before the table", () => {
    const obj = { spec: { rules: [{ host: "a", x: 1 }, { host: "b", x: 2 }] } };
    const patch = { spec: { rules: [{ host: "b", x: 3 }] } };
    const out = strategicMergePatch(deepFreeze(obj), deepFreeze(patch), "Ingress", {
      mergeKeyFor: (path) => (path.join(".") === "spec.rules" ? "host" : undefined),
    });
    expect(out).toEqual({ spec: { rules: [{ host: "a", x: 1 }, { host: "b", x: 3 }] } });
  });
});

describe("strategicMergePatch: directives", () => {
  it("null deletes a field, as in a merge patch", () => {
    const out = smp(pod, { metadata: { labels: { tier: null } } });
    expect(out.metadata.labels).toEqual({ app: "web" });
  });

  it("$patch: delete on a map deletes it; $patch: replace replaces it", () => {
    const obj = { spec: { a: { x: 1, y: 2 }, b: { x: 1, y: 2 } } };
    const out = smp(obj, { spec: { a: { $patch: "delete" }, b: { $patch: "replace", z: 3, gone: null } } });
    expect(out).toEqual({ spec: { b: { z: 3 } } });
  });

  it("an unknown $patch value is a 400", () => {
    expect(() => smp(pod, { spec: { $patch: "frobnicate" } })).toThrowError(/unknown \$patch/);
  });

  it("$setElementOrder reorders the merged list; unmentioned elements follow in their order", () => {
    const out = smp(pod, {
      spec: {
        "$setElementOrder/containers": [{ name: "logger" }, { name: "web" }],
        containers: [{ name: "web", image: "nginx:1.27" }],
      },
    });
    expect(out.spec.containers.map((c: { name: string }) => c.name)).toEqual(["logger", "web", "sidecar"]);
    expect(out.spec.containers[1].image).toBe("nginx:1.27");
    expect(hasDirective(out)).toBe(false);
  });

  it("$setElementOrder works on primitive lists and without the list in the patch", () => {
    const out = smp(pod, { metadata: { "$setElementOrder/finalizers": ["b.example/y", "a.example/x"] } });
    expect(out.metadata.finalizers).toEqual(["b.example/y", "a.example/x"]);
  });

  it("$retainKeys drops the original's other keys (Deployment strategy → Recreate)", () => {
    const deploy = { spec: { strategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: "25%" } }, replicas: 1 } };
    const out = smp(deploy, { spec: { strategy: { $retainKeys: ["type"], type: "Recreate" } } }, "Deployment");
    expect(out.spec).toEqual({ strategy: { type: "Recreate" }, replicas: 1 });
  });

  it("$retainKeys inside a volume switches its source", () => {
    const p = { spec: { volumes: [{ name: "data", emptyDir: {} }, { name: "other", emptyDir: {} }] } };
    const out = smp(p, { spec: { volumes: [{ $retainKeys: ["configMap", "name"], name: "data", configMap: { name: "cfg" } }] } });
    expect(out.spec.volumes).toEqual([{ name: "data", configMap: { name: "cfg" } }, { name: "other", emptyDir: {} }]);
  });

  it("$retainKeys must cover every field the patch sets", () => {
    const deploy = { spec: { strategy: { type: "RollingUpdate" } } };
    expect(() => smp(deploy, { spec: { strategy: { $retainKeys: ["type"], type: "Recreate", rollingUpdate: {} } } })).toThrowError(
      /not in \$retainKeys/,
    );
  });

  it("metadata.finalizers merge as a set; $deleteFromPrimitiveList removes entries", () => {
    const added = smp(pod, { metadata: { finalizers: ["b.example/y", "c.example/z"] } });
    expect(added.metadata.finalizers).toEqual(["a.example/x", "b.example/y", "c.example/z"]);
    const removed = smp(pod, { metadata: { "$deleteFromPrimitiveList/finalizers": ["a.example/x"] } });
    expect(removed.metadata.finalizers).toEqual(["b.example/y"]);
    expect(hasDirective(removed)).toBe(false);
  });

  it("directives in a subtree the original lacks are resolved, never copied", () => {
    const out = smp({ kind: "Pod" }, {
      metadata: { labels: { a: "1", b: null }, "$setElementOrder/finalizers": ["x"], finalizers: ["x"] },
      spec: { $retainKeys: ["containers"], containers: [{ name: "c", $patch: "delete" }, { name: "d", env: [{ $patch: "replace" }] }] },
    });
    expect(out).toEqual({ kind: "Pod", metadata: { labels: { a: "1" }, finalizers: ["x"] }, spec: { containers: [{ name: "d", env: [] }] } });
    expect(hasDirective(out)).toBe(false);
  });
});

describe("strategicMergePatch: what kubectl sends", () => {
  const oldApplied = JSON.stringify({
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: "web", namespace: "default", labels: { app: "web", tier: "frontend" } },
    spec: { replicas: 2, selector: { matchLabels: { app: "web" } }, template: { metadata: { labels: { app: "web" } }, spec: { containers: [{ name: "web", image: "nginx:1.25", ports: [{ containerPort: 80 }] }] } } },
  });
  const newApplied = oldApplied.replace("nginx:1.25", "nginx:1.27").replace(',"tier":"frontend"', "");
  const live = {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: {
      name: "web",
      namespace: "default",
      uid: "5d1c0b4e-0000-4000-8000-000000000001",
      resourceVersion: "1234",
      generation: 1,
      creationTimestamp: "2024-05-01T10:00:00Z",
      labels: { app: "web", tier: "frontend" },
      annotations: { "deployment.kubernetes.io/revision": "1", "kubectl.kubernetes.io/last-applied-configuration": oldApplied + "\n" },
    },
    spec: {
      replicas: 2,
      selector: { matchLabels: { app: "web" } },
      template: {
        metadata: { creationTimestamp: null, labels: { app: "web" } },
        spec: {
          containers: [
            {
              name: "web",
              image: "nginx:1.25",
              ports: [{ containerPort: 80, protocol: "TCP" }],
              resources: {},
              terminationMessagePath: "/dev/termination-log",
              terminationMessagePolicy: "File",
              imagePullPolicy: "IfNotPresent",
            },
          ],
          restartPolicy: "Always",
          terminationGracePeriodSeconds: 30,
          dnsPolicy: "ClusterFirst",
          securityContext: {},
          schedulerName: "default-scheduler",
        },
      },
      strategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: "25%", maxSurge: "25%" } },
      revisionHistoryLimit: 10,
      progressDeadlineSeconds: 600,
    },
    status: {
      observedGeneration: 1,
      replicas: 2,
      updatedReplicas: 2,
      readyReplicas: 2,
      availableReplicas: 2,
      conditions: [
        { type: "Available", status: "True", reason: "MinimumReplicasAvailable" },
        { type: "Progressing", status: "True", reason: "NewReplicaSetAvailable" },
      ],
    },
  };

  it("kubectl apply three-way patch: new image, label removed, defaults and status kept", () => {
    const patch = JSON.parse(
      `{"metadata":{"annotations":{"kubectl.kubernetes.io/last-applied-configuration":${JSON.stringify(newApplied + "\n")}},"labels":{"tier":null}},` +
        `"spec":{"template":{"spec":{"$setElementOrder/containers":[{"name":"web"}],"containers":[{"image":"nginx:1.27","name":"web"}]}}}}`,
    ) as object;
    const expected = structuredClone(live);
    expected.metadata.labels = { app: "web" } as typeof expected.metadata.labels;
    expected.metadata.annotations["kubectl.kubernetes.io/last-applied-configuration"] = newApplied + "\n";
    expected.spec.template.spec.containers[0].image = "nginx:1.27";
    expect(smp(live, patch, "Deployment")).toEqual(expected);
  });

  it("kubectl apply keeps a container someone else added, after the applied ones", () => {
    const withSidecar = structuredClone(live);
    withSidecar.spec.template.spec.containers.unshift({ name: "istio-proxy", image: "istio/proxyv2" } as (typeof withSidecar.spec.template.spec.containers)[0]);
    const out = smp(withSidecar, {
      spec: { template: { spec: { "$setElementOrder/containers": [{ name: "web" }, { name: "api" }], containers: [{ name: "api", image: "api:1" }] } } },
    }, "Deployment");
    expect(out.spec.template.spec.containers.map((c: { name: string }) => c.name)).toEqual(["web", "api", "istio-proxy"]);
  });

  it("kubectl label/annotate and scale style patches", () => {
    const out = smp(live, { metadata: { labels: { env: "prod" }, annotations: { note: "hi" } }, spec: { replicas: 5 } }, "Deployment");
    expect(out.metadata.labels).toEqual({ app: "web", tier: "frontend", env: "prod" });
    expect(out.metadata.annotations.note).toBe("hi");
    expect(out.spec.replicas).toBe(5);
    expect(out.status).toEqual(live.status);
  });
});

const key = fc.oneof(fc.string({ maxLength: 4 }).filter((k) => !k.startsWith("$")), fc.constantFrom("__proto__", "spec", "metadata"));
const { tree } = fc.letrec((tie) => ({
  tree: fc.dictionary(key, fc.oneof({ depthSize: "small" }, fc.constant(null), fc.integer(), fc.string(), fc.boolean(), tie("tree")), { maxKeys: 4 }),
}));

describe("strategicMergePatch properties", () => {
  it("on maps without lists or directives it equals jsonMergePatch", () => {
    fc.assert(
      fc.property(tree, tree, (a, p) => {
        expect(strategicMergePatch(deepFreeze(a), deepFreeze(p), "Pod")).toEqual(jsonMergePatch(a, p));
      }),
    );
  });

  it("an empty patch changes nothing, lists included", () => {
    fc.assert(
      fc.property(fc.dictionary(key, fc.jsonValue({ maxDepth: 3 }), { maxKeys: 4 }), (a) => {
        expect(strategicMergePatch(deepFreeze(a), {}, "Deployment")).toEqual(a);
      }),
    );
  });
});
