import { describe, expect, it } from "vitest";
import { R } from "../api/kinds.js";
import { Registry } from "../apiserver/registry.js";
import { InProcessClient } from "../client/in-process.js";
import { ConnectionError } from "../client/rest.js";
import { openStore } from "../store/index.js";
import { FaultyClient } from "./faulty-client.js";

async function client(): Promise<InProcessClient> {
  const registry = new Registry(await openStore("memory"));
  await registry.bootstrap();
  return new InProcessClient(registry);
}

describe("FaultyClient", () => {
  it("passes calls through while no fault is on", async () => {
    const fc = new FaultyClient(await client(), "node-1");
    expect(fc.faulty).toBe(false);
    expect((await fc.get(R.namespaces, undefined, "default")).metadata.name).toBe("default");
  });

  it("fails every call with ConnectionError while partitioned, and recovers", async () => {
    const fc = new FaultyClient(await client(), "node-1");
    fc.faults.partitioned = true;
    await expect(fc.get(R.namespaces, undefined, "default")).rejects.toBeInstanceOf(ConnectionError);
    await expect(fc.list(R.pods, "default")).rejects.toThrow(/node-1: connection to the API server refused/);
    fc.faults.partitioned = false;
    expect((await fc.list(R.pods, "default")).items).toEqual([]);
  });

  it("delays every call by the latency", async () => {
    const fc = new FaultyClient(await client(), "node-1");
    fc.faults.latencyMs = 200;
    const t0 = performance.now();
    await fc.get(R.namespaces, undefined, "default");
    expect(performance.now() - t0).toBeGreaterThanOrEqual(190);
  });

  it("leaves the shared client open when closed", async () => {
    const inner = await client();
    new FaultyClient(inner, "node-1").close();
    expect((await inner.get(R.namespaces, undefined, "default")).metadata.name).toBe("default");
  });
});
