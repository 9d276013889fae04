import { afterEach, describe, expect, it } from "vitest";
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DEFAULT_DOCKER_SOCKET, dockerSocketPath, dockerSocketPermissionHint } from "./docker-socket.js";

describe("dockerSocketPath", () => {
  it("follows DOCKER_HOST for unix sockets and has no path for tcp engines", () => {
    expect(dockerSocketPath({})).toBe(DEFAULT_DOCKER_SOCKET);
    expect(dockerSocketPath({ DOCKER_HOST: "unix:///run/user/1000/docker.sock" })).toBe("/run/user/1000/docker.sock");
    expect(dockerSocketPath({ DOCKER_HOST: "tcp://127.0.0.1:2375" })).toBeUndefined();
  });
});

describe("dockerSocketPermissionHint", () => {
  let dir: string | undefined;
  afterEach(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
    dir = undefined;
  });

  it("says nothing when the socket is missing or usable", () => {
    dir = mkdtempSync(join(tmpdir(), "skiff-sock-"));
    expect(dockerSocketPermissionHint(join(dir, "missing.sock"))).toBeUndefined();
    const file = join(dir, "docker.sock");
    writeFileSync(file, "");
    chmodSync(file, 0o666);
    expect(dockerSocketPermissionHint(file)).toBeUndefined();
    expect(dockerSocketPermissionHint(undefined)).toBeUndefined();
  });

  // Root may open anything, so the EACCES branch is only reachable as another
  // user; test/e2e/image.test.ts covers it in the image (uid 65534).
  it.skipIf(process.getuid?.() === 0)("names the socket's group when access is denied", () => {
    dir = mkdtempSync(join(tmpdir(), "skiff-sock-"));
    const file = join(dir, "docker.sock");
    writeFileSync(file, "");
    chmodSync(file, 0o000);
    expect(dockerSocketPermissionHint(file)).toMatch(/permission denied on .*docker\.sock .*--group-add \d+/);
  });
});
