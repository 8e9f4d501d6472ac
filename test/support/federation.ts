import { join } from "node:path";
import { randomBytes } from "node:crypto";
import { createLogger, env, NatsEventBus, PgEventBus, repoRoot, type Clock, type EventBus, type QueryCounter } from "@concord/service-kit";
import { start as startLoans, type LoansService } from "@concord/loans";
import { start as startGateway, type RunningGateway } from "@concord/gateway";
import { start as startAgencies, type AgenciesService } from "@concord/agencies";
import {
  createTestDatabase,
  createTestIssuer,
  gql,
  subscribe,
  type LiveSubscription,
  TEST_AUDIENCE,
  TEST_INTERNAL_SECRET,
  TEST_ISSUER,
  type GqlResponse,
  type TestDatabase,
  type TestIssuer,
  type TokenClaims,
} from "@concord/test-kit";

export interface Federation {
  gatewayUrl: string;
  loans: LoansService;
  agencies: AgenciesService;
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
 * The whole federation on free ports, each subgraph on its own fresh database, the gateway
 * executing the checked-in supergraph, verifying callers against a test issuer's JWKS, and
 * calling the subgraphs over real HTTP with signed internal tokens.
 */
export async function startFederation(
  opts: { clock?: Clock; counter?: QueryCounter; jwksCooldownMs?: number; bus?: "postgres" | "nats"; gateway?: GatewayExtras } = {},
): Promise<Federation> {
  const logger = createLogger("test");
  const issuer = await createTestIssuer();
  const loansDb = await createTestDatabase("loans");
  const busDb = await createTestDatabase("bus");
  const nats = opts.bus === "nats" ? natsStream() : undefined;
  const bus = nats ? await NatsEventBus.open(nats) : await PgEventBus.open({ url: busDb.url, pollMs: 100 });
  const loans = await startLoans({
    bus,
    databaseUrl: loansDb.url,
    clock: opts.clock,
    counter: opts.counter,
    logger: logger.child({ service: "loans" }),
    internalSecret: TEST_INTERNAL_SECRET,
  });
  const agenciesDb = await createTestDatabase("agencies");
  const agencies = await startAgencies({
    bus,
    databaseUrl: agenciesDb.url,
    clock: opts.clock,
    logger: logger.child({ service: "agencies" }),
    internalSecret: TEST_INTERNAL_SECRET,
  });
  const gateways: RunningGateway[] = [];
  const newGateway = async (extras: GatewayExtras = {}) => {
    const g = await startGateway({
      supergraphPath: join(repoRoot, "schema", "supergraph.graphql"),
      auth: { getKey: issuer.getKey, issuer: TEST_ISSUER, audience: TEST_AUDIENCE },
      internalSecret: TEST_INTERNAL_SECRET,
      subgraphUrls: { loans: loans.url, agencies: agencies.url },
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
    loans,
    agencies,
    databases: { loans: loansDb, agencies: agenciesDb, bus: busDb },
    issuer,
    bus,
    gateway,
    query: (q, v, token) => gql(gateway.url, q, v, token ? { authorization: `Bearer ${token}` } : {}),
    subscribe: (q, v, token, url) => subscribe(url ?? gateway.url, token, q, v),
    startGateway: newGateway,
    token: (claims) => issuer.mint(claims),
    async stop() {
      for (const g of gateways) await g.stop();
      await loans.stop();
      await agencies.stop();
      await bus.close();
      await agenciesDb.drop();
      await loansDb.drop();
      await busDb.drop();
      if (nats) await NatsEventBus.deleteStream(nats);
    },
  };
}

/** Gateway options a test may set. */
type GatewayExtras = Pick<Parameters<typeof startGateway>[0], "subscriptions" | "limits">;

/** A NATS stream of its own for one federation, so runs never see each other's events. */
function natsStream() {
  const url = env().NATS_URL;
  if (!url) throw new Error("NATS_URL is not set");
  const tag = randomBytes(4).toString("hex");
  return { url, stream: `CONCORD_E2E_${tag}`, prefix: `concord.e2e.${tag}` };
}
