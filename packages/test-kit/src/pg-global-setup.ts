import { join } from "node:path";
import type { TestProject } from "vitest/node";
import { env, startEmbeddedPostgres, type DatabaseServer } from "@concord/service-kit";

declare module "vitest" {
  export interface ProvidedContext {
    /** Admin URL of the PostgreSQL server the tests create their databases on. */
    pgServerUrl: string;
  }
}

let server: DatabaseServer | undefined;

/**
 * One PostgreSQL server per test run: TEST_DATABASE_URL when set, else a throwaway embedded
 * server. Each test file then creates its own database on it.
 */
export async function setup(project: TestProject): Promise<void> {
  const e = env();
  if (e.TEST_DATABASE_URL) {
    project.provide("pgServerUrl", e.TEST_DATABASE_URL);
    return;
  }
  server = await startEmbeddedPostgres({
    dir: join(e.dataDir, `test-pg-${process.pid}-${project.name}`),
    port: 0,
    persistent: false,
  });
  project.provide("pgServerUrl", server.url);
}

export async function teardown(): Promise<void> {
  await server?.stop();
}
