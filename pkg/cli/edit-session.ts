// The loop behind `skiff edit`, as kubectl runs it: write the object to a temp
// file under a comment header, open the editor, and on save PUT it back with
// its resourceVersion. A failed save re-opens the file with the error as
// comments; an unchanged file cancels; saving the same failing text twice
// gives up and keeps a copy of the changes.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse, stringify } from "yaml";

export const EDIT_HEADER = [
  "# Please edit the object below. Lines beginning with a '#' will be ignored,",
  "# and an empty file will abort the edit. If an error occurs while saving this file will be",
  "# reopened with the relevant failures.",
  "#",
];

export interface EditSessionOptions {
  /** The object as the server has it now. */
  object: Record<string, unknown>;
  format: "yaml" | "json";
  /** Runs the user's editor on the file; resolves when it exits (rejects if it failed). */
  openEditor(path: string): Promise<void>;
  /** Save the edited object (PUT with its resourceVersion); throw to re-open with the error. */
  save(edited: Record<string, unknown>): Promise<void>;
  /** For "A copy of your changes has been stored to …". */
  keepDir?: string;
}

export type EditOutcome =
  | { status: "saved" }
  | { status: "cancelled"; reason: "unchanged" | "empty" }
  | { status: "failed"; message: string; copyPath: string };

function serialize(obj: unknown, format: "yaml" | "json"): string {
  return format === "json" ? JSON.stringify(obj, null, 4) + "\n" : stringify(obj, { lineWidth: 0, sortMapEntries: true });
}

/** The text without comment lines, trimmed: what counts as "the user's content". */
export function stripComments(text: string): string {
  return text
    .split("\n")
    .filter((l) => !l.trimStart().startsWith("#"))
    .join("\n")
    .trim();
}

function errorComment(message: string): string[] {
  return message.split("\n").map((l) => `# ${l}`.trimEnd());
}

export async function runEditSession(o: EditSessionOptions): Promise<EditOutcome> {
  const dir = mkdtempSync(join(tmpdir(), "skiff-edit-"));
  const file = join(dir, `edit.${o.format}`);
  const original = serialize(o.object, o.format);
  let body = original;
  let errorLines: string[] = [];
  let lastFailed: string | undefined;
  try {
    for (;;) {
      const header = errorLines.length ? [...EDIT_HEADER, ...errorLines, "#"] : EDIT_HEADER;
      writeFileSync(file, header.join("\n") + "\n" + body);
      await o.openEditor(file);
      const text = readFileSync(file, "utf8");
      const content = stripComments(text);
      if (content === "") return { status: "cancelled", reason: "empty" };
      if (content === stripComments(original)) return { status: "cancelled", reason: "unchanged" };
      if (lastFailed !== undefined && content === lastFailed) {
        // Saved again without fixing the error: stop, and keep the work.
        const copyDir = o.keepDir ?? tmpdir();
        const copyPath = join(copyDir, `skiff-edit-${Date.now()}.${o.format}`);
        writeFileSync(copyPath, text);
        return { status: "failed", message: "Edit cancelled, no valid changes were saved.", copyPath };
      }
      let edited: Record<string, unknown>;
      try {
        const parsed: unknown = o.format === "json" ? JSON.parse(content) : parse(content);
        if (!parsed || typeof parsed !== "object" || Array.isArray(parsed)) throw new Error("the edited file is not an object");
        edited = parsed as Record<string, unknown>;
      } catch (e) {
        errorLines = errorComment(`The edited file had a syntax error: ${(e as Error).message}`);
        body = content + "\n";
        lastFailed = content;
        continue;
      }
      try {
        await o.save(edited);
        return { status: "saved" };
      } catch (e) {
        errorLines = errorComment((e as Error).message);
        body = content + "\n";
        lastFailed = content;
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
