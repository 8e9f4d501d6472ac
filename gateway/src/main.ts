import { createLogger, devInternalSecret, env, stopOnSignals } from "@concord/service-kit";
import { fileJwks, loadDevIssuer, remoteJwks, start } from "./index";

/** Process entry: `tsx gateway/src/main.ts`. */
const e = env();
const logger = createLogger("gateway");
const production = e.NODE_ENV === "production";
if (production && !e.JWKS_URL && !e.JWKS_FILE) {
  logger.fatal("NODE_ENV=production needs JWKS_URL or JWKS_FILE; the development issuer is never used in production");
  process.exit(1);
}
if (production && !e.INTERNAL_TOKEN_SECRET) {
  logger.fatal("NODE_ENV=production needs INTERNAL_TOKEN_SECRET (32+ bytes, shared with the subgraphs)");
  process.exit(1);
}
// Outside production with no JWKS configured, trust the development issuer under .data/.
const dev = !e.JWKS_URL && !e.JWKS_FILE ? await loadDevIssuer(e.dataDir, e.JWT_ISSUER, e.JWT_AUDIENCE) : undefined;
const getKey = e.JWKS_URL ? remoteJwks(e.JWKS_URL) : fileJwks(e.JWKS_FILE ?? dev!.jwksPath);
const server = await start({
  supergraphPath: e.supergraphPath,
  auth: { getKey, issuer: e.JWT_ISSUER, audience: e.JWT_AUDIENCE },
  internalSecret: e.INTERNAL_TOKEN_SECRET ?? devInternalSecret(e.dataDir),
  port: e.PORT,
  host: e.HOST,
  subgraphUrls: e.subgraphUrls,
  logger,
  landingPage: !production,
  devJwksPath: dev?.jwksPath,
});
stopOnSignals(server);
