import type { DataSource, EntityManager, MigrationInterface } from "typeorm";
import type { GraphQLSchema } from "graphql";
import { ApolloServerPluginInlineTraceDisabled } from "@apollo/server/plugin/disabled";
import type { Principal } from "@concord/schema";
import { auditFlushPlugin } from "./access/audit-log";
import type { RequestAudit } from "./access/audit-sink";
import { INTERNAL_TOKEN_HEADER, verifyInternalToken } from "./auth/internal-token";
import { systemClock, type Clock } from "./clock";
import { createDataSource, migrate, type QueryCounter } from "./data-source";
import type { BusSubscription, EventBus } from "./events/bus";
import { startConsumer } from "./events/consumer";
import type { EventEnvelope } from "./events/envelope";
import { OutboxRelay } from "./events/relay";
import { once, startGraphQLServer, type RunningServer } from "./http-server";
import { createLogger, type Logger } from "./logger";

/** What every subgraph's `start()` takes. */
export interface SubgraphOptions {
  /** URL of the subgraph's own database. */
  databaseUrl: string;
  /** Secret the gateway signs internal tokens with; every operation must carry one. */
  internalSecret: string;
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
  /** The bus the outbox is relayed to and consumers read; without one, events wait in the outbox. */
  bus?: EventBus;
}

/** The context every subgraph builds: who calls, and what its request puts in the audit log. */
export interface SubgraphContextBase {
  principal: Principal;
  /** The gateway's id of the request, from the signed internal token (never a caller's header). */
  requestId: string;
  logger: Logger;
  audit: RequestAudit;
}

/** What differs from one subgraph to the next. */
export interface SubgraphDefinition<C extends SubgraphContextBase> {
  name: string;
  migrations: Array<new () => MigrationInterface>;
  buildSchema(): Promise<GraphQLSchema>;
  createContext(base: { ds: DataSource; clock: Clock }, requestId: string, logger: Logger, principal: Principal): C;
  /** Scheduled jobs (expiry, suspension): each runs at start and then every `everyMs`. */
  jobs?: Array<{ name: string; everyMs: number; run(ds: DataSource, clock: Clock): Promise<number> }>;
  /** Durable consumers the subgraph runs when it has a bus. */
  consumers?: (clock: Clock) => Array<{ name: string; handle(event: EventEnvelope, tx: EntityManager): Promise<void> }>;
}

export interface SubgraphService<C extends SubgraphContextBase> extends RunningServer<C> {
  ds: DataSource;
}

/**
 * Starts a subgraph: migrates its database, serves its schema over HTTP to callers that carry a
 * valid internal token (the principal goes into the context), appends refusals to its audit
 * log, relays its outbox to the bus and runs its consumers. `stop()` undoes all of it.
 */
export async function startSubgraph<C extends SubgraphContextBase>(def: SubgraphDefinition<C>, opts: SubgraphOptions): Promise<SubgraphService<C>> {
  const logger = opts.logger ?? createLogger(def.name);
  const ds = await createDataSource({ url: opts.databaseUrl, migrations: def.migrations, logger, counter: opts.counter });
  await migrate(ds);
  const schema = await def.buildSchema();
  const clock = opts.clock ?? systemClock;
  const server = await startGraphQLServer<C>({
    name: def.name,
    apollo: { schema, plugins: [ApolloServerPluginInlineTraceDisabled(), auditFlushPlugin<C>(ds, logger, clock)] },
    port: opts.port ?? 0,
    host: opts.host,
    logger,
    landingPage: opts.landingPage,
    context: async ({ req, requestId: ownId, logger: log }) => {
      const header = req.headers[INTERNAL_TOKEN_HEADER];
      const { principal, requestId: gatewayId } = await verifyInternalToken(Array.isArray(header) ? header[0] : header, opts.internalSecret);
      // The id the gateway signed is the request's id in logs and the audit log; without one (a
      // caller holding a token of its own, like the tests), this server's own id.
      const requestId = gatewayId ?? ownId;
      const base = gatewayId ? logger.child({ requestId }) : log;
      return def.createContext({ ds, clock }, requestId, base.child({ principal: principal.sub, role: principal.role }), principal);
    },
    ready: async () => ds.isInitialized,
  });
  const relay = opts.bus ? new OutboxRelay({ url: opts.databaseUrl, bus: opts.bus, logger }) : undefined;
  await relay?.start();
  const subscriptions: BusSubscription[] = [];
  for (const c of opts.bus ? (def.consumers?.(clock) ?? []) : []) {
    subscriptions.push(await startConsumer({ name: c.name, bus: opts.bus!, ds, handle: c.handle, logger }));
  }
  const timers: NodeJS.Timeout[] = [];
  const running = new Set<Promise<unknown>>();
  for (const job of def.jobs ?? []) {
    const tick = () => {
      const p = job
        .run(ds, clock)
        .then((n) => n > 0 && logger.info({ job: job.name, changed: n }, "scheduled job"))
        .catch((err) => logger.error({ err, job: job.name }, "scheduled job failed"))
        .finally(() => running.delete(p));
      running.add(p);
    };
    tick();
    timers.push(setInterval(tick, job.everyMs));
  }
  return {
    ...server,
    ds,
    stop: once(async () => {
      for (const t of timers) clearInterval(t);
      await Promise.all(running);
      await server.stop();
      for (const s of subscriptions) await s.stop();
      await relay?.stop();
      await ds.destroy();
    }),
  };
}
