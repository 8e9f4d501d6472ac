import { createRequire } from "node:module";
import { defineConfig } from "vitest/config";

// One copy of graphql for every package, or "Cannot use GraphQLSchema from another realm".
const graphql = createRequire(import.meta.url).resolve("graphql");

export default defineConfig({
  resolve: { alias: { graphql } },
  test: {
    reporters: ["default"],
    // Services log JSON lines; in tests only warnings and errors are worth reading.
    env: { LOG_LEVEL: process.env.LOG_LEVEL ?? "warn" },
    projects: [
      {
        extends: true,
        test: {
          name: "unit",
          include: ["{packages,subgraphs,gateway,schema,scripts}/**/*.test.ts"],
          exclude: ["**/node_modules/**", "**/*.int.test.ts"],
        },
      },
      {
        extends: true,
        test: {
          name: "int",
          include: ["{packages,subgraphs,gateway,schema,scripts,bench}/**/*.int.test.ts"],
          exclude: ["**/node_modules/**"],
          globalSetup: ["packages/test-kit/src/pg-global-setup.ts"],
          testTimeout: 60_000,
          hookTimeout: 120_000,
        },
      },
      {
        extends: true,
        test: {
          name: "e2e",
          include: ["test/e2e/**/*.e2e.ts"],
          globalSetup: ["packages/test-kit/src/pg-global-setup.ts"],
          testTimeout: 60_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});
