// skiff apply --plan: the diff and the predicted pods, written nowhere.
export * from "./plan.js";
export * from "./format.js";
