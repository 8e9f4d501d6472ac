import { join } from "node:path";
import { tmpdir } from "node:os";
import type { TestProject } from "vitest/node";
import "./database";
import { env, startEmbeddedPostgres, type DatabaseServer } from "@concord/service-kit";

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
    // A throwaway cluster in the system temp folder, which the postgres user can always reach.
    dir: join(tmpdir(), `concord-test-pg-${process.pid}-${project.name}`),
    port: 0,
    persistent: false,
  });
  project.provide("pgServerUrl", server.url);
}

export async function teardown(): Promise<void> {
  await server?.stop();
}
