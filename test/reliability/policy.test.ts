// Names, labels and namespaces follow Kubernetes' DNS-1123 rules (checked as
// properties against reference regular expressions, through the registry), and
// the Docker runtime cannot be talked into privileged or host-namespace
// containers even if admission were bypassed.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import fc from "fast-check";
import { openStore } from "../../pkg/store/index.js";
import type { Store } from "../../pkg/store/store.js";
import { newContext, Registry } from "../../pkg/apiserver/registry.js";
import { R } from "../../pkg/api/kinds.js";
import { toCreateOptions } from "../../pkg/runtime/docker.js";
import type { ContainerSpec } from "../../pkg/runtime/runtime.js";
import { CaseCounter, FUZZ_TIMEOUT_MS, runs } from "./helpers.js";

// apimachinery pkg/util/validation, verbatim.
const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const QUALIFIED_NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

const isLabel = (s: string) => s.length <= 63 && DNS1123_LABEL.test(s);
const isSubdomain = (s: string) => s.length <= 253 && DNS1123_SUBDOMAIN.test(s);
const isDns1035 = (s: string) => s.length <= 63 && DNS1035_LABEL.test(s);
function isLabelKey(k: string): boolean {
  const parts = k.split("/");
  if (parts.length > 2) return false;
  const name = parts[parts.length - 1];
  if (parts.length === 2 && (parts[0] === "" || !isSubdomain(parts[0]))) return false;
  return name.length > 0 && name.length <= 63 && QUALIFIED_NAME.test(name);
}
const isLabelValue = (v: string) => v.length <= 63 && LABEL_VALUE.test(v);

/** Strings near the rules' edges: the right alphabet, wrong characters, lengths around 63 and 253. */
const nameish = fc.oneof(
  fc.stringMatching(/^[a-z0-9.-]{1,20}$/),
  fc.stringMatching(/^[a-zA-Z0-9._\/-]{0,20}$/),
  fc.constantFrom("a".repeat(63), "a".repeat(64), "a".repeat(253), "a".repeat(254), `${"a".repeat(63)}.${"b".repeat(63)}`, "-a", "a-", "a..b", ".a", "A", "a_b", "1a", "a/b", "é", "a b", "", "kube-system"),
  fc.tuple(fc.constantFrom(...["a", "b", "-", ".", "1", "Z", "_"]), fc.integer({ min: 1, max: 300 })).map(([c, n]) => "x" + c.repeat(n) + "y"),
);

describe("DNS-1123 names, labels and namespaces", { timeout: FUZZ_TIMEOUT_MS }, () => {
  let store: Store;
  let registry: Registry;
  const counter = new CaseCounter("names");

  beforeAll(async () => {
    store = await openStore("memory");
    registry = new Registry(store);
    await registry.bootstrap();
  });
  afterAll(async () => {
    counter.flush();
    registry.close();
    await store.close();
  });

  async function accepted(p: Promise<unknown>): Promise<boolean> {
    try {
      await p;
      return true;
    } catch (e) {
      expect((e as { reason?: string }).reason, String(e)).toBe("Invalid");
      return false;
    }
  }
  const dry = () => newContext({ dryRun: true });

  it("ConfigMap and Deployment names are DNS-1123 subdomains", async () => {
    await fc.assert(
      fc.asyncProperty(nameish, async (name) => {
        const ok = await accepted(registry.create(R.configmaps, "default", { metadata: { name } }, dry()));
        counter.count("subdomain-names", ok ? "accepted" : "refused");
        expect(ok, JSON.stringify(name)).toBe(isSubdomain(name));
      }),
      { numRuns: runs(600) },
    );
  });

  it("namespace names are DNS-1123 labels", async () => {
    await fc.assert(
      fc.asyncProperty(nameish, async (name) => {
        const ok = await accepted(registry.create(R.namespaces, undefined, { metadata: { name } }, dry()));
        counter.count("namespace-names", ok ? "accepted" : "refused");
        expect(ok, JSON.stringify(name)).toBe(isLabel(name));
      }),
      { numRuns: runs(600) },
    );
  });

  it("service names are DNS-1035 labels", async () => {
    await fc.assert(
      fc.asyncProperty(nameish, async (name) => {
        const ok = await accepted(registry.create(R.services, "default", { metadata: { name }, spec: { ports: [{ port: 80 }] } }, dry()));
        counter.count("service-names", ok ? "accepted" : "refused");
        expect(ok, JSON.stringify(name)).toBe(isDns1035(name));
      }),
      { numRuns: runs(600) },
    );
  });

  it("label keys are qualified names with an optional DNS subdomain prefix; values at most 63 characters", async () => {
    await fc.assert(
      fc.asyncProperty(nameish, nameish, async (key, value) => {
        const ok = await accepted(registry.create(R.configmaps, "default", { metadata: { name: "labelled", labels: { [key]: value } } }, dry()));
        counter.count("labels", ok ? "accepted" : "refused");
        expect(ok, `${JSON.stringify(key)}: ${JSON.stringify(value)}`).toBe(isLabelKey(key) && isLabelValue(value));
      }),
      { numRuns: runs(800) },
    );
  });

  it("a namespace that does not exist (or is not a DNS label) cannot receive objects", async () => {
    await expect(registry.create(R.configmaps, "Not_A_Namespace", { metadata: { name: "x" } }, newContext())).rejects.toMatchObject({ reason: "NotFound" });
  });
});

describe("Docker runtime create options", () => {
  it("never carry privileged, host namespaces, capabilities or devices, whatever the spec object holds", () => {
    const spec = {
      name: "x",
      image: "skiff/busybox:latest",
      labels: { "skiff.pod-uid": "u", "skiff.node": "n", "skiff.container": "c" },
      // Fields a bypassed admission or a confused caller might smuggle in:
      privileged: true,
      hostNetwork: true,
      securityContext: { privileged: true, capabilities: { add: ["SYS_ADMIN"] } },
      HostConfig: { Privileged: true, NetworkMode: "host", PidMode: "host", IpcMode: "host", CapAdd: ["ALL"], Devices: [{ PathOnHost: "/dev/mem" }] },
    } as unknown as ContainerSpec;
    const host = toCreateOptions(spec).HostConfig as Record<string, unknown>;
    expect(host.Privileged ?? false).toBe(false);
    for (const k of ["NetworkMode", "PidMode", "IpcMode", "CapAdd", "Devices", "UsernsMode", "SecurityOpt"]) expect(host[k], k).toBeUndefined();
    expect(JSON.stringify(toCreateOptions(spec))).not.toMatch(/Privileged":true|"host"|SYS_ADMIN|\/dev\/mem/);
  });
});
