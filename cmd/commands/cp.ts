// `skiff cp [NAMESPACE/]POD:PATH LOCAL` and `skiff cp LOCAL [NAMESPACE/]POD:PATH`:
// tar over pods/exec, as kubectl cp does — the container's own tar packs
// (`tar cf - PATH`) or unpacks (`tar xmf - -C DIR`); this side only builds or
// reads the archive (cp-tar.ts). The container therefore needs a tar binary.
import { existsSync, statSync } from "node:fs";
import { basename, join, posix } from "node:path";
import { ApiError } from "../../pkg/api/errors.js";
import type { ClusterConnection } from "../../pkg/client/kubeconfig.js";
import { openExec } from "../../pkg/client/streams.js";
import type { RemoteProcess } from "../../pkg/streaming/channel-client.js";
import { connect, ExitError, type GlobalOptions } from "../context.js";
import { describeError } from "../output.js";
import { extractInto, packLocal } from "./cp-tar.js";

export interface CpCommandOptions {
  src: string;
  dest: string;
  container?: string;
  globals: GlobalOptions;
}

export interface RemoteSpec {
  namespace?: string;
  pod: string;
  path: string;
}

/** "ns/pod:/path" or "pod:/path" → the remote side; anything else is a local path. */
export function parseRemoteSpec(arg: string): RemoteSpec | undefined {
  const m = /^(?:([a-z0-9][-a-z0-9.]*)\/)?([a-z0-9][-a-z0-9.]*):(.*)$/.exec(arg);
  if (!m) return undefined;
  if (m[3] === "") throw new ExitError(1, `error: remote path in "${arg}" is empty: use POD:PATH`);
  return { namespace: m[1], pod: m[2], path: m[3] };
}

async function collect(r: NodeJS.ReadableStream | null): Promise<string> {
  if (!r) return "";
  const chunks: Buffer[] = [];
  for await (const c of r) chunks.push(Buffer.from(c as Buffer));
  return Buffer.concat(chunks).toString();
}

/** Waits for proc; a non-zero exit is an error carrying what the container's tar said. */
async function finish(proc: RemoteProcess, stderr: Promise<string>, what: string): Promise<void> {
  const code = await proc.exit;
  const said = (await stderr).trim();
  if (proc.failure) throw new ExitError(1, `error: ${what}: ${proc.failure}`);
  if (code !== 0) throw new ExitError(1, `error: ${what}: command terminated with exit code ${code}${said ? `: ${said}` : ""}`);
}

async function exec(conn: ClusterConnection, r: RemoteSpec & { namespace: string }, container: string | undefined, command: string[], stdin: boolean): Promise<RemoteProcess> {
  return openExec(conn, r.namespace, r.pod, { container, command, stdin, stdout: true, stderr: true, tty: false });
}

async function copyFromPod(conn: ClusterConnection, r: RemoteSpec & { namespace: string }, container: string | undefined, dest: string): Promise<void> {
  const src = posix.normalize(r.path);
  // A single file copied onto an existing directory goes inside it, as cp does.
  const target = existsSync(dest) && statSync(dest).isDirectory() && !src.endsWith("/") ? join(dest, posix.basename(src)) : dest;
  const proc = await exec(conn, r, container, ["tar", "cf", "-", src], false);
  const stderr = collect(proc.stderr);
  let extracted: Error | undefined;
  await extractInto(proc.stdout!, src, target).catch((e: unknown) => {
    extracted = e instanceof Error ? e : new Error(String(e));
    proc.close();
  });
  await finish(proc, stderr, `copying ${r.pod}:${r.path}`);
  if (extracted) throw new ExitError(1, `error: ${extracted.message}`);
}

async function copyToPod(conn: ClusterConnection, local: string, r: RemoteSpec & { namespace: string }, container: string | undefined): Promise<void> {
  if (!existsSync(local)) throw new ExitError(1, `error: ${local} doesn't exist in local filesystem`);
  const dest = posix.normalize(r.path);
  // kubectl asks the container whether dest is a directory: then the copy goes inside it.
  const probe = await exec(conn, r, container, ["test", "-d", dest], false);
  probe.stdout?.resume();
  probe.stderr?.resume();
  const isDir = (await probe.exit) === 0;
  const dir = isDir ? dest : posix.dirname(dest);
  const name = isDir ? basename(local) : posix.basename(dest);
  const proc = await exec(conn, r, container, ["tar", "xmf", "-", "-C", dir], true);
  proc.stdout?.resume();
  const stderr = collect(proc.stderr);
  packLocal(local, name).on("error", () => proc.close()).pipe(proc.stdin!);
  await finish(proc, stderr, `copying ${local} to ${r.pod}:${r.path}`);
}

export async function runCp(o: CpCommandOptions): Promise<void> {
  const from = parseRemoteSpec(o.src);
  const to = parseRemoteSpec(o.dest);
  if (from && to) throw new ExitError(1, "error: one of src or dest must be a local file specification");
  if (!from && !to) throw new ExitError(1, "error: one of src or dest must be a remote file specification (POD:PATH)");
  const s = connect(o.globals);
  try {
    if (from) await copyFromPod(s.conn, { ...from, namespace: from.namespace ?? s.namespace }, o.container, o.dest);
    else if (to) await copyToPod(s.conn, o.src, { ...to, namespace: to.namespace ?? s.namespace }, o.container);
  } catch (e) {
    if (e instanceof ApiError) throw new ExitError(1, describeError(e));
    throw e;
  } finally {
    s.client.close();
  }
}
