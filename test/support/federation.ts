import { join } from "node:path";
import { createLogger, repoRoot, type Clock, type QueryCounter } from "@concord/service-kit";
import { start as startLoans, type LoansService } from "@concord/loans";
import { start as startGateway } from "@concord/gateway";
import { createTestDatabase, gql, type GqlResponse, type TestDatabase } from "@concord/test-kit";

export interface Federation {
  gatewayUrl: string;
  loans: LoansService;
  databases: Record<string, TestDatabase>;
  /** Sends an operation through the gateway. */
  query<T = any>(query: string, variables?: Record<string, unknown>, headers?: Record<string, string>): Promise<GqlResponse<T>>;
  stop(): Promise<void>;
}

/**
 * The whole federation on free ports, each subgraph on its own fresh database, the gateway
 * executing the checked-in supergraph and calling the subgraphs over real HTTP.
 */
export async function startFederation(opts: { clock?: Clock; counter?: QueryCounter } = {}): Promise<Federation> {
  const logger = createLogger("test");
  const loansDb = await createTestDatabase("loans");
  const loans = await startLoans({ databaseUrl: loansDb.url, clock: opts.clock, counter: opts.counter, logger: logger.child({ service: "loans" }) });
  const gateway = await startGateway({
    supergraphPath: join(repoRoot, "schema", "supergraph.graphql"),
    subgraphUrls: { loans: loans.url },
    logger: logger.child({ service: "gateway" }),
  });
  return {
    gatewayUrl: gateway.url,
    loans,
    databases: { loans: loansDb },
    query: (q, v, h) => gql(gateway.url, q, v, h),
    async stop() {
      await gateway.stop();
      await loans.stop();
      await loansDb.drop();
    },
  };
}
