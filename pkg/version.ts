// skiff's own version, kept apart from heavier modules so the CLI can print it cheaply.
export const SKIFF_VERSION = "0.1.0";
