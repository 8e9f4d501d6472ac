import { join } from "node:path";
import { randomBytes } from "node:crypto";
import { SUBGRAPHS } from "@concord/schema";
import {
  asSubgraphModule,
  createLogger,
  env,
  NatsEventBus,
  PgEventBus,
  repoRoot,
  type Clock,
  type EventBus,
  type QueryCounter,
  type RunningSubgraph,
} from "@concord/service-kit";
import type { LoansService } from "@concord/loans";
import { start as startGateway, type RunningGateway } from "@concord/gateway";
import type { AgenciesService } from "@concord/agencies";
import {
  createTestDatabase,
  createTestIssuer,
  gql,
  subscribe,
  type LiveSubscription,
  TEST_AUDIENCE,
  TEST_GATEWAY_KEYS,
  TEST_INTERNAL_KEY,
  TEST_ISSUER,
  type GqlResponse,
  type TestDatabase,
  type TestIssuer,
  type TokenClaims,
} from "@concord/test-kit";

export interface Federation {
  gatewayUrl: string;
  /** Every registered subgraph (schema/src/registry.ts), running, by name. */
  subgraphs: Record<string, RunningSubgraph>;
  /** `subgraphs.loans`, typed. */
  readonly loans: LoansService;
  /** `subgraphs.agencies`, typed. */
  readonly agencies: AgenciesService;
  /** Each subgraph's database by its name, and the bus's (`bus`). */
  databases: Record<string, TestDatabase>;
  issuer: TestIssuer;
  /** The event bus the subgraphs relay to and consume from, and the gateway tails. */
  bus: EventBus;
  gateway: RunningGateway;
  /** Subscribes over a real graphql-ws WebSocket to the gateway (or to `gatewayUrl`). */
  subscribe<T = any>(query: string, variables: Record<string, unknown> | undefined, token: string, gatewayUrl?: string): LiveSubscription<T>;
  /** Starts one more gateway on the same subgraphs and bus (several gateways fan out). */
  startGateway(options?: GatewayExtras): Promise<RunningGateway>;
  /** Sends an operation through the gateway with `token` as the bearer (none when undefined). */
  query<T = any>(query: string, variables?: Record<string, unknown>, token?: string): Promise<GqlResponse<T>>;
  /** A caller token from the test issuer the gateway trusts. */
  token(claims: TokenClaims): Promise<string>;
  stop(): Promise<void>;
}

/**
 * The whole federation on free ports: every registered subgraph, each on its own fresh
 * database, the gateway executing the checked-in supergraph, verifying callers against a test
 * issuer's JWKS, and calling the subgraphs over real HTTP with signed internal tokens.
 */
export async function startFederation(
  opts: {
    clock?: Clock;
    /** Counts every subgraph's SQL statements. */
    counter?: QueryCounter;
    jwksCooldownMs?: number;
    bus?: "postgres" | "nats";
    gateway?: GatewayExtras;
  } = {},
): Promise<Federation> {
  const logger = createLogger("test");
  const issuer = await createTestIssuer();
  const busDb = await createTestDatabase("bus");
  const nats = opts.bus === "nats" ? natsStream() : undefined;
  const bus = nats ? await NatsEventBus.open(nats) : await PgEventBus.open({ url: busDb.url, pollMs: 100 });
  const databases: Record<string, TestDatabase> = { bus: busDb };
  const subgraphs: Record<string, RunningSubgraph> = {};
  for (const entry of SUBGRAPHS) {
    const subgraph = asSubgraphModule(entry, await import(entry.package));
    const db = await createTestDatabase(entry.database);
    databases[entry.name] = db;
    subgraphs[entry.name] = await subgraph.start({
      bus,
      databaseUrl: db.url,
      clock: opts.clock,
      counter: opts.counter,
      logger: logger.child({ service: entry.name }),
      gatewayKeys: TEST_GATEWAY_KEYS,
    });
  }
  const subgraphUrls = Object.fromEntries(Object.entries(subgraphs).map(([name, s]) => [name, s.url]));
  const gateways: RunningGateway[] = [];
  const newGateway = async (extras: GatewayExtras = {}) => {
    const g = await startGateway({
      supergraphPath: join(repoRoot, "schema", "supergraph.graphql"),
      auth: { getKey: issuer.getKey, issuer: TEST_ISSUER, audience: TEST_AUDIENCE },
      internalSigningKey: TEST_INTERNAL_KEY,
      subgraphUrls,
      logger: logger.child({ service: "gateway" }),
      bus,
      ...extras,
    });
    gateways.push(g);
    return g;
  };
  const gateway = await newGateway(opts.gateway);
  return {
    gatewayUrl: gateway.url,
    subgraphs,
    get loans() {
      return subgraphs.loans as LoansService;
    },
    get agencies() {
      return subgraphs.agencies as AgenciesService;
    },
    databases,
    issuer,
    bus,
    gateway,
    query: (q, v, token) => gql(gateway.url, q, v, token ? { authorization: `Bearer ${token}` } : {}),
    subscribe: (q, v, token, url) => subscribe(url ?? gateway.url, token, q, v),
    startGateway: newGateway,
    token: (claims) => issuer.mint(claims),
    async stop() {
      for (const g of gateways) await g.stop();
      for (const s of Object.values(subgraphs)) await s.stop();
      await bus.close();
      for (const db of Object.values(databases)) await db.drop();
      if (nats) await NatsEventBus.deleteStream(nats);
    },
  };
}

/** Gateway options a test may set. */
type GatewayExtras = Pick<Parameters<typeof startGateway>[0], "subscriptions" | "limits" | "serviceNamesInErrors" | "corsOrigins" | "port">;

/** A NATS stream of its own for one federation, so runs never see each other's events. */
function natsStream() {
  const url = env().NATS_URL;
  if (!url) throw new Error("NATS_URL is not set");
  const tag = randomBytes(4).toString("hex");
  return { url, stream: `CONCORD_E2E_${tag}`, prefix: `concord.e2e.${tag}` };
}
