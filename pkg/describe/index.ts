// kubectl-style describe, rollout, wait, drain and events, and the text helpers they share.
export * from "./describe.js";
export * from "./create-job.js";
export * from "./drain.js";
export * from "./events.js";
export * from "./format.js";
export * from "./rollout.js";
export * from "./rollout-status.js";
export * from "./tab-writer.js";
export { WaitForError, parseWaitFor, satisfies, waitForObject, type WaitFor, type WaitOptions as WaitForObjectOptions } from "./wait.js";
