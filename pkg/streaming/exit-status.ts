// How the remotecommand protocols report the end of a process on the error
// channel (v4 and later): a metav1.Status, Success or a Failure whose
// NonZeroExitCode reason carries the code as details.causes[{reason: ExitCode}]
// — which is what kubectl turns into its own exit code.

export interface StreamStatus {
  kind?: string;
  apiVersion?: string;
  metadata: Record<string, never>;
  status: "Success" | "Failure";
  message?: string;
  reason?: string;
  code?: number;
  details?: { causes?: Array<{ reason?: string; message?: string }> };
}

export function exitStatus(exitCode: number, command: string[] = []): StreamStatus {
  if (exitCode === 0) return { metadata: {}, status: "Success" };
  const cmd = command.length ? `error executing command [${command.join(" ")}], ` : "";
  return {
    metadata: {},
    status: "Failure",
    message: `command terminated with non-zero exit code: ${cmd}exit code ${exitCode}`,
    reason: "NonZeroExitCode",
    details: { causes: [{ reason: "ExitCode", message: String(exitCode) }] },
  };
}

/** A failure that is not an exit code (the stream broke, the node went away). */
export function failureStatus(message: string, code = 500, reason = "InternalError"): StreamStatus {
  return { metadata: {}, status: "Failure", message, reason, code };
}

/** The exit code a status stands for: 0, the NonZeroExitCode cause, or undefined for other failures. */
export function exitCodeOf(s: StreamStatus): number | undefined {
  if (s.status === "Success") return 0;
  if (s.reason !== "NonZeroExitCode") return undefined;
  const cause = s.details?.causes?.find((c) => c.reason === "ExitCode");
  const n = Number(cause?.message);
  return Number.isInteger(n) ? n : undefined;
}
