import "reflect-metadata";
import type { DataSource } from "typeorm";
import { ApolloServerPluginInlineTraceDisabled } from "@apollo/server/plugin/disabled";
import {
  auditFlushPlugin,
  createDataSource,
  createLogger,
  INTERNAL_TOKEN_HEADER,
  migrate,
  once,
  OutboxRelay,
  startConsumer,
  startGraphQLServer,
  systemClock,
  verifyInternalToken,
  type BusSubscription,
  type Clock,
  type EventBus,
  type Logger,
  type RunningServer,
} from "@concord/service-kit";
import { buildAgenciesSchema } from "./schema";
import { createContext, type AgenciesContext } from "./context";
import { migrations } from "./migrations";
import { CASE_FACTS_CONSUMER, caseFactsHandler } from "./access/case-facts";

export { buildAgenciesSchema } from "./schema";
export { migrations } from "./migrations";
export { seedDemoAgencies } from "./demo/seed";

export interface AgenciesOptions {
  databaseUrl: string;
  internalSecret: string;
  /** @default 0 */
  port?: number;
  host?: string;
  clock?: Clock;
  logger?: Logger;
  landingPage?: boolean;
  /** Outbox relay target and source of the loans subgraph's case events. */
  bus?: EventBus;
}

export interface AgenciesService extends RunningServer<AgenciesContext> {
  ds: DataSource;
}

/** Migrates the agencies database and serves the subgraph; with a bus, relays and consumes events. */
export async function start(opts: AgenciesOptions): Promise<AgenciesService> {
  const logger = opts.logger ?? createLogger("agencies");
  const ds = await createDataSource({ url: opts.databaseUrl, migrations, logger });
  await migrate(ds);
  const schema = await buildAgenciesSchema();
  const clock = opts.clock ?? systemClock;
  const server = await startGraphQLServer<AgenciesContext>({
    name: "agencies",
    apollo: { schema, plugins: [ApolloServerPluginInlineTraceDisabled(), auditFlushPlugin<AgenciesContext>(ds, logger)] },
    port: opts.port ?? 0,
    host: opts.host,
    logger,
    landingPage: opts.landingPage,
    context: async ({ req, requestId, logger: log }) => {
      const header = req.headers[INTERNAL_TOKEN_HEADER];
      const principal = await verifyInternalToken(Array.isArray(header) ? header[0] : header, opts.internalSecret);
      return createContext({ ds, clock }, requestId, log.child({ principal: principal.sub, role: principal.role }), principal);
    },
    ready: async () => ds.isInitialized,
  });
  const relay = opts.bus ? new OutboxRelay({ url: opts.databaseUrl, bus: opts.bus, logger }) : undefined;
  await relay?.start();
  const facts: BusSubscription | undefined = opts.bus
    ? await startConsumer({ name: CASE_FACTS_CONSUMER, bus: opts.bus, ds, handle: caseFactsHandler(clock), logger })
    : undefined;
  return {
    ...server,
    ds,
    stop: once(async () => {
      await server.stop();
      await facts?.stop();
      await relay?.stop();
      await ds.destroy();
    }),
  };
}
