// CLI helpers that need no terminal: completion, explain, edit sessions, kubeconfig edits.
export * from "./completion.js";
export * from "./edit-session.js";
export * from "./explain.js";
export * from "./kubeconfig-edit.js";
export * from "./metadata-changes.js";
export * from "./images.js";
