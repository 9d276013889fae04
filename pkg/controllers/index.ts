// The controllers' public surface: the manager that runs them all, and the workload
// arithmetic (rolling updates, history, pod ranking) that plan reuses to predict them.
export * from "./manager.js";
export * from "./quota-hpa.js";
export * from "./runner.js";
export * from "./rolling.js";
export * from "./history.js";
export * from "./active-pods.js";
export * from "./util.js";
