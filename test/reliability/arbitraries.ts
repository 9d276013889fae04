// fast-check generators for hostile input: random JSON with prototype keys,
// valid objects with one part broken, deep nesting, huge strings, odd unicode.
import fc from "fast-check";

/** Keys that have broken JavaScript servers before (prototype pollution) and keys skiff reads. */
export const NASTY_KEYS = ["__proto__", "constructor", "prototype", "toString", "hasOwnProperty", "valueOf"];
const MEANINGFUL_KEYS = [
  "metadata", "spec", "status", "kind", "apiVersion", "name", "namespace", "labels", "annotations", "containers",
  "image", "ports", "containerPort", "replicas", "selector", "matchLabels", "template", "resources", "limits",
  "requests", "cpu", "memory", "env", "value", "volumes", "hostPath", "path", "securityContext", "privileged",
  "finalizers", "ownerReferences", "resourceVersion", "generateName", "data", "type", "clusterIP", "nodeName",
];

/** Strings a parser might choke on: control characters, surrogates, RTL marks, NUL, long runs. */
export const nastyString = fc.oneof(
  fc.string({ unit: "grapheme", maxLength: 40 }),
  fc.string({ unit: "binary", maxLength: 40 }),
  fc.constantFrom("", " ", "\u0000", "\ud800", "\udfff", "\u202e", "\ufeff", "..", "../../etc/passwd", "%00", "${x}", "a".repeat(254), "A\u030a"),
  fc.string({ maxLength: 20 }).map((s) => s.repeat(50)),
);

export const anyKey = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...MEANINGFUL_KEYS) },
  { weight: 2, arbitrary: fc.constantFrom(...NASTY_KEYS) },
  { weight: 2, arbitrary: nastyString },
);

/** Random JSON-compatible values whose objects use skiff's and JavaScript's interesting keys. */
export const hostileJson: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    fc.constant(null),
    fc.boolean(),
    fc.integer(),
    fc.double({ noNaN: true, noDefaultInfinity: true }),
    fc.constantFrom(0, -1, 2 ** 31, 2 ** 53, -(2 ** 63), 1e308, 0.5),
    nastyString,
    fc.array(tie("value"), { maxLength: 4 }),
    fc.dictionary(anyKey, tie("value"), { maxKeys: 5, noNullPrototype: true }),
  ),
})).value;

export interface Template {
  url: string;
  body: Record<string, unknown>;
}

/** Valid objects of several kinds; mutations of these reach deep into validation. */
export function templates(name: string): Template[] {
  const labels = { app: name };
  const podSpec = { containers: [{ name: "c", image: "skiff/busybox:latest", ports: [{ containerPort: 80 }], resources: { limits: { cpu: "100m", memory: "64Mi" } }, env: [{ name: "A", value: "1" }] }] };
  return [
    { url: "/api/v1/namespaces/default/pods", body: { apiVersion: "v1", kind: "Pod", metadata: { name, labels }, spec: podSpec } },
    {
      url: "/apis/apps/v1/namespaces/default/deployments",
      body: { apiVersion: "apps/v1", kind: "Deployment", metadata: { name, labels }, spec: { replicas: 2, selector: { matchLabels: labels }, template: { metadata: { labels }, spec: podSpec } } },
    },
    { url: "/api/v1/namespaces/default/services", body: { apiVersion: "v1", kind: "Service", metadata: { name }, spec: { selector: labels, ports: [{ port: 80, targetPort: 8080 }] } } },
    { url: "/api/v1/namespaces/default/configmaps", body: { apiVersion: "v1", kind: "ConfigMap", metadata: { name }, data: { k: "v" } } },
    { url: "/api/v1/namespaces/default/secrets", body: { apiVersion: "v1", kind: "Secret", metadata: { name }, type: "Opaque", stringData: { password: "hunter2" } } },
    { url: "/api/v1/namespaces", body: { apiVersion: "v1", kind: "Namespace", metadata: { name } } },
    {
      url: "/apis/batch/v1/namespaces/default/jobs",
      body: { apiVersion: "batch/v1", kind: "Job", metadata: { name }, spec: { template: { spec: { ...podSpec, restartPolicy: "Never" } } } },
    },
  ];
}

/** Every path (as key lists) to every node in a JSON tree. */
export function pathsOf(v: unknown, prefix: Array<string | number> = []): Array<Array<string | number>> {
  const out: Array<Array<string | number>> = [prefix];
  if (Array.isArray(v)) v.forEach((x, i) => out.push(...pathsOf(x, [...prefix, i])));
  else if (v !== null && typeof v === "object") for (const [k, x] of Object.entries(v)) out.push(...pathsOf(x, [...prefix, k]));
  return out;
}

export type Mutation = { op: "replace"; value: unknown } | { op: "delete" } | { op: "addKey"; key: string; value: unknown };

/** A copy of `body` with the node at `path` replaced, deleted, or given a new key. Uses defineProperty so "__proto__" becomes a real key. */
export function mutate(body: unknown, path: Array<string | number>, m: Mutation): unknown {
  const copy = JSON.parse(JSON.stringify(body)) as unknown;
  if (path.length === 0) return m.op === "replace" ? m.value : copy;
  let parent = copy as Record<string | number, unknown>;
  for (const k of path.slice(0, -1)) parent = parent[k] as Record<string | number, unknown>;
  const last = path[path.length - 1];
  if (m.op === "replace") Object.defineProperty(parent, last, { value: m.value, enumerable: true, writable: true, configurable: true });
  else if (m.op === "delete") {
    if (Array.isArray(parent)) parent.splice(last as number, 1);
    else delete parent[last];
  } else {
    const target = parent[last];
    if (target !== null && typeof target === "object" && !Array.isArray(target)) {
      Object.defineProperty(target, m.key, { value: m.value, enumerable: true, writable: true, configurable: true });
    }
  }
  return copy;
}

export const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ op: fc.constant("replace" as const), value: hostileJson }),
  fc.record({ op: fc.constant("delete" as const) }),
  fc.record({ op: fc.constant("addKey" as const), key: anyKey, value: hostileJson }),
);

/** Percent-encode anything, lone surrogates included (encodeURIComponent throws on those). */
export function percentEncode(s: string): string {
  return [...Buffer.from(s, "utf8")].map((b) => `%${b.toString(16).padStart(2, "0")}`).join("");
}

/** JSON text nesting `depth` levels: {"a":{"a":…}} or [[[…]]], optionally unbalanced. */
export const deepJsonText = fc
  .record({ depth: fc.integer({ min: 101, max: 20_000 }), brackets: fc.boolean(), balanced: fc.boolean(), where: fc.constantFrom("spec", "metadata", "data", "top") })
  .map(({ depth, brackets, balanced, where }) => {
    const open = brackets ? "[" : '{"a":';
    const close = brackets ? "]" : "}";
    const inner = open.repeat(depth) + "1" + (balanced ? close.repeat(depth) : "");
    return where === "top" ? inner : `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"deep"},"${where}":${inner}}`;
  });
