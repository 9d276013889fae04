import { mkdtempSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { Readable } from "node:stream";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { decodeSources, ManifestError, ManifestErrors } from "./decode.js";
import { hasManifestExtension, listManifestFiles, readManifestFile, readSources } from "./sources.js";

const testdata = path.join(path.dirname(fileURLToPath(import.meta.url)), "testdata");
const names = (docs: { object: Record<string, unknown> }[]) =>
  docs.map((d) => (d.object.metadata as { name: string }).name);

const tempDirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(path.join(tmpdir(), "skiff-manifest-"));
  tempDirs.push(dir);
  return dir;
}
afterEach(() => {
  for (const dir of tempDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

async function rejection(p: Promise<unknown>): Promise<ManifestErrors> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ManifestErrors);
  return err as ManifestErrors;
}

describe("directories", () => {
  it("reads only the directory's own .yaml/.yml/.json files, sorted, without -R", async () => {
    const docs = await decodeSources([path.join(testdata, "dir")]);
    expect(names(docs)).toEqual(["dir-a", "dir-b", "dir-c"]); // notes.txt and sub/ are left out
    expect(docs.map((d) => path.relative(testdata, d.source.file))).toEqual([
      path.join("dir", "a.yml"),
      path.join("dir", "b.yaml"),
      path.join("dir", "c.json"),
    ]);
  });

  it("descends into subdirectories with recursive: true, in walk order", async () => {
    const docs = await decodeSources([path.join(testdata, "dir")], { recursive: true });
    expect(names(docs)).toEqual(["dir-a", "dir-b", "dir-c", "dir-sub-d", "dir-sub-deeper-e"]);
  });

  it("reports a directory without manifests, hinting at -R when they sit in subdirectories", async () => {
    const dir = path.join(testdata, "no-manifests");
    const err = await rejection(decodeSources([dir]));
    expect(err.errors).toHaveLength(1);
    expect(err.errors[0].file).toBe(dir);
    expect(err.errors[0].message).toMatch(/no objects passed to apply/);
    expect(err.errors[0].message).toMatch(/--recursive \(-R\)/);
    expect(names(await decodeSources([dir], { recursive: true }))).toEqual(["nested-only"]);
  });

  it("reports an empty directory even next to good files, so the batch is refused", async () => {
    const empty = tempDir();
    const err = await rejection(decodeSources([path.join(testdata, "pod.json"), empty]));
    expect(err.errors.map((e) => e.file)).toEqual([empty]);
    // No subdirectories here, so no hint about -R (the temp dir's own name may contain "-R").
    expect(err.errors[0].message).not.toMatch(/--recursive/);
  });

  it("takes symlinked files but does not follow symlinked directories", async () => {
    const dir = tempDir();
    const cm = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: linked\n";
    mkdirSync(path.join(dir, "real"));
    writeFileSync(path.join(dir, "real", "x.yaml"), cm);
    symlinkSync(path.join(dir, "real", "x.yaml"), path.join(dir, "link.yaml"));
    symlinkSync(dir, path.join(dir, "real", "loop")); // a cycle must not hang the walk
    symlinkSync(path.join(dir, "real"), path.join(dir, "dir-link.yaml")); // a directory, despite its name
    const listing = await listManifestFiles(dir, true);
    expect(listing.files.map((f) => path.relative(dir, f))).toEqual(["link.yaml", path.join("real", "x.yaml")]);
  });

  it("matches extensions case-insensitively and ignores others", () => {
    expect(["a.yaml", "a.YML", "a.json", "a.txt", "yaml", "a.yaml.bak"].map(hasManifestExtension)).toEqual([
      true,
      true,
      true,
      false,
      false,
      false,
    ]);
  });
});

describe("stdin and explicit files", () => {
  const podYaml = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: from-stdin\n";

  it("reads - from a stream, reporting <stdin> as the file", async () => {
    const stdin = Readable.from([Buffer.from(podYaml.slice(0, 10)), Buffer.from(podYaml.slice(10))]);
    const docs = await decodeSources(["-"], { stdin });
    expect(docs).toHaveLength(1);
    expect(docs[0].source).toEqual({ file: "<stdin>", line: 1, index: 0 });
    expect(names(docs)).toEqual(["from-stdin"]);
  });

  it("reads - from a string and mixes it with files in argument order", async () => {
    const docs = await decodeSources([path.join(testdata, "list.json"), "-"], { stdin: podYaml });
    expect(names(docs)).toEqual(["one", "two", "from-stdin"]);
  });

  it("names <stdin> in errors with the line", async () => {
    const err = await rejection(decodeSources(["-"], { stdin: "apiVersion: v1\nkind: Pod\n---\nplain text\n" }));
    expect(err.errors.map((e) => e.message)).toEqual([
      '<stdin>:4: the document is a string ("plain text"), expected an object with apiVersion and kind',
    ]);
  });

  it("refuses - given twice", async () => {
    const err = await rejection(decodeSources(["-", "-"], { stdin: podYaml }));
    expect(err.errors.map((e) => e.message)).toEqual(['<stdin>: stdin ("-") can only be given once']);
  });

  it("reads an explicitly named file whatever its extension", async () => {
    const docs = await decodeSources([path.join(testdata, "dir", "notes.txt")]);
    expect(names(docs)).toEqual(["must-be-ignored"]);
  });

  it("reports a nonexistent path the way kubectl does", async () => {
    const err = await rejection(decodeSources(["foo.yaml"]));
    expect(err.errors).toHaveLength(1);
    expect(err.errors[0]).toMatchObject({ file: "foo.yaml", line: undefined });
    expect(err.message).toBe('the path "foo.yaml" does not exist');
  });

  it("reports an unreadable file with its name", async () => {
    const denied = Object.assign(new Error("EACCES: permission denied, open 'secret.yaml'"), { code: "EACCES" });
    const result = await readManifestFile("secret.yaml", () => Promise.reject(denied));
    expect(result).toBeInstanceOf(ManifestError);
    expect((result as ManifestError).message).toBe("secret.yaml: cannot read file: permission denied");
  });

  it("refuses URLs with a clear message", async () => {
    const [entry] = await readSources(["https://example.com/x.yaml"]);
    expect(entry).toBeInstanceOf(ManifestError);
    expect((entry as ManifestError).message).toMatch(/URL is not supported/);
  });
});
