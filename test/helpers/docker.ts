// Shared by Docker e2e tests: find out once whether an engine answers, and say
// loudly when it does not (CI always has one; a laptop may not).
import { randomBytes } from "node:crypto";
import { DockerRuntime } from "../../pkg/runtime/docker.js";
import { LABELS, type ContainerSpec } from "../../pkg/runtime/runtime.js";

export const BUSYBOX = "skiff/busybox:latest";
/** Label on every container a test run creates, so cleanup finds them even after a failure. */
export const TEST_RUN_LABEL = "skiff.test-run";

export async function dockerOrWarn(what: string): Promise<DockerRuntime | undefined> {
  const rt = new DockerRuntime();
  if (await rt.ping()) return rt;
  await rt.close();
  console.warn(
    `\n!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!\n` +
      `!! SKIPPING ${what}: no Docker engine answers.\n` +
      `!! Start one with: bash scripts/docker-up.sh\n` +
      `!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!\n`,
  );
  return undefined;
}

export function newRunId(): string {
  return `e2e-${process.pid}-${randomBytes(3).toString("hex")}`;
}

/** A random pod IP outside the IPAM range, so parallel test files do not collide. */
export function randomPodIP(): string {
  return `127.244.${1 + Math.floor(Math.random() * 250)}.${1 + Math.floor(Math.random() * 250)}`;
}

/** A spec with skiff's labels and the run label; name unique per call. */
export function testSpec(runId: string, name: string, over: Partial<ContainerSpec> = {}): ContainerSpec {
  return {
    name: `skiff-${runId}-${name}`,
    image: BUSYBOX,
    ...over,
    labels: {
      [LABELS.podUid]: `uid-${runId}-${name}`,
      [LABELS.node]: `node-${runId}`,
      [LABELS.container]: name,
      [LABELS.podName]: name,
      [LABELS.podNamespace]: "e2e",
      [LABELS.restartCount]: "0",
      [TEST_RUN_LABEL]: runId,
      ...(over.labels ?? {}),
    },
  };
}

/** Removes every container of the run. Never throws: cleanup must not hide the real failure. */
export async function removeRun(rt: DockerRuntime, runId: string): Promise<number> {
  try {
    const all = await rt.list({ [TEST_RUN_LABEL]: runId });
    await Promise.all(all.map((c) => rt.remove(c.id).catch(() => undefined)));
    return all.length;
  } catch {
    return 0;
  }
}
