import { createLogger, devInternalSecret, env, openEventBus, stopOnSignals } from "@concord/service-kit";
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
// Subscriptions are fed by the bus: NATS (BUS_URL=nats://...) or database `events` on DATABASE_URL.
const bus = e.BUS_URL || e.DATABASE_URL ? await openEventBus(e.DATABASE_URL ?? e.BUS_URL!, logger) : undefined;
if (!bus) logger.warn("No BUS_URL or DATABASE_URL: serving queries and mutations only, no subscriptions");
const server = await start({
  supergraphPath: e.supergraphPath,
  auth: { getKey, issuer: e.JWT_ISSUER, audience: e.JWT_AUDIENCE },
  internalSecret: e.INTERNAL_TOKEN_SECRET ?? devInternalSecret(e.dataDir),
  port: e.PORT,
  host: e.HOST,
  subgraphUrls: e.subgraphUrls,
  logger,
  landingPage: !production,
  serviceNamesInErrors: !production,
  devJwksPath: dev?.jwksPath,
  bus,
  subscriptions: { replayWindowMs: e.REPLAY_WINDOW_HOURS * 3600_000, queueLimit: e.SUBSCRIPTION_QUEUE_LIMIT },
});
stopOnSignals({
  async stop() {
    await server.stop();
    await bus?.close();
  },
});
