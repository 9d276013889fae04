// skiff why: the scheduler's and controllers' decisions about one pod, as an API and as text.
export * from "./why.js";
export * from "./api.js";
export * from "./format.js";
