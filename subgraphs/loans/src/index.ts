import "reflect-metadata";
import type { DataSource } from "typeorm";
import {
  createDataSource,
  createLogger,
  migrate,
  once,
  INTERNAL_TOKEN_HEADER,
  verifyInternalToken,
  auditFlushPlugin,
  startConsumer,
  type BusSubscription,
  OutboxRelay,
  type EventBus,
  startGraphQLServer,
  systemClock,
  type Clock,
  type Logger,
  type QueryCounter,
  type RunningServer,
} from "@concord/service-kit";
import { ApolloServerPluginInlineTraceDisabled } from "@apollo/server/plugin/disabled";
import { buildLoansSchema } from "./schema";
import { createContext, type LoansContext } from "./context";
import { migrations } from "./migrations";
import { ACCESS_CONSUMER, applyPlacementEvent } from "./access/read-model";

export { buildLoansSchema } from "./schema";
export { migrations } from "./migrations";
export { refreshDelinquency } from "./modules/collection-case/collection-case.service";
export { seedDemoPortfolio } from "./demo/seed";
export { generatePortfolio } from "./demo/generator";

/** Options of {@link start}. */
export interface LoansOptions {
  /** URL of the loans database. */
  databaseUrl: string;
  /** @default 0 (a free port) */
  port?: number;
  /** @default "127.0.0.1" */
  host?: string;
  /** @default the system clock */
  clock?: Clock;
  logger?: Logger;
  /** Counts SQL statements (tests). */
  counter?: QueryCounter;
  /** Serve the Apollo landing page on GET. @default true */
  landingPage?: boolean;
  /** The bus the outbox is relayed to; without one, events wait in the outbox. */
  bus?: EventBus;
  /** Secret the gateway signs internal tokens with; every operation must carry one. */
  internalSecret: string;
}

export interface LoansService extends RunningServer<LoansContext> {
  ds: DataSource;
}

/** Migrates the loans database and serves the subgraph over HTTP. */
export async function start(opts: LoansOptions): Promise<LoansService> {
  const logger = opts.logger ?? createLogger("loans");
  const ds = await createDataSource({ url: opts.databaseUrl, migrations, logger, counter: opts.counter });
  await migrate(ds);
  const schema = await buildLoansSchema();
  const clock = opts.clock ?? systemClock;
  const server = await startGraphQLServer<LoansContext>({
    name: "loans",
    apollo: { schema, plugins: [ApolloServerPluginInlineTraceDisabled(), auditFlushPlugin<LoansContext>(ds, logger)] },
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
  // Who may see which case follows the agencies subgraph's placement events.
  const access: BusSubscription | undefined = opts.bus
    ? await startConsumer({ name: ACCESS_CONSUMER, bus: opts.bus, ds, handle: applyPlacementEvent, logger })
    : undefined;
  return {
    ...server,
    ds,
    stop: once(async () => {
      await server.stop();
      await access?.stop();
      await relay?.stop();
      await ds.destroy();
    }),
  };
}

