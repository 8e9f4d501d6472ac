import type { DataSource, EntityManager, MigrationInterface } from "typeorm";
import type { GraphQLSchema } from "graphql";
import type { JWTVerifyGetKey } from "jose";
import { ApolloServerPluginInlineTraceDisabled } from "@apollo/server/plugin/disabled";
import type { Principal } from "@concord/schema";
import { auditFlushPlugin } from "./access/audit-log";
import { RequestAudit } from "./access/audit-sink";
import { createAccess } from "./access/access-context";
import { fieldsWithoutPolicy, listsWithoutRowRule, type AccessContext } from "./access/policy";
import { assertScopesDeclared } from "./access/scopes";
import { applyToCaseDirectory, DIRECTORY_AFTER_HEADER, isDirectorySubject, narrowsAccess } from "./directory/apply";
import { CaseDirectory, DirectoryHold, waitForDirectory } from "./directory/directory";
import { subgraphMigrations } from "./kit-migrations";
import { INTERNAL_TOKEN_HEADER, verifyInternalToken } from "./auth/internal-token";
import { operationLimitsPlugin } from "./limits";
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
  /**
   * The gateway's public internal-token keys (`fileJwks`, `remoteJwks`): every operation must
   * carry a token they verify, made for this subgraph. A subgraph holds nothing that can sign.
   */
  gatewayKeys: JWTVerifyGetKey;
  /** @default 0 (a free port) */
  port?: number;
  /** @default "127.0.0.1" */
  host?: string;
  /** @default the system clock */
  clock?: Clock;
  logger?: Logger;
  /** Counts SQL statements (tests). */
  counter?: QueryCounter;
  /** Answer introspection (`__schema`, `__type`). @default false */
  introspection?: boolean;
  /** The bus the outbox is relayed to and consumers read; without one, events wait in the outbox. */
  bus?: EventBus;
}

/**
 * What the kit puts in every subgraph's request context: who calls (from the internal token),
 * the request id, a logger, the audit entries the request gathers, the database, the clock, the
 * case directory read at this request's instants, and the relationship checks policies use.
 */
export interface SubgraphContext extends AccessContext {
  principal: Principal;
  /** The gateway's id of the request, from the signed internal token (never a caller's header). */
  requestId: string;
  logger: Logger;
  /** The refusals and reveals the request gathers, appended to the audit log when it ends. */
  audit: RequestAudit;
  ds: DataSource;
  clock: Clock;
  directory: CaseDirectory;
}

/** A scheduled job: runs at start and every `everyMs`, on one instance at a time. */
export interface SubgraphJob {
  name: string;
  everyMs: number;
  /** Does all the work that is due (its whole backlog) and says how much it changed. */
  run(ds: DataSource, clock: Clock): Promise<number>;
}

/** What differs from one subgraph to the next. */
export interface SubgraphDefinition<C extends SubgraphContext> {
  name: string;
  /** The subgraph's own migrations; the kit adds its tables (see KIT_MIGRATIONS). */
  migrations: Array<new () => MigrationInterface>;
  buildSchema(): Promise<GraphQLSchema>;
  /** Adds what the subgraph's resolvers need (its DataLoaders) to the kit's context. */
  createContext(base: SubgraphContext): C;
  /** Scheduled jobs (expiry, suspension). */
  jobs?: SubgraphJob[];
  /** Durable consumers the subgraph runs when it has a bus, beside the kit's case directory. */
  consumers?: (clock: Clock) => Array<{ name: string; handle(event: EventEnvelope, tx: EntityManager): Promise<void> }>;
}

export interface SubgraphService<C extends SubgraphContext> extends RunningServer<C> {
  ds: DataSource;
  /** Consumers stopped on an event they must not skip; the service's /health reports them. */
  alerts: DirectoryHold;
}

/**
 * Starts a subgraph: refuses to when a field of its schema has no declared policy or an
 * operation no scope, migrates its database, serves its schema over HTTP to callers that carry a
 * valid internal token made for it (the principal goes into the context), held to the gateway's
 * operation limits, appends refusals to its audit log, relays its outbox to the bus and runs its
 * consumers. `stop()` undoes all of it.
 */
export async function startSubgraph<C extends SubgraphContext>(def: SubgraphDefinition<C>, opts: SubgraphOptions): Promise<SubgraphService<C>> {
  const logger = opts.logger ?? createLogger(def.name);
  const schema = await def.buildSchema();
  // A field without a declared policy would be served to every caller: refuse to start instead.
  const unpoliced = fieldsWithoutPolicy(schema);
  if (unpoliced.length) {
    throw new Error(`The ${def.name} subgraph declares no policy for ${unpoliced.join(", ")}: add @Policy(...) beside each (see schema/ACCESS.md)`);
  }
  // Likewise a list without a row rule would hand every caller every row's id.
  const unfiltered = listsWithoutRowRule(schema);
  if (unfiltered.length) {
    throw new Error(`The ${def.name} subgraph declares no row rule for the lists ${unfiltered.join(", ")}: add @Rows(...) beside each`);
  }
  // Every operation names the scope it needs: one without is a declaration error, not an open door.
  assertScopesDeclared(def.name, schema);
  const ds = await createDataSource({ url: opts.databaseUrl, migrations: subgraphMigrations(def.migrations), logger, counter: opts.counter });
  await migrate(ds);
  const clock = opts.clock ?? systemClock;
  const alerts = new DirectoryHold(ds);
  const server = await startGraphQLServer<C>({
    name: def.name,
    apollo: {
      schema,
      introspection: opts.introspection ?? false,
      plugins: [ApolloServerPluginInlineTraceDisabled(), auditFlushPlugin<C>(ds, logger, clock), operationLimitsPlugin<C>()],
    },
    port: opts.port ?? 0,
    host: opts.host,
    logger,
    // Only the gateway calls a subgraph: no explorer page for anyone else.
    landingPage: false,
    context: async ({ req, requestId: ownId, logger: log }) => {
      const header = req.headers[INTERNAL_TOKEN_HEADER];
      const { principal, requestId: gatewayId } = await verifyInternalToken(Array.isArray(header) ? header[0] : header, {
        getKey: opts.gatewayKeys,
        audience: def.name,
      });
      // The id the gateway signed is the request's id in logs and the audit log; without one (a
      // caller holding a token of its own, like the tests), this server's own id.
      const requestId = gatewayId ?? ownId;
      const base = gatewayId ? logger.child({ requestId }) : log;
      // The gateway resolving an event for subscribers: answer once the directory has it.
      const after = req.headers[DIRECTORY_AFTER_HEADER];
      if (typeof after === "string" && after.length <= 200 && !(await waitForDirectory(ds, after))) {
        log.debug({ after }, "answering before the case directory caught up with the event");
      }
      const directory = new CaseDirectory(ds, clock);
      const audit = new RequestAudit();
      return def.createContext({
        principal,
        requestId,
        logger: base.child({ principal: principal.sub, role: principal.role }),
        audit,
        ds,
        clock,
        directory,
        access: createAccess(directory, principal, audit),
      });
    },
    ready: async () => ds.isInitialized && alerts.list().length === 0,
    // Ids and subjects only: /health answers anyone who can reach the port.
    health: () => ({ alerts: alerts.list().map((a) => ({ consumer: a.consumer, eventId: a.eventId, subject: a.subject, since: a.since })) }),
  });
  const relay = opts.bus ? new OutboxRelay({ url: opts.databaseUrl, bus: opts.bus, logger }) : undefined;
  await relay?.start();
  const subscriptions: BusSubscription[] = [];
  if (opts.bus) {
    // Every subgraph keeps the case directory; an access-ending event it cannot apply stops it.
    subscriptions.push(
      await startConsumer({
        name: `${def.name}.case-directory`,
        bus: opts.bus,
        ds,
        handle: (event, tx) => applyToCaseDirectory(tx, event),
        accepts: isDirectorySubject,
        failClosed: narrowsAccess,
        hold: alerts,
        logger,
      }),
    );
    for (const c of def.consumers?.(clock) ?? []) {
      subscriptions.push(await startConsumer({ name: c.name, bus: opts.bus, ds, handle: c.handle, logger }));
    }
  }
  const timers: NodeJS.Timeout[] = [];
  const running = new Set<Promise<unknown>>();
  for (const job of def.jobs ?? []) {
    const tick = () => {
      const p = runExclusively(ds, `${def.name}:${job.name}`, () => job.run(ds, clock))
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
    alerts,
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

/** The advisory-lock key of the scheduled job `key` (`<subgraph>:<job name>`). */
export const jobLockKey = (key: string): string => `job:${key}`;

/**
 * Runs `work` only if no other instance is running the job named `key` (a session advisory
 * lock on a connection of its own); otherwise does nothing and says 0.
 */
export async function runExclusively(ds: DataSource, key: string, work: () => Promise<number>): Promise<number> {
  const runner = ds.createQueryRunner();
  await runner.connect();
  try {
    const [{ ok }] = await runner.query("SELECT pg_try_advisory_lock(hashtext($1)) AS ok", [jobLockKey(key)]);
    if (!ok) return 0;
    try {
      return await work();
    } finally {
      await runner.query("SELECT pg_advisory_unlock(hashtext($1))", [jobLockKey(key)]);
    }
  } finally {
    await runner.release();
  }
}
