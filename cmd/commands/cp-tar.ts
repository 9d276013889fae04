// The local half of `skiff cp`, as kubectl's: a tar of local files for the
// container's `tar xmf -`, and the unpacking of a container's `tar cf -` into
// a local path. Entries that would land outside the destination (.. or
// absolute names) and links are refused, as kubectl refuses them: a pod's tar
// is untrusted input.
import { createReadStream, createWriteStream, mkdirSync, readdirSync, statSync } from "node:fs";
import { dirname, join, posix, relative, resolve, sep } from "node:path";
import { pipeline } from "node:stream/promises";
import tar, { type Extract, type Pack } from "tar-stream";

/** Where a tar archive comes from: an exec's stdout, or a pack (tests). */
export interface ArchiveSource {
  pipe(dest: Extract): unknown;
  on(event: "error", listener: (e: Error) => void): unknown;
}

/** A tar stream of local path (a file or a directory, recursively) under the entry name `name`. */
export function packLocal(path: string, name: string): Pack {
  const pack = tar.pack();
  const add = async (p: string, n: string): Promise<void> => {
    const st = statSync(p);
    if (st.isDirectory()) {
      pack.entry({ name: n, type: "directory", mode: st.mode & 0o7777, mtime: st.mtime });
      for (const child of readdirSync(p).sort()) await add(join(p, child), posix.join(n, child));
      return;
    }
    if (!st.isFile()) return; // sockets, devices: nothing a container can use
    const entry = pack.entry({ name: n, type: "file", size: st.size, mode: st.mode & 0o7777, mtime: st.mtime });
    await pipeline(createReadStream(p), entry);
  };
  add(path, name).then(
    () => pack.finalize(),
    (e: unknown) => pack.destroy(e instanceof Error ? e : new Error(String(e))),
  );
  return pack;
}

/** "/tmp/a/" → "tmp/a": how tar names what `tar cf - SRC` archived. */
export function tarPrefix(remotePath: string): string {
  return posix.normalize(remotePath).replace(/^\/+/, "").replace(/\/+$/, "");
}

/**
 * Writes the entries of a `tar cf - SRC` stream under dest: SRC itself becomes
 * dest, anything below it dest/REST. Returns how many files it wrote.
 */
export async function extractInto(archive: ArchiveSource, remotePath: string, dest: string): Promise<number> {
  const prefix = tarPrefix(remotePath);
  const root = resolve(dest);
  const extract = tar.extract();
  archive.on("error", (e) => extract.destroy(e));
  archive.pipe(extract);
  let files = 0;
  for await (const entry of extract) {
    const name = entry.header.name.replace(/\/+$/, "");
    const rest = name === prefix ? "" : name.startsWith(prefix + "/") ? name.slice(prefix.length + 1) : undefined;
    const out = rest === undefined ? undefined : resolve(root, rest);
    if (out === undefined || (out !== root && !out.startsWith(root + sep))) {
      entry.resume();
      throw new Error(`refusing to extract "${entry.header.name}": it is outside ${remotePath}`);
    }
    const type = entry.header.type ?? "file";
    if (type === "directory") {
      mkdirSync(out, { recursive: true });
      entry.resume();
    } else if (type === "file" || type === "contiguous-file") {
      mkdirSync(dirname(out), { recursive: true });
      await pipeline(entry, createWriteStream(out, { mode: (entry.header.mode ?? 0o644) & 0o777 }));
      files++;
    } else {
      process.stderr.write(`warning: skipping ${relative(root, out) || entry.header.name}: a ${type} is not copied\n`);
      entry.resume();
    }
  }
  return files;
}
