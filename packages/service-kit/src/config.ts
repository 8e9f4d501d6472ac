import { existsSync } from "node:fs";
import { dirname, isAbsolute, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { z } from "zod";
import { SUBGRAPHS } from "@concord/schema";

/**
 * The only reader of `process.env` in Concord. Every service, script and test helper
 * asks this module for its settings; nothing else touches the environment.
 */

/** The repository root (the folder holding the workspace package.json). */
export const repoRoot: string = (() => {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, "turbo.json"))) return dir;
    const parent = dirname(dir);
    if (parent === dir) return process.cwd();
    dir = parent;
  }
})();

const PORT_MESSAGE = "expected a port number, 0 to 65535";
const port = z.coerce.number({ message: PORT_MESSAGE }).int({ message: PORT_MESSAGE }).min(0, { message: PORT_MESSAGE }).max(65535, { message: PORT_MESSAGE });
/** A URL's message never repeats the value: it may hold a password. */
const URL_MESSAGE = "expected a URL, scheme://host[:port][/path]";
/** An empty variable counts as unset (VAR= in a shell or a compose file). */
const blankAsUnset = <T extends z.ZodTypeAny>(schema: T) => z.preprocess((v) => (v === "" ? undefined : v), schema);
const optionalUrl = z
  .string()
  .trim()
  .transform((v) => (v === "" ? undefined : v))
  .pipe(z.string().url({ message: URL_MESSAGE }).optional())
  .optional();

/** "true" or "false" (also 1/0, yes/no). */
const flag = z.enum(["true", "false", "1", "0", "yes", "no"], { message: 'expected "true" or "false"' }).transform((v) => v === "true" || v === "1" || v === "yes");

/**
 * CORS_ORIGINS: a comma-separated list of exact browser origins (scheme://host[:port]), or `*`
 * alone for any origin; empty or unset: none.
 */
export const corsOriginsSetting = z
  .string()
  .optional()
  .transform((v) => (v ?? "").split(",").map((o) => o.trim()).filter((o) => o !== ""))
  .superRefine((origins, ctx) => {
    if (origins.includes("*") && origins.length > 1) ctx.addIssue({ code: "custom", message: "* allows every origin: give it alone, or list origins" });
    for (const o of origins) {
      if (o === "*") continue;
      let exact = false;
      try {
        const u = new URL(o);
        exact = (u.protocol === "http:" || u.protocol === "https:") && u.origin === o;
      } catch {
        // reported below
      }
      if (!exact) ctx.addIssue({ code: "custom", message: `${o} is not an origin (scheme://host[:port], no path or trailing slash)` });
    }
  });

const envSchema = z.object({
  /** @default "development" */
  NODE_ENV: z.enum(["development", "test", "production"]).default("development"),
  /** pino level. @default "info" */
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  /** One PostgreSQL server for every subgraph's database; unset means the embedded server. */
  DATABASE_URL: optionalUrl,
  /** PostgreSQL server the integration tests create their databases on; unset means embedded. */
  TEST_DATABASE_URL: optionalUrl,
  /** Where the embedded PostgreSQL keeps its data, and the dev issuer and the development internal-token pair their keys. @default "<repo>/.data" */
  DATA_DIR: blankAsUnset(z.string().optional()),
  /** Port of the embedded PostgreSQL started by `npm start`. @default 54329 */
  EMBEDDED_PG_PORT: port.default(54329),
  /** Gateway HTTP port. @default 4000 */
  PORT: port.default(4000),
  /** Bind address of every server. @default "127.0.0.1" */
  HOST: z.string().default("127.0.0.1"),
  /** Supergraph the gateway executes. @default "<repo>/schema/supergraph.graphql" */
  SUPERGRAPH_PATH: blankAsUnset(z.string().optional()),
  /** Event bus: nats://host:4222 for NATS JetStream; unset means PostgreSQL (database `events`). */
  BUS_URL: optionalUrl,
  /** How far back a subscription's `after:` cursor may reach, in hours. @default 24 */
  REPLAY_WINDOW_HOURS: z.coerce.number().positive().default(24),
  /** Payloads one subscriber may have waiting before the gateway closes it as too slow. @default 256 */
  SUBSCRIPTION_QUEUE_LIMIT: z.coerce.number().int().positive().default(256),
  /** NATS server the NATS bus tests run against; unset means those tests say they did not run. */
  NATS_URL: optionalUrl,
  /** JWKS of the issuer of callers' tokens, as a URL (cached; refetched for an unknown kid). */
  JWKS_URL: optionalUrl,
  /** JWKS of the issuer of callers' tokens, as a file (re-read for an unknown kid). */
  JWKS_FILE: blankAsUnset(z.string().optional()),
  /** Required `iss` of callers' tokens. @default "concord-dev" */
  JWT_ISSUER: z.string().default("concord-dev"),
  /** Required `aud` of callers' tokens. @default "concord" */
  JWT_AUDIENCE: z.string().default("concord"),
  /** Longest lifetime (exp - iat, or exp - now without iat) of a caller's token the gateway accepts, in hours. @default 24 */
  CALLER_TOKEN_MAX_LIFETIME_HOURS: z.coerce.number().positive().default(24),
  /**
   * The gateway's Ed25519 private key for internal tokens (a private JWK or PKCS8 PEM file);
   * gateway only. Unset outside production: a development pair under `<dataDir>/internal-keys/`.
   */
  INTERNAL_SIGNING_KEY_FILE: blankAsUnset(z.string().optional()),
  /** Create INTERNAL_SIGNING_KEY_FILE with a new key when it does not exist (first start). @default false */
  INTERNAL_SIGNING_KEY_GENERATE: blankAsUnset(flag.default(false)),
  /** The gateway's public internal-token keys, as a JWKS file (subgraphs; re-read for an unknown kid). */
  INTERNAL_JWKS_FILE: blankAsUnset(z.string().optional()),
  /** The gateway's public internal-token keys, as a URL (subgraphs; cached, refetched for an unknown kid). */
  INTERNAL_JWKS_URL: optionalUrl,
  /** Answer introspection (`__schema`, `__type`), on the gateway and the subgraphs. @default true, except with NODE_ENV=production */
  INTROSPECTION: blankAsUnset(flag.optional()),
  /** Browser origins allowed to call the gateway (CORS), comma-separated; `*` for any (not recommended). @default none */
  CORS_ORIGINS: corsOriginsSetting,
  /** A caller's token for `npm run subscribe`, instead of `--token` (which npm echoes with the command line). */
  CONCORD_TOKEN: blankAsUnset(z.string().optional()),
  /** Seed of the demo portfolio generator. @default 42 */
  DEMO_SEED: z.coerce.number().int().default(42),
});

export type Env = z.infer<typeof envSchema> & {
  dataDir: string;
  supergraphPath: string;
  /** Per-subgraph database URLs from `<NAME>_DATABASE_URL`, for the registered subgraphs. */
  subgraphDatabaseUrls: Record<string, string>;
  /** Per-subgraph HTTP ports from `<NAME>_PORT`. */
  subgraphPorts: Record<string, number>;
  /** Per-subgraph URLs for the gateway from `SUBGRAPH_URL_<NAME>`, overriding the supergraph's. */
  subgraphUrls: Record<string, string>;
};

let cached: Env | undefined;

/**
 * A reason a process cannot start that the person starting it can fix (a bad setting, a port
 * in use, a second `npm start`): entry points print its message, one line, not a stack trace.
 */
export class StartupError extends Error {
  override name = "StartupError";
}

/** The one-line "Invalid configuration: ..." error for settings that do not parse. */
const invalid = (issues: string[]) => new StartupError(`Invalid configuration: ${issues.join("; ")}`);

/** Parses the environment once; a bad value throws a {@link StartupError} naming each bad variable. */
export function env(): Env {
  if (cached) return cached;
  const parsed = envSchema.safeParse(process.env);
  if (!parsed.success) throw invalid(parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`));
  const e = parsed.data;
  const abs = (p: string) => (isAbsolute(p) ? p : resolve(repoRoot, p));
  const subgraphDatabaseUrls: Record<string, string> = {};
  const subgraphPorts: Record<string, number> = {};
  const subgraphUrls: Record<string, string> = {};
  // Only the registered subgraphs' names count: platforms inject other *_PORT variables.
  for (const { name } of SUBGRAPHS) {
    const upper = name.toUpperCase();
    const read = <T>(key: string, schema: z.ZodType<T>): T | undefined => {
      const value = process.env[key];
      if (!value) return undefined;
      const r = schema.safeParse(value);
      if (!r.success) throw invalid([`${key}: ${r.error.issues[0]?.message}`]);
      return r.data;
    };
    const db = read(`${upper}_DATABASE_URL`, z.string().url({ message: URL_MESSAGE }));
    if (db) subgraphDatabaseUrls[name] = db;
    const p = read(`${upper}_PORT`, port);
    if (p !== undefined) subgraphPorts[name] = p;
    const u = read(`SUBGRAPH_URL_${upper}`, z.string().url({ message: URL_MESSAGE }));
    if (u) subgraphUrls[name] = u;
  }
  cached = {
    ...e,
    dataDir: abs(e.DATA_DIR ?? ".data"),
    supergraphPath: abs(e.SUPERGRAPH_PATH ?? "schema/supergraph.graphql"),
    subgraphDatabaseUrls,
    subgraphPorts,
    subgraphUrls,
  };
  return cached;
}

/**
 * Ends the process from an entry point's catch: a {@link StartupError} is printed as its one
 * line on stderr, anything else with its stack (that is a bug to report); exit code 1 either way.
 */
export function exitOnStartupError(err: unknown): never {
  if (err instanceof StartupError) process.stderr.write(`${err.message}\n`);
  else console.error(err);
  process.exit(1);
}

/** {@link env} for an entry point: a bad setting prints its one line and exits 1. */
export function envOrExit(): Env {
  try {
    return env();
  } catch (err) {
    return exitOnStartupError(err);
  }
}

/**
 * The environment for a child process this one starts: ours, plus `overrides`. Lives here
 * because this module is the only one that touches `process.env`.
 */
export function childEnv(overrides: Record<string, string | undefined>): NodeJS.ProcessEnv {
  return { ...process.env, ...overrides };
}
