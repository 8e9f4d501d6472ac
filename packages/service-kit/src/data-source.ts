import { DataSource, type EntityManager, type Logger as OrmLogger, type MigrationInterface } from "typeorm";
import pg from "pg";
import type { Logger } from "./logger";

// Calendar dates stay YYYY-MM-DD strings; pg would turn them into local-midnight Dates.
pg.types.setTypeParser(1082, (v: string) => v);

/** Counts the SQL statements a DataSource sends; tests use it to prove batching. */
export class QueryCounter {
  count = 0;
  statements: string[] = [];
  record(sql: string): void {
    this.count++;
    this.statements.push(sql);
  }
  reset(): void {
    this.count = 0;
    this.statements = [];
  }
}

class OrmLog implements OrmLogger {
  constructor(
    private readonly logger: Logger | undefined,
    private readonly counter: QueryCounter | undefined,
  ) {}
  logQuery(query: string): void {
    this.counter?.record(query);
    this.logger?.trace({ sql: query }, "sql");
  }
  logQueryError(error: string | Error, query: string): void {
    this.logger?.debug({ err: error, sql: query }, "sql failed");
  }
  logQuerySlow(time: number, query: string): void {
    this.logger?.warn({ ms: time, sql: query }, "slow sql");
  }
  logSchemaBuild(): void {}
  logMigration(message: string): void {
    this.logger?.info({ migration: message }, "migration");
  }
  log(level: "log" | "info" | "warn", message: unknown): void {
    if (level !== "warn") return;
    // PostgreSQL shutting down ends our connections; that is expected while we stop too.
    const expected = /administrator command/.test(String(message));
    this.logger?.[expected ? "debug" : "warn"]({ typeorm: message }, "typeorm");
  }
}

/** Options of {@link createDataSource}. */
export interface DataSourceOptions {
  url: string;
  /** Migration classes in order; schema changes happen only through them (never synchronize). */
  migrations: Array<new () => MigrationInterface>;
  logger?: Logger;
  counter?: QueryCounter;
  /** Connection pool size. @default 10 */
  poolSize?: number;
}

/** A TypeORM DataSource over `pg`, initialised; run {@link migrate} before serving. */
export async function createDataSource(opts: DataSourceOptions): Promise<DataSource> {
  const ds = new DataSource({
    type: "postgres",
    url: opts.url,
    synchronize: false,
    migrationsRun: false,
    migrations: opts.migrations,
    migrationsTransactionMode: "each",
    logging: ["query", "error", "warn", "migration"],
    logger: new OrmLog(opts.logger, opts.counter),
    maxQueryExecutionTime: 2000,
    extra: { max: opts.poolSize ?? 10 },
  });
  await ds.initialize();
  return ds;
}

/** Applies pending migrations; concurrent callers are serialised by an advisory lock. */
export async function migrate(ds: DataSource): Promise<void> {
  const runner = ds.createQueryRunner();
  await runner.connect();
  try {
    await runner.query("SELECT pg_advisory_lock(727001)");
    await ds.runMigrations({ transaction: "each" });
  } finally {
    await runner.query("SELECT pg_advisory_unlock(727001)").catch(() => undefined);
    await runner.release();
  }
}

/** Runs `work` in one transaction: all of it commits or none of it does. */
export function inTransaction<T>(ds: DataSource, work: (tx: EntityManager) => Promise<T>): Promise<T> {
  return ds.transaction(work);
}
