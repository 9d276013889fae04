// skiff apply: validate every document, then write; --wait watches the result become ready.
export * from "./apply.js";
export * from "./wait.js";
