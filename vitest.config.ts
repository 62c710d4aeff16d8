import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    environment: "node",
    globalSetup: ["test/helpers/build.ts"],
    // Real processes (the CLI) and a real database take a moment on a 2-core machine.
    testTimeout: 20_000,
    hookTimeout: 30_000,
    // The app's stall watchdog kills its process: never the test runner's (its own test turns it on).
    // Every keyed statement is compiled again at each use and checked against its cached SQL.
    // No test writes the checkout's ./data: one that needs a database file names its own.
    env: { GOVERNANCE_STALL_SECONDS: "0", GOVERNANCE_CHECK_STATEMENTS: "1", DATABASE_URL: "sqlite::memory:" },
  },
});
