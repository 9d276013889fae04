// The contract between the API server's skiff-specific exec endpoint and the
// node agent that runs the command: shared language, so neither imports the other.
//
// Kubernetes' pods/exec is a SPDY/websocket stream with a TTY; skiff's is a
// plain request: run a command to completion, return its output and exit code.
import type { KubeObject } from "./types.js";

export interface PodExecOptions {
  /** Required when the pod has more than one container. */
  container?: string;
  command: string[];
  /** Give up (and report a timeout) after this long; default 60 s. */
  timeoutMs?: number;
}

export interface PodExecResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** Who runs commands in a node's containers (the agent). Errors are ApiError BadRequest/NotFound. */
export interface PodExecTarget {
  exec(pod: KubeObject, opts: PodExecOptions): Promise<PodExecResult>;
}

/** Finds the agent of a node; undefined when none is reachable. */
export type PodExecResolver = (nodeName: string) => PodExecTarget | undefined;
