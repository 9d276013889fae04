// `skiff down` keeps the local-path volumes' data unless `--volumes` is given
// (as `docker compose down` keeps named volumes without -v).
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { main } from "../cmd/skiff.js";

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

async function down(...args: string[]): Promise<{ code: number; stdout: string }> {
  let stdout = "";
  const out = vi.spyOn(process.stdout, "write").mockImplementation((s) => ((stdout += String(s)), true));
  try {
    return { code: await main(["node", "skiff", "down", ...args]), stdout };
  } finally {
    out.mockRestore();
  }
}

describe("skiff down and volumes", () => {
  it("keeps <state dir>/volumes by default and removes it with --volumes", async () => {
    const dir = mkdtempSync(join(tmpdir(), "skiff-down-volumes-"));
    dirs.push(dir);
    const data = join(dir, "volumes", "pvc-1_default_data");
    mkdirSync(data, { recursive: true });
    writeFileSync(join(data, "row"), "1");

    const kept = await down("--state-dir", dir);
    expect(kept.code).toBe(0);
    expect(kept.stdout).toContain(`volumes kept in ${join(dir, "volumes")}`);
    expect(existsSync(join(data, "row"))).toBe(true);

    const removed = await down("--state-dir", dir, "--volumes");
    expect(removed.code).toBe(0);
    expect(removed.stdout).toContain("its volumes were removed");
    expect(existsSync(join(dir, "volumes"))).toBe(false);
  });
});
