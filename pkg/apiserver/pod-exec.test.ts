import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { FastifyInstance } from "fastify";
import { openStore } from "../store/index.js";
import { Registry } from "./registry.js";
import { buildApiServer } from "./server.js";
import type { PodExecOptions } from "../api/pod-exec.js";

describe("skiff's exec endpoint", () => {
  let registry: Registry;
  let app: FastifyInstance;
  const seen: PodExecOptions[] = [];

  beforeEach(async () => {
    seen.length = 0;
    registry = new Registry(await openStore("memory"));
    await registry.bootstrap();
    app = await buildApiServer({
      registry,
      authenticator: null,
      podExec: (node) =>
        node === "n1"
          ? {
              async exec(pod, opts) {
                seen.push(opts);
                return { exitCode: opts.command[0] === "false" ? 1 : 0, stdout: `${pod.metadata.name}: ${opts.command.join(" ")}\n`, stderr: "" };
              },
            }
          : undefined,
    });
    const mk = (name: string, nodeName: string | undefined) =>
      app.inject({ method: "POST", url: "/api/v1/namespaces/default/pods", payload: { apiVersion: "v1", kind: "Pod", metadata: { name }, spec: { nodeName, containers: [{ name: "main", image: "i" }] } } });
    await mk("one", "n1");
    await mk("lost", "n9");
    await mk("pending", undefined);
  });
  afterEach(async () => {
    await app.close();
    registry.close();
  });

  it("runs a command given as repeated query parameters, like kubectl's", async () => {
    const r = await app.inject({ method: "POST", url: "/api/v1/namespaces/default/pods/one/exec?command=echo&command=hi%20there&container=main" });
    expect(r.statusCode).toBe(200);
    expect(r.json()).toEqual({ kind: "ExecResult", apiVersion: "skiff.dev/v1", exitCode: 0, stdout: "one: echo hi there\n", stderr: "" });
    expect(seen[0]).toMatchObject({ container: "main", command: ["echo", "hi there"] });
  });

  it("takes a JSON body too, and passes exit codes and timeouts through", async () => {
    const r = await app.inject({ method: "POST", url: "/api/v1/namespaces/default/pods/one/exec", payload: { command: ["false"], timeoutSeconds: 5 } });
    expect(r.json().exitCode).toBe(1);
    expect(seen[0].timeoutMs).toBe(5000);
  });

  it("answers with Status errors: no command, unscheduled, no agent, missing pod, bad timeout", async () => {
    const status = async (url: string, payload?: object) => {
      const r = await app.inject({ method: "POST", url, payload });
      return [r.statusCode, r.json().message as string] as const;
    };
    expect(await status("/api/v1/namespaces/default/pods/one/exec")).toEqual([400, expect.stringContaining("at least one command")]);
    expect(await status("/api/v1/namespaces/default/pods/pending/exec?command=ls")).toEqual([400, expect.stringContaining("not scheduled")]);
    expect(await status("/api/v1/namespaces/default/pods/lost/exec?command=ls")).toEqual([503, expect.stringContaining('no agent is serving node "n9"')]);
    expect((await status("/api/v1/namespaces/default/pods/nope/exec?command=ls"))[0]).toBe(404);
    expect((await status("/api/v1/namespaces/default/pods/one/exec?command=ls&timeoutSeconds=0"))[0]).toBe(400);
  });

  it("leaves the ordinary pod routes alone", async () => {
    expect((await app.inject({ method: "GET", url: "/api/v1/namespaces/default/pods/one" })).statusCode).toBe(200);
    expect((await app.inject({ method: "POST", url: "/api/v1/namespaces/default/pods", payload: { apiVersion: "v1", kind: "Pod", metadata: { name: "two" }, spec: { containers: [{ name: "m", image: "i" }] } } })).statusCode).toBe(201);
  });
});
