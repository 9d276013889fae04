// Why the Docker socket does not answer, when the reason is one a user can
// fix with a flag. The common case: skiff runs in a container as a non-root
// user with the host's socket mounted; the socket belongs to root and the
// host's docker group, a group the container user is not in.
import { accessSync, constants, statSync } from "node:fs";

export const DEFAULT_DOCKER_SOCKET = "/var/run/docker.sock";

/** The socket dockerode would use: DOCKER_HOST=unix://… or the default path; undefined for tcp:// engines. */
export function dockerSocketPath(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const host = env.DOCKER_HOST;
  if (!host) return DEFAULT_DOCKER_SOCKET;
  return host.startsWith("unix://") ? host.slice("unix://".length) : undefined;
}

/**
 * A sentence saying how to fix access to the socket, or undefined when the
 * socket is missing or this process may read and write it (then the engine
 * itself is the problem).
 */
export function dockerSocketPermissionHint(path = dockerSocketPath()): string | undefined {
  if (!path) return undefined;
  let gid: number;
  try {
    gid = statSync(path).gid;
  } catch {
    return undefined; // no socket: nothing a group would fix
  }
  try {
    accessSync(path, constants.R_OK | constants.W_OK);
    return undefined;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "EACCES") return undefined;
  }
  const uid = process.getuid?.() ?? -1;
  return (
    `permission denied on ${path} (uid ${uid} is not in its group ${gid}). ` +
    `In a container, add that group: docker run --group-add ${gid} -v ${path}:${path} …; ` +
    `on a host, add the user to the socket's group.`
  );
}
