// kind cannot run on these machines: only the "tools missing" path is tested,
// by pointing PATH at directories without (or with only one of) the binaries.
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { KIND_DOCS, MissingToolsError, findOnPath, kindDown, kindKubeconfigPath, kindUp } from "./kind-cluster.js";

describe("skiff kind without kind or docker", () => {
  let dir: string;
  let onlyDocker: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "skiff-kind-"));
    onlyDocker = join(dir, "bin");
    // A fake docker must never be run: the check fails on the missing kind first.
    writeFileSync(join(dir, "placeholder"), "");
    mkdirSync(onlyDocker);
    writeFileSync(join(onlyDocker, "docker"), "#!/bin/sh\nexit 99\n");
    chmodSync(join(onlyDocker, "docker"), 0o755);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test("kind up names both missing tools and where to get kind", async () => {
    const err = await kindUp({ stateDir: join(dir, "home"), env: { PATH: join(dir, "empty") } }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MissingToolsError);
    expect((err as MissingToolsError).missing).toEqual(["kind", "docker"]);
    expect((err as Error).message).toContain(KIND_DOCS);
    expect((err as Error).message).toMatch(/`kind` and `docker`/);
  });

  test("kind down with docker present but kind missing names only kind", async () => {
    const err = await kindDown({ stateDir: join(dir, "home"), env: { PATH: onlyDocker } }).catch((e: unknown) => e);
    expect((err as MissingToolsError).missing).toEqual(["kind"]);
    expect((err as Error).message).not.toMatch(/docker: kind runs/);
  });

  test("findOnPath needs an executable file", () => {
    expect(findOnPath("docker", onlyDocker)).toBe(join(onlyDocker, "docker"));
    expect(findOnPath("placeholder", dir)).toBeUndefined(); // not executable
    expect(kindKubeconfigPath("/s")).toBe("/s/kind-kubeconfig");
  });
});
