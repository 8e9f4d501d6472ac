import { join } from "node:path";
import { createLogger, PgEventBus, repoRoot, type Clock, type EventBus, type QueryCounter } from "@concord/service-kit";
import { start as startLoans, type LoansService } from "@concord/loans";
import { start as startGateway } from "@concord/gateway";
import { start as startAgencies, type AgenciesService } from "@concord/agencies";
import {
  createTestDatabase,
  createTestIssuer,
  gql,
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
  /** The event bus the subgraphs relay to and consume from (PostgreSQL, its own database). */
  bus: EventBus;
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
export async function startFederation(opts: { clock?: Clock; counter?: QueryCounter; jwksCooldownMs?: number } = {}): Promise<Federation> {
  const logger = createLogger("test");
  const issuer = await createTestIssuer();
  const loansDb = await createTestDatabase("loans");
  const busDb = await createTestDatabase("bus");
  const bus = await PgEventBus.open({ url: busDb.url, pollMs: 100 });
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
  const gateway = await startGateway({
    supergraphPath: join(repoRoot, "schema", "supergraph.graphql"),
    auth: { getKey: issuer.getKey, issuer: TEST_ISSUER, audience: TEST_AUDIENCE },
    internalSecret: TEST_INTERNAL_SECRET,
    subgraphUrls: { loans: loans.url, agencies: agencies.url },
    logger: logger.child({ service: "gateway" }),
  });
  return {
    gatewayUrl: gateway.url,
    loans,
    agencies,
    databases: { loans: loansDb, agencies: agenciesDb, bus: busDb },
    issuer,
    bus,
    query: (q, v, token) => gql(gateway.url, q, v, token ? { authorization: `Bearer ${token}` } : {}),
    token: (claims) => issuer.mint(claims),
    async stop() {
      await gateway.stop();
      await loans.stop();
      await agencies.stop();
      await bus.close();
      await agenciesDb.drop();
      await loansDb.drop();
      await busDb.drop();
    },
  };
}
