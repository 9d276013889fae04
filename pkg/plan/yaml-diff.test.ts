import { describe, expect, it } from "vitest";
import type { KubeObject } from "../api/types.js";
import { diffLines, stripServerFields, toComparableYaml, unifiedDiff } from "./yaml-diff.js";

const live: KubeObject = {
  apiVersion: "apps/v1",
  kind: "Deployment",
  metadata: {
    name: "web",
    namespace: "default",
    uid: "u1",
    resourceVersion: "42",
    generation: 3,
    creationTimestamp: "2025-01-01T00:00:00Z",
    annotations: { "kubectl.kubernetes.io/last-applied-configuration": "{}", "deployment.kubernetes.io/revision": "2", team: "a" },
  },
  spec: { replicas: 3, template: { spec: { containers: [{ name: "app", image: "web:1" }] } } },
  status: { replicas: 3 },
} as KubeObject;

describe("stripServerFields", () => {
  it("drops status and what the server manages, keeps what the user wrote", () => {
    const s = stripServerFields(live) as { metadata: Record<string, unknown>; status?: unknown };
    expect(s.status).toBeUndefined();
    expect(s.metadata).toEqual({ name: "web", namespace: "default", annotations: { team: "a" } });
  });
});

describe("unifiedDiff", () => {
  it("is empty for equal objects, even when server fields differ", () => {
    const other = structuredClone(live);
    other.metadata.resourceVersion = "99";
    (other as { status?: unknown }).status = { replicas: 1 };
    expect(unifiedDiff(toComparableYaml(live), toComparableYaml(other))).toBe("");
  });

  it("marks changed lines with - and + inside a hunk with context", () => {
    const next = structuredClone(live) as KubeObject & { spec: { replicas: number; template: { spec: { containers: Array<{ image: string }> } } } };
    next.spec.replicas = 5;
    next.spec.template.spec.containers[0].image = "web:2";
    const d = unifiedDiff(toComparableYaml(live), toComparableYaml(next), { from: "live", to: "applied" });
    expect(d.split("\n").slice(0, 2)).toEqual(["--- live", "+++ applied"]);
    expect(d).toContain("-  replicas: 3\n+  replicas: 5");
    expect(d).toContain("-        - image: web:1\n+        - image: web:2");
    expect(d).toMatch(/^@@ -\d+,\d+ \+\d+,\d+ @@$/m);
    // Every line of a hunk is context, removal or addition.
    for (const l of d.split("\n").slice(2).filter(Boolean)) expect(l).toMatch(/^(@@| |-|\+)/);
  });

  it("shows a new object as all additions", () => {
    const d = unifiedDiff("", "a: 1\nb: 2\n", { from: "/dev/null", to: "new" });
    expect(d).toBe("--- /dev/null\n+++ new\n@@ -0,0 +1,2 @@\n+a: 1\n+b: 2\n");
  });

  it("keeps far-apart changes in separate hunks", () => {
    const a = Array.from({ length: 30 }, (_, i) => `line ${i}`);
    const b = [...a];
    b[2] = "changed 2";
    b[25] = "changed 25";
    const d = unifiedDiff(a.join("\n") + "\n", b.join("\n") + "\n");
    expect(d.match(/^@@/gm)).toHaveLength(2);
  });
});

describe("diffLines", () => {
  it("finds the longest common subsequence", () => {
    const ops = diffLines(["a", "b", "c", "d"], ["a", "c", "x", "d"]);
    expect(ops.map((o) => o.kind + o.text)).toEqual([" a", "-b", " c", "+x", " d"]);
  });
});
