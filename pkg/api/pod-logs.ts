// The contract between the API server's pods/log subresource and whoever holds
// the containers (a node agent): shared language, so neither imports the other.
import type { KubeObject } from "./types.js";

export interface PodLogOptions {
  /** Required when the pod has more than one container. */
  container?: string;
  follow?: boolean;
  /** The previous (last terminated) instance, as `kubectl logs --previous`. */
  previous?: boolean;
  tailLines?: number;
  timestamps?: boolean;
  sinceSeconds?: number;
  /** Ends a follow stream (the HTTP client went away). */
  signal?: AbortSignal;
}

/** What the API server needs to serve GET …/pods/{name}/log. */
export interface PodLogSource {
  /**
   * Lines (without newline) of one container of the pod. Errors (unknown
   * container, not started yet, no previous instance) are ApiError BadRequest,
   * thrown on the first iteration, so the server can still answer with a Status.
   */
  logs(pod: KubeObject, opts: PodLogOptions): AsyncIterable<string>;
}
