import {
  createLogger,
  DEFAULT_SUBGRAPH_PORTS,
  devInternalSecret,
  env,
  openEventBus,
  stopOnSignals,
  subgraphDatabaseUrl,
  withDatabase,
} from "@concord/service-kit";
import { start } from "./index";

/** Process entry: `tsx subgraphs/loans/src/main.ts`. */
const logger = createLogger("loans");
const e = env();
const own = e.subgraphDatabaseUrls.loans;
if (!e.DATABASE_URL && !own) {
  logger.fatal("Set LOANS_DATABASE_URL or DATABASE_URL (npm start sets them for you)");
  process.exit(1);
}
if (e.NODE_ENV === "production" && !e.INTERNAL_TOKEN_SECRET) {
  logger.fatal("NODE_ENV=production needs INTERNAL_TOKEN_SECRET (32+ bytes, shared with the gateway)");
  process.exit(1);
}
const databaseUrl = own ?? (await subgraphDatabaseUrl("loans", e.DATABASE_URL!));
// The PostgreSQL bus lives in database `events` on the same server unless BUS_URL says otherwise.
const bus = await openEventBus(e.DATABASE_URL ?? withDatabase(databaseUrl, "postgres"), logger);
const service = await start({
  databaseUrl,
  port: e.subgraphPorts.loans ?? DEFAULT_SUBGRAPH_PORTS.loans,
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
