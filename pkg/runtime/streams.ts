// The streaming half of a runtime (what the kubelet's streaming server asks
// of CRI): an exec with live stdin/stdout/stderr and a TTY, attaching to a
// container's own process, and a TCP connection into a container's network
// namespace for port-forward.
import type { Duplex } from "node:stream";
import type { ProcessStream, TerminalSize } from "../api/pod-stream.js";
import type { ContainerId } from "./runtime.js";

export type { ProcessStream, TerminalSize };

export interface ProcessStreamOptions {
  stdin: boolean;
  tty: boolean;
}

export interface StreamingRuntime {
  /**
   * Starts cmd in a running container with live streams. Throws
   * ContainerNotFoundError / ContainerNotRunningError. A command that cannot
   * run ends with the engine's exit code (126/127) and its message on stderr.
   */
  execStream(id: ContainerId, cmd: string[], opts: ProcessStreamOptions): Promise<ProcessStream>;
  /** Attaches to the main process of a running container; exit is the container's exit code. */
  attach(id: ContainerId, opts: ProcessStreamOptions): Promise<ProcessStream>;
  /**
   * A TCP connection to port inside the container's network namespace, whether
   * or not the port is published. Rejects like a refused connection when nothing listens.
   */
  dialPort(id: ContainerId, port: number): Promise<Duplex>;
}
