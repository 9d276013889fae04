import { describe, expect, it } from "vitest";
import { R } from "../api/kinds.js";
import type { KubeObject } from "../api/types.js";
import { newCluster } from "../../test/helpers/controllers.js";
import { parseWaitFor, satisfies, waitForObject, WaitForError } from "./wait.js";

const withConds = (...c: Array<[string, string]>): KubeObject => ({ apiVersion: "batch/v1", kind: "Job", metadata: { name: "j" }, status: { conditions: c.map(([type, status]) => ({ type, status })) } });

describe("parseWaitFor / satisfies", () => {
  it("matches condition type and value case-insensitively, value defaulting to true", () => {
    const w = parseWaitFor("condition=complete");
    expect(w).toEqual({ kind: "condition", type: "complete", value: "true" });
    expect(satisfies(withConds(["Complete", "True"]), w)).toBe(true);
    expect(satisfies(withConds(["Complete", "False"]), w)).toBe(false);
    expect(satisfies(withConds(["Failed", "True"]), w)).toBe(false);
    expect(satisfies(withConds(["Ready", "False"]), parseWaitFor("condition=Ready=false"))).toBe(true);
    expect(satisfies(undefined, w)).toBe(false);
  });

  it("reads JSONPath values and waits for deletion", () => {
    const pod: KubeObject = { apiVersion: "v1", kind: "Pod", metadata: { name: "p" }, status: { phase: "Running", containerStatuses: [{ ready: true }] } };
    expect(satisfies(pod, parseWaitFor("jsonpath={.status.phase}=Running"))).toBe(true);
    expect(satisfies(pod, parseWaitFor("jsonpath={.status.phase}=Succeeded"))).toBe(false);
    expect(satisfies(pod, parseWaitFor("jsonpath={.status.containerStatuses[0].ready}=true"))).toBe(true);
    expect(satisfies(pod, parseWaitFor("jsonpath={.status.podIP}"))).toBe(false);
    expect(satisfies(undefined, parseWaitFor("delete"))).toBe(true);
    expect(satisfies(pod, parseWaitFor("delete"))).toBe(false);
    expect(() => parseWaitFor("ready")).toThrow(WaitForError);
    expect(() => parseWaitFor("condition=")).toThrow(WaitForError);
  });
});

describe("waitForObject", () => {
  it("resolves once the condition appears, false on timeout, NotFound for a missing object", async () => {
    const { client } = await newCluster();
    await client.create(R.configmaps, "default", { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "c" }, data: { phase: "a" } });
    const w = parseWaitFor("jsonpath={.data.phase}=b");
    expect(await waitForObject(client, R.configmaps, "default", "c", w, { timeoutMs: 0 })).toBe(false);
    const pending = waitForObject(client, R.configmaps, "default", "c", w, { timeoutMs: 10_000, pollMs: 10 });
    await client.patch(R.configmaps, "default", "c", "merge", { data: { phase: "b" } });
    expect(await pending).toBe(true);
    await expect(waitForObject(client, R.configmaps, "default", "nope", w, { timeoutMs: 0 })).rejects.toThrow(/not found/);
    const gone = waitForObject(client, R.configmaps, "default", "c", parseWaitFor("delete"), { timeoutMs: 10_000, pollMs: 10 });
    await client.delete(R.configmaps, "default", "c");
    expect(await gone).toBe(true);
  });
});
