import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["pkg/**/*.test.ts", "cmd/**/*.test.ts", "test/**/*.test.ts"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    reporters: ["default"],
    pool: "forks",
  },
});
