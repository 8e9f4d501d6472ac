import { subgraphEntry } from "@concord/schema";
import { devInternalSecret } from "./auth/dev-secret";
import { env } from "./config";
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
  landingPage: boolean;
  bus: EventBus;
  internalSecret: string;
}

/**
 * A subgraph process's entry point: reads the configuration (its database, port, bus and
 * internal-token secret), starts the service, and stops it cleanly on SIGINT or SIGTERM.
 * `name` is the subgraph's name in the registry (schema/src/registry.ts), which gives its
 * default port.
 */
export async function runSubgraph(name: string, start: (rt: SubgraphRuntime) => Promise<{ stop(): Promise<void> }>): Promise<void> {
  const entry = subgraphEntry(name);
  const logger = createLogger(name);
  const e = env();
  const own = e.subgraphDatabaseUrls[name];
  const upper = name.toUpperCase();
  if (!e.DATABASE_URL && !own) {
    logger.fatal(`Set ${upper}_DATABASE_URL or DATABASE_URL (npm start sets them for you)`);
    process.exit(1);
  }
  if (e.NODE_ENV === "production" && !e.INTERNAL_TOKEN_SECRET) {
    logger.fatal("NODE_ENV=production needs INTERNAL_TOKEN_SECRET (32+ bytes, shared with the gateway)");
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
    landingPage: e.NODE_ENV !== "production",
    bus,
    internalSecret: e.INTERNAL_TOKEN_SECRET ?? devInternalSecret(e.dataDir),
  });
  stopOnSignals({
    async stop() {
      await service.stop();
      await bus.close();
    },
  });
}
