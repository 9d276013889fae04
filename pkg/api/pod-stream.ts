// The contract between the API server's streaming subresources (pods/exec,
// pods/attach, pods/portforward) and whoever owns the containers (a node
// agent, in this process or behind its TLS streaming server): shared language,
// so neither imports the other. Like the kubelet's streaming server, the node
// side runs the process or opens the connection; the API server only
// authorizes and carries bytes.
import type { Duplex, Readable, Writable } from "node:stream";
import type { KubeObject } from "./types.js";

/** A terminal size as the resize channel carries it ({"Width":80,"Height":24}). */
export interface TerminalSize {
  width: number;
  height: number;
}

/** Which standard streams a client wants, as the query parameters of exec/attach say. */
export interface StreamOptions {
  /** Required when the pod has more than one container. */
  container?: string;
  stdin: boolean;
  stdout: boolean;
  stderr: boolean;
  tty: boolean;
}

export interface ExecStreamOptions extends StreamOptions {
  command: string[];
}

/**
 * A process running on the node with its standard streams (an exec, or the
 * container's own process for attach). With a TTY there is no stderr: the
 * terminal carries both.
 */
export interface ProcessStream {
  /** null when stdin was not asked for; end() closes the process's stdin (Ctrl-D on a pipe). */
  stdin: Writable | null;
  stdout: Readable | null;
  stderr: Readable | null;
  /** Changes the terminal size (TTY only; ignored otherwise). */
  resize(size: TerminalSize): void;
  /**
   * The exit code once the process ended and stdout/stderr have ended. Never
   * rejects; never hangs past the process (a killed container ends it too).
   */
  exit: Promise<number>;
  /** The client went away: release the stream (an exec's TTY hangs up). Idempotent. */
  close(): void;
}

/** What the API server needs of a node to serve exec, attach and port-forward. */
export interface PodStreamTarget {
  /** Starts cmd in a running container. Errors are ApiError (BadRequest: no such container, not running). */
  exec(pod: KubeObject, opts: ExecStreamOptions): Promise<ProcessStream>;
  /** Attaches to the container's main process (spec stdin/tty say what it has). */
  attach(pod: KubeObject, opts: StreamOptions): Promise<ProcessStream>;
  /** One TCP connection to port inside the pod's network namespace. */
  portForward(pod: KubeObject, port: number): Promise<Duplex>;
}

/** Finds the streaming side of a node's agent; undefined when none is reachable. */
export type PodStreamResolver = (nodeName: string) => PodStreamTarget | undefined;
