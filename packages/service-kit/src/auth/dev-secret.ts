import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { randomBytes } from "node:crypto";
import { join } from "node:path";

/**
 * The internal-token secret for development: kept in `<dataDir>/dev-issuer/internal-secret` so
 * that the gateway and the subgraphs `npm start` runs share it.
 */
export function devInternalSecret(dataDir: string): string {
  const dir = join(dataDir, "dev-issuer");
  const path = join(dir, "internal-secret");
  if (!existsSync(path)) {
    mkdirSync(dir, { recursive: true });
    writeFileSync(path, randomBytes(32).toString("base64url"), { mode: 0o600 });
    chmodSync(path, 0o600);
  }
  return readFileSync(path, "utf8").trim();
}
