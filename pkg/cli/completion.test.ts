import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { execFileSync } from "node:child_process";
import { chmodSync, existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { bashCompletion, kindWords, zshCompletion, type CompletionCommand } from "./completion.js";

const tree: CompletionCommand[] = [
  { path: "", subcommands: ["get", "rollout", "logs"], flags: ["-n", "--namespace"], valueFlags: ["-n", "--namespace"] },
  { path: "get", subcommands: [], flags: ["-o", "--output", "-w", "--watch"], valueFlags: ["-o", "--output"] },
  { path: "rollout", subcommands: ["status", "undo"], flags: [], valueFlags: [] },
  { path: "rollout status", subcommands: [], flags: ["--timeout"], valueFlags: ["--timeout"] },
  { path: "rollout undo", subcommands: [], flags: [], valueFlags: [] },
  { path: "logs", subcommands: [], flags: ["-c"], valueFlags: ["-c"] },
];

const haveBash = existsSync("/bin/bash");
if (!haveBash) console.warn("\n*** SKIPPING completion script tests: no /bin/bash ***\n");

describe.skipIf(!haveBash)("bash completion script", () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "skiff-comp-"));
    // A stand-in skiff that answers `get KIND -o name` and records its arguments.
    writeFileSync(
      join(dir, "skiff"),
      `#!/bin/sh\necho "$@" >> "${dir}/calls"\ncase "$2" in\n  pods) printf 'pod/web-1\\npod/web-2\\npod/db\\n' ;;\n  deploy) printf 'deployment.apps/web\\n' ;;\n  namespaces) printf 'namespace/default\\nnamespace/lab\\n' ;;\nesac\n`,
    );
    chmodSync(join(dir, "skiff"), 0o755);
    writeFileSync(join(dir, "comp.bash"), bashCompletion("skiff", tree));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const complete = (...words: string[]) =>
    execFileSync(
      "/bin/bash",
      ["-c", `source "${dir}/comp.bash"; COMP_WORDS=("$@"); COMP_CWORD=$((\${#COMP_WORDS[@]} - 1)); _skiff; printf '%s\\n' "\${COMPREPLY[@]}"`, "bash", ...words],
      { env: { ...process.env, PATH: `${dir}:${process.env.PATH}` }, encoding: "utf8" },
    )
      .split("\n")
      .filter(Boolean);

  it("completes subcommands, nested subcommands and flags", () => {
    expect(complete("skiff", "ro")).toEqual(["rollout"]);
    expect(complete("skiff", "rollout", "")).toEqual(["status", "undo"]);
    expect(complete("skiff", "get", "pods", "--w")).toEqual(["--watch"]);
    expect(complete("skiff", "get", "--na")).toEqual(["--namespace"]);
    expect(complete("skiff", "get", "-o", "y")).toEqual(["yaml"]);
  });

  it("completes resource kinds, then names from `skiff get KIND -o name`, passing -n along", () => {
    expect(complete("skiff", "get", "deploym")).toEqual(["deployment", "deployments"]);
    expect(complete("skiff", "-n", "lab", "get", "pods", "web")).toEqual(["web-1", "web-2"]);
    expect(complete("skiff", "get", "deploy/w")).toEqual(["deploy/web"]);
    expect(complete("skiff", "logs", "d")).toEqual(["db"]);
    expect(complete("skiff", "rollout", "status", "deploy", "")).toEqual(["web"]);
    expect(complete("skiff", "get", "pods", "-n", "")).toEqual(["default", "lab"]);
    expect(execFileSync("cat", [join(dir, "calls")], { encoding: "utf8" })).toContain("get pods -o name -n lab");
  });

  it("zsh loads the same function through bashcompinit", () => {
    const z = zshCompletion("skiff", tree);
    expect(z.startsWith("#compdef skiff\n")).toBe(true);
    expect(z).toContain("bashcompinit");
    expect(z).toContain("complete -o default -F _skiff skiff");
    expect(kindWords()).toEqual(expect.arrayContaining(["po", "pods", "deploy", "svc", "hpa"]));
  });
});
