import { randomBytes } from "node:crypto";
import { inject } from "vitest";
import { dropDatabase, ensureDatabase } from "../database";

declare module "vitest" {
  export interface ProvidedContext {
    pgServerUrl: string;
  }
}

/**
 * A fresh database for one of service-kit's own integration tests. (The other packages use
 * @concord/test-kit, which depends on service-kit and so cannot be used here.)
 */
export async function freshDatabase(label: string): Promise<{ url: string; drop(): Promise<void> }> {
  const server = inject("pgServerUrl");
  const name = `test_${label}_${randomBytes(5).toString("hex")}`;
  return { url: await ensureDatabase(server, name), drop: () => dropDatabase(server, name) };
}
