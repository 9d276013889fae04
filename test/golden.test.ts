// Golden output (issue 6 acceptance): fixed objects (test/golden/*.yaml) loaded
// straight into a control plane's store, then `skiff get` and `skiff describe`
// compared with expected text (test/golden/expected/, UPDATE_GOLDEN=1
// regenerates), and `skiff get` compared with real kubectl pointed at the same
// server: the same columns and the same cells.
//
// Fixture times are written relative to 2000-01-01T00:00:00Z and shifted so
// that instant becomes "now" when loaded; ages sit in the middle of kubectl's
// display buckets ("100d", "20h"), so AGE columns print the same on every run.
// describe prints absolute dates, which are masked.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { execFile, spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { fileURLToPath } from "node:url";
import { parseAllDocuments } from "yaml";
import { byKind, resourceKey } from "../pkg/api/kinds.js";
import type { KubeObject } from "../pkg/api/types.js";
import { newContext } from "../pkg/apiserver/registry.js";
import { startControlPlane, type ControlPlane } from "../pkg/cluster/control-plane.js";

const CLI = fileURLToPath(new URL("../dist/cmd/skiff.js", import.meta.url));
const GOLDEN = fileURLToPath(new URL("./golden/", import.meta.url));
const EXPECTED = join(GOLDEN, "expected");
const UPDATE = process.env.UPDATE_GOLDEN === "1";
const KUBECTL = process.env.KUBECTL ?? "/usr/bin/kubectl";
const haveKubectl = existsSync(KUBECTL);
if (!haveKubectl) console.warn(`\n*** SKIPPING the real-kubectl half of the golden tests: ${KUBECTL} not found (set KUBECTL=/path/to/kubectl) ***\n`);

const EPOCH = Date.parse("2000-01-01T00:00:00Z");
const RFC3339 = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/;

/** Move every timestamp in the fixture by (now - EPOCH). */
function shiftTimes<T>(v: T, delta: number): T {
  if (typeof v === "string" && RFC3339.test(v)) return new Date(Date.parse(v) + delta).toISOString().replace(/\.\d{3}Z$/, "Z") as T;
  if (Array.isArray(v)) return v.map((x) => shiftTimes(x, delta)) as T;
  if (v && typeof v === "object") return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, shiftTimes(x, delta)])) as T;
  return v;
}

function fixtures(): KubeObject[] {
  return readdirSync(GOLDEN)
    .filter((f) => f.endsWith(".yaml"))
    .sort()
    .flatMap((f) => parseAllDocuments(readFileSync(join(GOLDEN, f), "utf8")).map((d) => d.toJS() as KubeObject));
}

/** Create through the registry (defaults, allocation, validation), then pin times and status in the store. */
async function load(cp: ControlPlane): Promise<void> {
  const delta = Date.now() - EPOCH;
  await cp.registry.create(byKind("v1", "Namespace")!, undefined, { apiVersion: "v1", kind: "Namespace", metadata: { name: "golden" } }, newContext());
  for (const raw of fixtures()) {
    const obj = shiftTimes(raw, delta);
    const info = byKind(obj.apiVersion, obj.kind)!;
    const { creationTimestamp, deletionTimestamp, deletionGracePeriodSeconds } = obj.metadata;
    const body = structuredClone(obj);
    delete body.status;
    delete body.metadata.creationTimestamp;
    delete body.metadata.deletionTimestamp;
    delete body.metadata.deletionGracePeriodSeconds;
    const ns = info.namespaced ? obj.metadata.namespace : undefined;
    await cp.registry.create(info, ns, body, newContext());
    const ref = { resource: resourceKey(info), namespace: ns ?? "", name: obj.metadata.name! };
    const stored = (await cp.store.get(ref))!;
    stored.metadata.creationTimestamp = creationTimestamp;
    if (deletionTimestamp) Object.assign(stored.metadata, { deletionTimestamp, deletionGracePeriodSeconds });
    if (obj.status) stored.status = obj.status;
    await cp.store.update(ref, stored);
  }
}

/** describe prints absolute dates ("Mon, 02 Jan 2006 15:04:05 +0000"): mask them. */
function maskDates(text: string): string {
  return text.replace(/[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} [+-]\d{4}/g, "<date>");
}

const GETS: Array<[string, string[]]> = [
  ["get-pods", ["get", "pods", "-n", "golden"]],
  ["get-pods-wide", ["get", "pods", "-n", "golden", "-o", "wide"]],
  ["get-pods-labels", ["get", "pods", "-n", "golden", "--show-labels", "-l", "app"]],
  ["get-deploy", ["get", "deployments", "-n", "golden"]],
  ["get-deploy-wide", ["get", "deploy", "-n", "golden", "-o", "wide"]],
  ["get-svc", ["get", "services", "-n", "golden"]],
  ["get-svc-wide", ["get", "svc", "-n", "golden", "-o", "wide"]],
  ["get-nodes", ["get", "nodes"]],
  ["get-nodes-wide", ["get", "no", "-o", "wide"]],
  ["get-several", ["get", "deploy,svc", "-n", "golden"]],
  ["get-custom-columns", ["get", "pods", "-n", "golden", "-o", "custom-columns=NAME:.metadata.name,NODE:.spec.nodeName,RESTARTS:.status.containerStatuses[*].restartCount"]],
  ["get-jsonpath", ["get", "pods", "-n", "golden", "-o", 'jsonpath={range .items[*]}{.metadata.name}{"\\t"}{.status.phase}{"\\n"}{end}']],
];

const DESCRIBES: Array<[string, string[]]> = [
  ["describe-pod-web", ["describe", "pod", "-n", "golden", "web-7d4b9c8f5-abcde"]],
  ["describe-pod-crashy", ["describe", "pod", "-n", "golden", "crashy"]],
  ["describe-pod-api", ["describe", "pod", "-n", "golden", "api-0"]],
  ["describe-deploy-web", ["describe", "deploy", "-n", "golden", "web"]],
  ["describe-svc-web", ["describe", "svc", "-n", "golden", "web"]],
  ["describe-node-a", ["describe", "node", "node-a"]],
];

describe("golden output of skiff get and describe", () => {
  let dir: string;
  let cp: ControlPlane;

  function skiff(args: string[]): Promise<string> {
    return new Promise((resolve, reject) => {
      const child = spawn(process.execPath, [CLI, ...args], { env: { ...process.env, SKIFF_HOME: dir, NO_COLOR: "1" } });
      let out = "";
      let err = "";
      child.stdout.on("data", (d) => (out += d));
      child.stderr.on("data", (d) => (err += d));
      child.on("close", (code) => (code === 0 ? resolve(out) : reject(new Error(`skiff ${args.join(" ")} exited ${code}: ${err}`))));
    });
  }

  async function kubectl(args: string[]): Promise<string> {
    const { stdout } = await promisify(execFile)(KUBECTL, args, { env: { ...process.env, KUBECONFIG: cp.paths.kubeconfig, HOME: dir }, timeout: 30_000 });
    return stdout;
  }

  function golden(name: string, actual: string): void {
    const file = join(EXPECTED, `${name}.txt`);
    if (UPDATE || !existsSync(file)) {
      mkdirSync(EXPECTED, { recursive: true });
      writeFileSync(file, actual);
      if (!UPDATE) console.warn(`golden: wrote missing ${file}; review it and commit it`);
      return;
    }
    expect(actual, `${name} differs from ${file} (UPDATE_GOLDEN=1 regenerates)`).toBe(readFileSync(file, "utf8"));
  }

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "skiff-golden-"));
    cp = await startControlPlane({ stateDir: dir, store: "memory", port: 0 });
    await load(cp);
  }, 60_000);
  afterAll(async () => {
    await cp?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  for (const [name, args] of GETS) {
    it(`skiff ${args.join(" ")} matches ${name}.txt`, async () => golden(name, await skiff(args)), 30_000);
  }
  for (const [name, args] of DESCRIBES) {
    it(`skiff ${args.join(" ")} matches ${name}.txt`, async () => golden(name, maskDates(await skiff(args))), 30_000);
  }

  describe.skipIf(!haveKubectl)("against real kubectl on the same server", () => {
    for (const [name, args] of GETS) {
      it(`${name}: same columns and cells as kubectl`, async () => {
        const [ours, theirs] = await Promise.all([skiff(args), kubectl(args)]);
        expect(ours).toBe(theirs);
      }, 30_000);
    }
  });

  it("the fixtures cover the pod states kubectl users meet", async () => {
    const out = await skiff(["get", "pods", "-n", "golden"]);
    for (const s of ["Running", "Pending", "CrashLoopBackOff", "Completed", "OOMKilled", "ContainerCreating", "ImagePullBackOff", "Init:0/1", "Terminating"]) {
      expect(out).toContain(s);
    }
  }, 30_000);
});
