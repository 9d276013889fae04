// Moved to pkg/api/node-selector.ts (shared with the DaemonSet controller); re-exported for the scheduler plugins.
export { matchesAnyTerm, matchesRequirement, matchesTerm, type NodeFacts } from "../../api/node-selector.js";
