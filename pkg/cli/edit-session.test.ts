import { describe, expect, it } from "vitest";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { EDIT_HEADER, runEditSession } from "./edit-session.js";

const obj = { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "c", resourceVersion: "7" }, data: { a: "1" } };

/** An editor that applies one change per round and records what it was shown. */
function scriptedEditor(rounds: Array<(text: string) => string>) {
  const shown: string[] = [];
  return {
    shown,
    async openEditor(path: string) {
      const text = readFileSync(path, "utf8");
      shown.push(text);
      const step = rounds[shown.length - 1] ?? ((t: string) => t);
      writeFileSync(path, step(text));
    },
  };
}

describe("edit session", () => {
  it("shows kubectl's header and the object, and saves the edit with its resourceVersion", async () => {
    const ed = scriptedEditor([(t) => t.replace('a: "1"', 'a: "2"')]);
    const saved: unknown[] = [];
    const r = await runEditSession({ object: obj, format: "yaml", openEditor: ed.openEditor, save: async (o) => void saved.push(o) });
    expect(r).toEqual({ status: "saved" });
    expect(ed.shown[0].startsWith(EDIT_HEADER.join("\n") + "\napiVersion: v1\n")).toBe(true);
    expect(saved).toEqual([{ ...obj, data: { a: "2" } }]);
  });

  it("cancels when nothing changed or the file was emptied", async () => {
    expect(await runEditSession({ object: obj, format: "yaml", openEditor: scriptedEditor([]).openEditor, save: async () => {} })).toEqual({ status: "cancelled", reason: "unchanged" });
    const empty = scriptedEditor([() => "# only comments\n"]);
    expect(await runEditSession({ object: obj, format: "json", openEditor: empty.openEditor, save: async () => {} })).toEqual({ status: "cancelled", reason: "empty" });
  });

  it("re-opens with the error as a comment, then saves the fix", async () => {
    const ed = scriptedEditor([(t) => t.replace('a: "1"', "a: [broken"), (t) => t.replace(/^ {2}a: \[broken$/m, '  a: "3"'), (t) => t]);
    let attempts = 0;
    const r = await runEditSession({
      object: obj,
      format: "yaml",
      openEditor: ed.openEditor,
      save: async (o) => {
        attempts++;
        if ((o as typeof obj).data.a !== "3") throw new Error("configmaps \"c\" was not valid:\n* data.a: Invalid");
      },
    });
    expect(r.status).toBe("saved");
    expect(ed.shown[1]).toContain("# The edited file had a syntax error");
    expect(ed.shown[1]).toContain("a: [broken");
    expect(attempts).toBe(1);
  });

  it("gives up when the same failing text is saved again, keeping a copy", async () => {
    const ed = scriptedEditor([(t) => t.replace('a: "1"', 'a: "bad"'), (t) => t]);
    const keepDir = mkdtempSync(join(tmpdir(), "skiff-edit-keep-"));
    try {
      const r = await runEditSession({ object: obj, format: "yaml", keepDir, openEditor: ed.openEditor, save: async () => Promise.reject(new Error("nope: rejected")) });
      expect(r.status).toBe("failed");
      expect(ed.shown[1]).toContain("# nope: rejected\n#\n");
      if (r.status === "failed") {
        expect(r.copyPath.startsWith(keepDir)).toBe(true);
        expect(readFileSync(r.copyPath, "utf8")).toContain('a: "bad"');
      }
    } finally {
      rmSync(keepDir, { recursive: true, force: true });
    }
  });
});
