import { chmodSync, mkdirSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { parseArgs } from "node:util";
import { internalJwks, readInternalSigningKey } from "@concord/service-kit";

/**
 * `node --import tsx scripts/internal-keys.ts --private <file> --public <file>`: makes the
 * gateway's internal-token signing key at `--private` if there is none yet (a private JWK,
 * mode 0600), and writes its public half to `--public` (a JWKS) for the subgraphs. Safe to run
 * again: an existing key is kept. docker-compose.yml runs it once before the services start.
 */
const { values } = parseArgs({ options: { private: { type: "string" }, public: { type: "string" } } });
if (!values.private || !values.public) {
  console.error("usage: scripts/internal-keys.ts --private <signing key file> --public <public JWKS file>");
  process.exit(2);
}
const { key, generated } = readInternalSigningKey(values.private, { generate: true });
mkdirSync(dirname(values.public), { recursive: true });
writeFileSync(values.public, JSON.stringify(internalJwks([key]), null, 2));
chmodSync(values.public, 0o644);
console.error(`${generated ? "made" : "kept"} the internal signing key ${values.private}; public keys in ${values.public}`);
