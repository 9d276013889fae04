import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { mkdtempSync, rmSync, writeFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { daemonPaths, processAlive, readPid, releasePidFile, runningPid, takeStopRequest, writePidFile, writeStopRequest } from "./pid-file.js";

describe("pid file and stop request", () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "skiff-pid-"));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("finds a live skiff, ignores a stale pid, and releases only its own file", () => {
    expect(runningPid(dir)).toBeUndefined();
    writePidFile(dir, process.ppid);
    expect(runningPid(dir)).toBe(process.ppid);
    writeFileSync(daemonPaths(dir).pidFile, "2147483646\n");
    expect(processAlive(2147483646)).toBe(false);
    expect(runningPid(dir)).toBeUndefined();
    releasePidFile(dir, 123);
    expect(readPid(dir)).toBe(2147483646);
    releasePidFile(dir, 2147483646);
    expect(existsSync(daemonPaths(dir).pidFile)).toBe(false);
  });

  it("hands a stop request over once; without one, containers are kept", () => {
    expect(takeStopRequest(dir)).toEqual({ removeContainers: false });
    writeStopRequest(dir, { removeContainers: true });
    expect(takeStopRequest(dir)).toEqual({ removeContainers: true });
    expect(takeStopRequest(dir)).toEqual({ removeContainers: false });
  });
});
