import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { FastifyInstance } from "fastify";
import { openStore } from "../store/index.js";
import type { Store } from "../store/store.js";
import { Registry } from "./registry.js";
import { buildApiServer } from "./server.js";
import type { PodLogOptions } from "./pod-logs.js";
import type { KubeObject } from "../api/types.js";

describe("pods/log", () => {
  let store: Store;
  let registry: Registry;
  let app: FastifyInstance;
  const seen: PodLogOptions[] = [];

  beforeEach(async () => {
    store = await openStore("memory");
    registry = new Registry(store);
    await registry.bootstrap();
    app = await buildApiServer({
      registry,
      authenticator: null,
      podLogs: (node) =>
        node === "n1"
          ? {
              async *logs(pod: KubeObject, opts: PodLogOptions) {
                seen.push(opts);
                for (let i = 0; i < 3; i++) yield `${pod.metadata.name}/${opts.container} line ${i}`;
              },
            }
          : undefined,
    });
    const mk = (name: string, nodeName: string | undefined, containers: string[]) =>
      app.inject({ method: "POST", url: "/api/v1/namespaces/default/pods", payload: { apiVersion: "v1", kind: "Pod", metadata: { name }, spec: { nodeName, containers: containers.map((c) => ({ name: c, image: "i" })) } } });
    await mk("one", "n1", ["main"]);
    await mk("two", "n1", ["a", "b"]);
    await mk("lost", "n9", ["main"]);
    await mk("pending", undefined, ["main"]);
  });
  afterEach(async () => {
    registry.close();
    await app.close();
    await store.close();
  });

  it("streams lines from the node's agent with the query options", async () => {
    const res = await app.inject({ url: "/api/v1/namespaces/default/pods/one/log?follow=true&tailLines=5&timestamps=true" });
    expect(res.statusCode).toBe(200);
    expect(res.body).toBe("one/main line 0\none/main line 1\none/main line 2\n");
    expect(seen.at(-1)).toMatchObject({ container: "main", follow: true, tailLines: 5, timestamps: true, previous: false });
  });

  it("asks for a container name when the pod has several, like kubectl", async () => {
    const res = await app.inject({ url: "/api/v1/namespaces/default/pods/two/log" });
    expect(res.statusCode).toBe(400);
    expect(res.json().message).toBe("a container name must be specified for pod two, choose one of: [a b]");
    expect((await app.inject({ url: "/api/v1/namespaces/default/pods/two/log?container=b" })).body).toContain("two/b line 0");
  });

  it("explains pods that have no logs yet or no reachable agent", async () => {
    expect((await app.inject({ url: "/api/v1/namespaces/default/pods/pending/log" })).json().message).toContain("waiting to start");
    expect((await app.inject({ url: "/api/v1/namespaces/default/pods/lost/log" })).statusCode).toBe(503);
  });
});
