import { describe, expect, it } from "vitest";
import { R } from "../api/kinds.js";
import { ApiError } from "../api/errors.js";
import type { KubeObject } from "../api/types.js";
import type { Client } from "./client.js";
import { ConnectionError } from "./rest.js";
import { FailoverClient } from "./failover-client.js";

/** A client whose get() answers with its name, fails to connect while down, or answers with an API error. */
function server(name: string, state: { down?: boolean; forbid?: boolean; calls: number }): Client {
  const get = async () => {
    state.calls++;
    if (state.down) throw new ConnectionError(name, "ECONNREFUSED", `cannot reach ${name}`);
    if (state.forbid) throw new ApiError("Forbidden", "no");
    return { apiVersion: "v1", kind: "Pod", metadata: { name } } as KubeObject;
  };
  return { get, close: () => undefined } as unknown as Client;
}

describe("FailoverClient", () => {
  it("stays on one server while it answers, and moves on only when it cannot be reached", async () => {
    const a = { calls: 0 } as { down?: boolean; calls: number };
    const b = { calls: 0 } as { down?: boolean; calls: number };
    const switches: string[] = [];
    const c = new FailoverClient([server("a", a), server("b", b)], (from, to) => switches.push(`${from}->${to}`));
    expect((await c.get(R.pods, "default", "x")).metadata.name).toBe("a");
    expect((await c.get(R.pods, "default", "x")).metadata.name).toBe("a");
    a.down = true;
    expect((await c.get(R.pods, "default", "x")).metadata.name).toBe("b");
    a.down = false;
    expect((await c.get(R.pods, "default", "x")).metadata.name).toBe("b"); // no flapping back while b answers
    expect(switches).toEqual(["0->1"]);
    expect(c.active).toBe(1);
  });

  it("does not retry an answer from a server, and fails with the connection error when none can be reached", async () => {
    const a = { calls: 0, forbid: true };
    const b = { calls: 0 };
    const c = new FailoverClient([server("a", a), server("b", b)]);
    await expect(c.get(R.pods, "default", "x")).rejects.toMatchObject({ reason: "Forbidden" });
    expect(b.calls).toBe(0);
    const dead = new FailoverClient([server("a", { calls: 0, down: true }), server("b", { calls: 0, down: true })]);
    await expect(dead.get(R.pods, "default", "x")).rejects.toBeInstanceOf(ConnectionError);
  });
});
