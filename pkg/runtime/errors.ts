// Runtime errors carry a Kubernetes-style `reason` where one exists, so the agent
// can copy it into a container's Waiting state (ErrImagePull, ErrImageNeverPull…).

export class RuntimeError extends Error {
  override name = "RuntimeError";
}

/** The engine does not answer (daemon down, socket missing). Retry later. */
export class RuntimeUnavailableError extends RuntimeError {
  override name = "RuntimeUnavailableError";
  constructor(
    readonly runtime: string,
    override readonly cause?: unknown,
  ) {
    super(`container runtime ${runtime} is unavailable: ${cause instanceof Error ? cause.message : String(cause ?? "")}`);
  }
}

export class ImagePullError extends RuntimeError {
  override name = "ImagePullError";
  readonly reason = "ErrImagePull";
  constructor(
    readonly image: string,
    /** The engine's own words, e.g. "pull access denied for x, repository does not exist…". */
    readonly engineMessage: string,
  ) {
    super(`failed to pull image "${image}": ${engineMessage}`);
  }
}

export class ImageNeverPullError extends RuntimeError {
  override name = "ImageNeverPullError";
  readonly reason = "ErrImageNeverPull";
  constructor(readonly image: string) {
    super(`container image "${image}" is not present with pull policy of Never`);
  }
}

/** The engine refuses to remove an image a container uses (Docker's 409 conflict). */
export class ImageInUseError extends RuntimeError {
  override name = "ImageInUseError";
  constructor(
    readonly image: string,
    readonly engineMessage: string,
  ) {
    super(`image ${image} is in use: ${engineMessage}`);
  }
}

export class ContainerNotFoundError extends RuntimeError {
  override name = "ContainerNotFoundError";
  constructor(readonly id: string) {
    super(`no such container: ${id}`);
  }
}

export class NameConflictError extends RuntimeError {
  override name = "NameConflictError";
  constructor(
    readonly containerName: string,
    /** Id of the container that already has the name (adopt it or remove it). */
    readonly existingId: string | undefined,
  ) {
    super(`container name "${containerName}" is already in use${existingId ? ` by ${existingId}` : ""}`);
  }
}

/** Refuses to act on a container skiff did not create (it lacks skiff's labels). */
export class NotManagedError extends RuntimeError {
  override name = "NotManagedError";
  constructor(readonly id: string) {
    super(`container ${id} is not managed by skiff (no skiff.pod-uid label); refusing to touch it`);
  }
}

export class InvalidSpecError extends RuntimeError {
  override name = "InvalidSpecError";
}

export class ExecTimeoutError extends RuntimeError {
  override name = "ExecTimeoutError";
  constructor(
    readonly id: string,
    readonly timeoutMs: number,
  ) {
    super(`exec in ${id} timed out after ${timeoutMs}ms`);
  }
}

/** Fake runtime only: a state change the transition table forbids. */
export class IllegalTransitionError extends RuntimeError {
  override name = "IllegalTransitionError";
  constructor(
    readonly id: string,
    readonly from: string,
    readonly to: string,
  ) {
    super(`container ${id}: illegal transition ${from} → ${to}`);
  }
}

/** The container is not running (exec/stats on a created or exited container). */
export class ContainerNotRunningError extends RuntimeError {
  override name = "ContainerNotRunningError";
  constructor(readonly id: string) {
    super(`container ${id} is not running`);
  }
}
