import { createLogger, env, DEFAULT_SUBGRAPH_PORTS, stopOnSignals, subgraphDatabaseUrl } from "@concord/service-kit";
import { start } from "./index";

/** Process entry: `tsx subgraphs/loans/src/main.ts`. */
const logger = createLogger("loans");
const e = env();
const serverUrl = e.DATABASE_URL;
const own = e.subgraphDatabaseUrls.loans;
if (!serverUrl && !own) {
  logger.fatal("Set LOANS_DATABASE_URL or DATABASE_URL (npm start sets them for you)");
  process.exit(1);
}
const databaseUrl = own ?? (await subgraphDatabaseUrl("loans", serverUrl!));
const service = await start({
  databaseUrl,
  port: e.subgraphPorts.loans ?? DEFAULT_SUBGRAPH_PORTS.loans,
  host: e.HOST,
  logger,
  landingPage: e.NODE_ENV !== "production",
});
stopOnSignals(service);
