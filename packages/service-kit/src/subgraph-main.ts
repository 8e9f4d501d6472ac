import type { JWTVerifyGetKey } from "jose";
import { subgraphEntry } from "@concord/schema";
import { devInternalKeys } from "./auth/internal-keys";
import { fileJwks, remoteJwks } from "./auth/jwks";
import { envOrExit, exitOnStartupError } from "./config";
import { subgraphDatabaseUrl, withDatabase } from "./database";
import { openEventBus } from "./events/open";
import type { EventBus } from "./events/bus";
import { stopOnSignals } from "./http-server";
import { createLogger, type Logger } from "./logger";

/** What a subgraph's `start()` takes from the environment. */
export interface SubgraphRuntime {
  databaseUrl: string;
  port: number;
  host: string;
  logger: Logger;
  bus: EventBus;
  /** The gateway's public internal-token keys. */
  gatewayKeys: JWTVerifyGetKey;
  introspection: boolean;
}

/**
 * A subgraph process's entry point: reads the configuration (its database, port, bus and the
 * gateway's public internal-token keys), starts the service, and stops it cleanly on SIGINT or
 * SIGTERM. It refuses to start with the gateway's signing key in its environment.
 * `name` is the subgraph's name in the registry (schema/src/registry.ts), which gives its
 * default port.
 */
export async function runSubgraph(name: string, start: (rt: SubgraphRuntime) => Promise<{ stop(): Promise<void> }>): Promise<void> {
  // Before the logger, which reads LOG_LEVEL: a bad setting is one line, not a stack trace.
  const e = envOrExit();
  const entry = subgraphEntry(name);
  const logger = createLogger(name);
  const own = e.subgraphDatabaseUrls[name];
  const upper = name.toUpperCase();
  if (!e.DATABASE_URL && !own) {
    logger.fatal(`Set ${upper}_DATABASE_URL or DATABASE_URL (npm start sets them for you)`);
    process.exit(1);
  }
  if (e.INTERNAL_SIGNING_KEY_FILE) {
    logger.fatal("INTERNAL_SIGNING_KEY_FILE is the gateway's alone: a subgraph holds only its public keys (INTERNAL_JWKS_URL or INTERNAL_JWKS_FILE)");
    process.exit(1);
  }
  if (e.NODE_ENV === "production" && !e.INTERNAL_JWKS_URL && !e.INTERNAL_JWKS_FILE) {
    logger.fatal("NODE_ENV=production needs INTERNAL_JWKS_URL or INTERNAL_JWKS_FILE (the gateway's public keys for internal tokens)");
    process.exit(1);
  }
  let gatewayKeys: JWTVerifyGetKey;
  try {
    // Outside production with none configured: the public half of the development pair under .data/.
    gatewayKeys = e.INTERNAL_JWKS_URL ? remoteJwks(e.INTERNAL_JWKS_URL) : fileJwks(e.INTERNAL_JWKS_FILE ?? devInternalKeys(e.dataDir).jwksPath);
  } catch (err) {
    logger.fatal((err as Error).message);
    process.exit(1);
  }
  const databaseUrl = own ?? (await subgraphDatabaseUrl(name, e.DATABASE_URL!));
  // The PostgreSQL bus lives in database `events` on the same server unless BUS_URL says otherwise.
  const bus = await openEventBus(e.DATABASE_URL ?? withDatabase(databaseUrl, "postgres"), logger);
  const service = await start({
    databaseUrl,
    port: e.subgraphPorts[name] ?? entry.port,
    host: e.HOST,
    logger,
    bus,
    gatewayKeys,
    introspection: e.INTROSPECTION ?? e.NODE_ENV !== "production",
  }).catch(exitOnStartupError);
  stopOnSignals({
    async stop() {
      await service.stop();
      await bus.close();
    },
  });
}
