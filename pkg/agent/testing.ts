// Test harness: an in-memory cluster (registry + InProcessClient), a
// FakeRuntime and an Agent on one FakeClock. Used by the agent's unit tests and
// usable by anyone who wants a node without Docker.
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { R } from "../api/kinds.js";
import type { Event, KubeObject } from "../api/types.js";
import { Registry } from "../apiserver/registry.js";
import { InProcessClient } from "../client/in-process.js";
import { FakeRuntime, type FakeRuntimeOptions } from "../runtime/fake.js";
import { openStore } from "../store/index.js";
import { FakeClock } from "../util/clock.js";
import { Agent, type AgentOptions } from "./agent.js";
import type { AgentPod, V1PodSpec } from "./types.js";

export interface Harness {
  clock: FakeClock;
  registry: Registry;
  client: InProcessClient;
  runtime: FakeRuntime;
  agent: Agent;
  stateDir: string;
  errors: Error[];
  /** A new agent on the same cluster, runtime and clock (the old one must be stopped). */
  restartAgent(extra?: Partial<AgentOptions>): Promise<Agent>;
  createPod(name: string, spec: Partial<V1PodSpec>, meta?: Record<string, unknown>): Promise<AgentPod>;
  getPod(name: string, namespace?: string): Promise<AgentPod | undefined>;
  events(podName: string): Promise<Event[]>;
  /** Polls (real time, letting promises run) until fn returns a truthy value or throws after timeoutMs. */
  until<T>(fn: () => Promise<T> | T, what?: string, timeoutMs?: number): Promise<NonNullable<T>>;
  /** Advances the fake clock in steps so chains of timers and promises settle between them. */
  advance(ms: number, stepMs?: number): Promise<void>;
  close(): Promise<void>;
}

export async function startHarness(
  opts: { fake?: FakeRuntimeOptions; agent?: Partial<AgentOptions>; nodeName?: string; images?: string[] } = {},
): Promise<Harness> {
  const clock = new FakeClock(Date.now());
  const store = await openStore("memory");
  const registry = new Registry(store);
  await registry.bootstrap();
  const client = new InProcessClient(registry);
  const runtime = new FakeRuntime({ clock, images: opts.images ?? ["busybox:latest"], ...opts.fake });
  const stateDir = await mkdtemp(path.join(os.tmpdir(), "skiff-agent-"));
  const errors: Error[] = [];
  const nodeName = opts.nodeName ?? "node-1";
  const makeAgent = (extra: Partial<AgentOptions> = {}) =>
    new Agent({
      client,
      runtime,
      nodeName,
      clock,
      stateDir,
      capacity: { cpu: "4", memory: "8Gi", pods: 110 },
      onError: (e) => errors.push(e),
      ...opts.agent,
      ...extra,
    });
  const h: Harness = {
    clock,
    registry,
    client,
    runtime,
    agent: makeAgent(),
    stateDir,
    errors,
    async restartAgent(extra) {
      h.agent = makeAgent(extra);
      await h.agent.start();
      return h.agent;
    },
    async createPod(name, spec, meta = {}) {
      const pod: KubeObject = {
        apiVersion: "v1",
        kind: "Pod",
        metadata: { name, namespace: "default", ...meta },
        spec: { nodeName, containers: [{ name: "main", image: "busybox", command: ["sleep", "3600"] }], ...spec },
      };
      return (await client.create(R.pods, "default", pod)) as AgentPod;
    },
    async getPod(name, namespace = "default") {
      try {
        return (await client.get(R.pods, namespace, name)) as AgentPod;
      } catch {
        return undefined;
      }
    },
    async events(podName) {
      const list = await client.list<Event>(R.events, "default", { fieldSelector: `involvedObject.name=${podName}` });
      return list.items;
    },
    async until(fn, what = "condition", timeoutMs = 3000) {
      const deadline = Date.now() + timeoutMs;
      let last: unknown;
      for (;;) {
        try {
          const v = await fn();
          if (v) return v as NonNullable<Awaited<typeof v>>;
        } catch (e) {
          last = e;
        }
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${(last as Error).message}` : ""}`);
        await new Promise((r) => setTimeout(r, 5));
      }
    },
    async advance(ms, stepMs = 500) {
      for (let left = ms; left > 0; left -= stepMs) {
        await clock.advance(Math.min(stepMs, left));
        await new Promise((r) => setTimeout(r, 1));
      }
    },
    async close() {
      await h.agent.stop().catch(() => undefined);
      await runtime.close();
      registry.close();
      await rm(stateDir, { recursive: true, force: true });
    },
  };
  await h.agent.start();
  return h;
}

/** The status of one container of a pod (app or init). */
export function containerStatus(pod: AgentPod | undefined, name: string) {
  const all = [...(pod?.status?.initContainerStatuses ?? []), ...(pod?.status?.containerStatuses ?? [])];
  return all.find((s) => s.name === name);
}

export function condition(pod: AgentPod | undefined, type: string) {
  return pod?.status?.conditions?.find((c) => c.type === type);
}
