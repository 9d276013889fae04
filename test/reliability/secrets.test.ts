// A Secret's value must not leak into what skiff writes for people to read:
// the server's request log (`skiff up -v`), the audit log, events, and the
// CLI's tables and descriptions. (`get secret -o yaml` shows the data on
// purpose, base64-encoded, as kubectl does; that is the one place it may be.)
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { randomBytes } from "node:crypto";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { R } from "../../pkg/api/kinds.js";
import { clientFor, killAll, runSkiff, startUp, waitFor, type Up } from "./cli-helpers.js";
import { recordResult } from "./helpers.js";

describe("secrets stay out of logs, events and CLI output", () => {
  let dir: string;
  let home: string;
  let up: Up;
  const value = `S3CR3T-${randomBytes(8).toString("hex")}`;
  const b64 = Buffer.from(value).toString("base64");

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "skiff-secrets-"));
    home = join(dir, "home");
    up = await startUp(home, ["--runtime", "fake", "--nodes", "1", "-v"]);
  });
  afterAll(async () => {
    up.proc.kill("SIGTERM");
    await up.exited;
    killAll();
    rmSync(dir, { recursive: true, force: true });
  });

  it("does not print a secret's value anywhere but `get secret -o yaml/json`", async () => {
    const manifest = join(dir, "app.yaml");
    writeFileSync(
      manifest,
      [
        `apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\ntype: Opaque\nstringData:\n  password: ${value}\n`,
        `apiVersion: v1\nkind: Secret\nmetadata:\n  name: raw\ndata:\n  token: ${b64}\n`,
        [
          "apiVersion: v1\nkind: Pod\nmetadata:\n  name: uses-secret\nspec:\n  containers:\n  - name: c\n    image: skiff/busybox:latest",
          "    command: [sleep, '3600']\n    env:\n    - name: PASSWORD\n      valueFrom:\n        secretKeyRef: {name: db, key: password}",
          "    volumeMounts:\n    - {name: s, mountPath: /secret}\n  volumes:\n  - name: s\n    secret: {secretName: raw}\n",
        ].join("\n"),
      ].join("---\n"),
    );
    const outputs: string[] = [];
    const run = async (args: string[]) => {
      const r = await runSkiff(home, args);
      outputs.push(`$ skiff ${args.join(" ")}\n${r.stdout}${r.stderr}`);
      return r;
    };
    expect((await run(["apply", "-f", manifest])).code).toBe(0);
    const client = clientFor(home);
    await waitFor("the pod to run", async () => ((await client.get(R.pods, "default", "uses-secret")).status as { phase?: string })?.phase === "Running", 120_000);
    // A bad update quoting the value, and a bad pod referencing a missing key: errors must not echo it either.
    writeFileSync(join(dir, "bad.yaml"), `apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\ntype: Opaque\ndata:\n  password: "${value}!!"\n`);
    await run(["apply", "-f", join(dir, "bad.yaml")]);
    for (const args of [
      ["get", "secrets"],
      ["get", "secrets", "-o", "wide"],
      ["describe", "secret", "db"],
      ["describe", "secret", "raw"],
      ["describe", "pod", "uses-secret"],
      ["get", "pod", "uses-secret", "-o", "yaml"],
      ["get", "events"],
    ]) {
      await run(args);
    }
    const events = JSON.stringify((await client.list(R.events, undefined)).items);
    client.rest.close();
    // Let the audit log writer flush.
    await new Promise((r) => setTimeout(r, 1500));
    const audit = existsSync(join(home, "audit.log")) ? readFileSync(join(home, "audit.log"), "utf8") : "";
    const places: Record<string, string> = { "skiff up -v output": up.output(), "audit log": audit, events, "CLI output": outputs.join("\n") };
    const leaks = Object.entries(places).filter(([, text]) => text.includes(value) || text.includes(b64)).map(([where]) => where);
    recordResult({ kind: "check", check: "secret value absent from server log, audit log, events and CLI tables/descriptions", leaks });
    expect(leaks, leaks.map((w) => `${w}:\n${places[w].split("\n").filter((l) => l.includes(value) || l.includes(b64)).join("\n")}`).join("\n")).toEqual([]);
    // The server log did log requests (so the check above looked at something).
    expect(up.output()).toMatch(/secrets/);
  }, 240_000);
});
