import { createLogger, devInternalKeys, envOrExit, exitOnStartupError, openEventBus, readInternalSigningKey, stopOnSignals, type InternalSigningKey } from "@concord/service-kit";
import { fileJwks, loadDevIssuer, remoteJwks, start } from "./index";

/** Process entry: `tsx gateway/src/main.ts`. */
const e = envOrExit();
const logger = createLogger("gateway");
const production = e.NODE_ENV === "production";
if (production && !e.JWKS_URL && !e.JWKS_FILE) {
  logger.fatal("NODE_ENV=production needs JWKS_URL or JWKS_FILE; the development issuer is never used in production");
  process.exit(1);
}
if (production && !e.INTERNAL_SIGNING_KEY_FILE) {
  logger.fatal("NODE_ENV=production needs INTERNAL_SIGNING_KEY_FILE (the gateway's Ed25519 key for internal tokens: a private JWK or PKCS8 PEM)");
  process.exit(1);
}
let internalSigningKey: InternalSigningKey;
try {
  // Outside production with none configured: the development pair under .data/, shared with the subgraphs.
  const path = e.INTERNAL_SIGNING_KEY_FILE ?? devInternalKeys(e.dataDir).signingKeyPath;
  const read = readInternalSigningKey(path, { generate: !!e.INTERNAL_SIGNING_KEY_FILE && e.INTERNAL_SIGNING_KEY_GENERATE });
  if (read.generated) logger.info({ path }, "generated the internal-token signing key");
  internalSigningKey = read.key;
} catch (err) {
  logger.fatal((err as Error).message);
  process.exit(1);
}
// Outside production with no JWKS configured, trust the development issuer under .data/.
const dev = !e.JWKS_URL && !e.JWKS_FILE ? await loadDevIssuer(e.dataDir, e.JWT_ISSUER, e.JWT_AUDIENCE) : undefined;
const getKey = e.JWKS_URL ? remoteJwks(e.JWKS_URL) : fileJwks(e.JWKS_FILE ?? dev!.jwksPath);
// Subscriptions are fed by the bus: NATS (BUS_URL=nats://...) or database `events` on DATABASE_URL.
const bus = e.BUS_URL || e.DATABASE_URL ? await openEventBus(e.DATABASE_URL ?? e.BUS_URL!, logger) : undefined;
if (!bus) logger.warn("No BUS_URL or DATABASE_URL: serving queries and mutations only, no subscriptions");
if (e.CORS_ORIGINS.includes("*")) logger.warn("CORS_ORIGINS=* lets any web page call the gateway with its users' tokens; list the origins instead");
const server = await start({
  supergraphPath: e.supergraphPath,
  auth: { getKey, issuer: e.JWT_ISSUER, audience: e.JWT_AUDIENCE, maxLifetimeS: e.CALLER_TOKEN_MAX_LIFETIME_HOURS * 3600 },
  internalSigningKey,
  port: e.PORT,
  host: e.HOST,
  subgraphUrls: e.subgraphUrls,
  logger,
  landingPage: !production,
  introspection: e.INTROSPECTION ?? !production,
  serviceNamesInErrors: !production,
  corsOrigins: e.CORS_ORIGINS,
  devJwksPath: dev?.jwksPath,
  bus,
  subscriptions: { replayWindowMs: e.REPLAY_WINDOW_HOURS * 3600_000, queueLimit: e.SUBSCRIPTION_QUEUE_LIMIT },
}).catch(exitOnStartupError);
stopOnSignals({
  async stop() {
    await server.stop();
    await bus?.close();
  },
});
