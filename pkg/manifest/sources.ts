// Where manifest text comes from: `-f FILE`, `-f DIR` (with `-R` to descend), and
// `-f -` for stdin. Mirrors kubectl's rules so the same command line picks up the
// same files: explicitly named files are read whatever their extension, while a
// directory walk only takes .json/.yaml/.yml files, in lexical order per directory.
import { promises as fs } from "node:fs";
import type { Dirent } from "node:fs";
import path from "node:path";
import { STDIN_FILE } from "./document.js";
import { ManifestError } from "./errors.js";

export const MANIFEST_EXTENSIONS: readonly string[] = [".json", ".yaml", ".yml"];

export interface ReadSourcesOptions {
  /** Descend into subdirectories (kubectl `-R`). */
  recursive?: boolean;
  /** What `-` reads; defaults to process.stdin. A string is taken as the whole input. */
  stdin?: NodeJS.ReadableStream | string;
}

export interface SourceText {
  file: string;
  text: string;
}

/**
 * Reads every path in argument order. Problems (missing path, unreadable file,
 * directory without manifests) come back in place, as ManifestError entries,
 * instead of aborting: the caller reports them all together.
 */
export async function readSources(
  paths: readonly string[],
  opts: ReadSourcesOptions = {},
): Promise<Array<SourceText | ManifestError>> {
  const out: Array<SourceText | ManifestError> = [];
  let stdinRead = false;
  for (const p of paths) {
    if (p === "-") {
      // A stream can be consumed once; a second "-" would silently read nothing.
      if (stdinRead) out.push(new ManifestError(STDIN_FILE, 'stdin ("-") can only be given once'));
      else out.push(await readStdin(opts.stdin ?? process.stdin));
      stdinRead = true;
    } else if (p === "") {
      out.push(new ManifestError("", 'the path "" does not exist', { unprefixed: true }));
    } else if (/^https?:\/\//i.test(p)) {
      out.push(new ManifestError(p, "reading manifests from a URL is not supported; download the file and pass its path"));
    } else {
      out.push(...(await readPath(p, opts.recursive ?? false)));
    }
  }
  return out;
}

async function readPath(p: string, recursive: boolean): Promise<Array<SourceText | ManifestError>> {
  let isDirectory: boolean;
  try {
    isDirectory = (await fs.stat(p)).isDirectory();
  } catch (err) {
    const code = errorCode(err);
    if (code === "ENOENT" || code === "ENOTDIR") return [new ManifestError(p, `the path "${p}" does not exist`, { unprefixed: true })];
    return [new ManifestError(p, `cannot access the path: ${describeIoError(err)}`)];
  }
  if (!isDirectory) return [await readManifestFile(p)];

  const listing = await listManifestFiles(p, recursive);
  if (listing.files.length === 0 && listing.errors.length === 0) {
    const hint = !recursive && listing.hasSubdirectories ? "; subdirectories are only read with --recursive (-R)" : "";
    return [
      new ManifestError(
        p,
        `no objects passed to apply: the directory has no manifest files (recognized extensions are ${MANIFEST_EXTENSIONS.join(", ")})${hint}`,
      ),
    ];
  }
  const out: Array<SourceText | ManifestError> = [...listing.errors];
  for (const file of listing.files) out.push(await readManifestFile(file));
  return out;
}

export interface ManifestFileListing {
  /** Manifest files, in walk order (lexical per directory, depth first). */
  files: string[];
  hasSubdirectories: boolean;
  errors: ManifestError[];
}

/**
 * Manifest files in `dir`, descending only when `recursive`. Symlinks to files
 * count; symlinks to directories are not followed (like kubectl's walk, and it
 * keeps link cycles from looping).
 */
export async function listManifestFiles(dir: string, recursive: boolean): Promise<ManifestFileListing> {
  const listing: ManifestFileListing = { files: [], hasSubdirectories: false, errors: [] };
  await walk(dir, recursive, listing);
  return listing;
}

async function walk(dir: string, recursive: boolean, listing: ManifestFileListing): Promise<void> {
  let entries: Dirent[];
  try {
    entries = await fs.readdir(dir, { withFileTypes: true });
  } catch (err) {
    listing.errors.push(new ManifestError(dir, `cannot read directory: ${describeIoError(err)}`));
    return;
  }
  // Code-unit order, not localeCompare: the order must not depend on the machine's locale.
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const entry of entries) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      listing.hasSubdirectories = true;
      if (recursive) await walk(full, recursive, listing);
    } else if (hasManifestExtension(entry.name) && (entry.isFile() || (await isFileBehindSymlink(entry, full)))) {
      listing.files.push(full);
    }
  }
}

async function isFileBehindSymlink(entry: Dirent, full: string): Promise<boolean> {
  if (!entry.isSymbolicLink()) return false;
  try {
    return (await fs.stat(full)).isFile();
  } catch {
    return false; // a dangling link in a directory is not something the user asked for
  }
}

/** Case-insensitive, so DEPLOY.YAML copied from elsewhere is not silently skipped. */
export function hasManifestExtension(name: string): boolean {
  const ext = path.extname(name).toLowerCase();
  return MANIFEST_EXTENSIONS.includes(ext);
}

/** Reads one file as UTF-8; `readFile` is replaceable so tests can simulate I/O failures. */
export async function readManifestFile(
  file: string,
  readFile: (file: string) => Promise<string> = (f) => fs.readFile(f, "utf8"),
): Promise<SourceText | ManifestError> {
  try {
    return { file, text: await readFile(file) };
  } catch (err) {
    return new ManifestError(file, `cannot read file: ${describeIoError(err)}`);
  }
}

async function readStdin(input: NodeJS.ReadableStream | string): Promise<SourceText | ManifestError> {
  if (typeof input === "string") return { file: STDIN_FILE, text: input };
  const chunks: Buffer[] = [];
  try {
    for await (const chunk of input) chunks.push(typeof chunk === "string" ? Buffer.from(chunk) : chunk);
  } catch (err) {
    return new ManifestError(STDIN_FILE, `cannot read stdin: ${describeIoError(err)}`);
  }
  return { file: STDIN_FILE, text: Buffer.concat(chunks).toString("utf8") };
}

function errorCode(err: unknown): string | undefined {
  return typeof err === "object" && err !== null && "code" in err ? String((err as { code: unknown }).code) : undefined;
}

function describeIoError(err: unknown): string {
  switch (errorCode(err)) {
    case "EACCES":
    case "EPERM":
      return "permission denied";
    case "EISDIR":
      return "is a directory";
    case "ENOENT":
      return "no such file or directory";
    default:
      return err instanceof Error ? err.message : String(err);
  }
}
