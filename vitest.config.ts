import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Integration tests start their own emulator on an ephemeral port, so files can run in parallel.
    pool: "forks",
  },
});
