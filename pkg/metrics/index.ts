// The metrics pipeline's public surface: sampling, the metrics.k8s.io API, top and usage accounting.
export * from "./types.js";
export * from "./pipeline.js";
export * from "./top.js";
export * from "./usage-record.js";
export * from "./usage-report.js";
export * from "./api.js";
export * from "./format.js";
export * from "./accountant.js";
