import "reflect-metadata";
import { startSubgraph, type SubgraphOptions, type SubgraphService } from "@concord/service-kit";
import { buildLoansSchema } from "./schema";
import { createContext, type LoansContext } from "./context";
import { migrations } from "./migrations";
import { PLACEMENT_STATUS_CONSUMER, placementStatusHandler } from "./modules/collection-case/placement-status";

export { buildLoansSchema } from "./schema";
export { buildLoansSchema as buildSchema } from "./schema";
export { migrations } from "./migrations";
export { seedDemo } from "./demo/seed-demo";
export { refreshDelinquency } from "./modules/collection-case/collection-case.service";
export { seedDemoPortfolio } from "./demo/seed";
export { generatePortfolio } from "./demo/generator";

export type LoansOptions = SubgraphOptions;
export type LoansService = SubgraphService<LoansContext>;

/**
 * Migrates the loans database and serves the subgraph; with a bus, relays its outbox, keeps the
 * case directory and moves cases between OPEN and PLACED as agencies place and end them.
 */
export function start(opts: LoansOptions): Promise<LoansService> {
  return startSubgraph<LoansContext>(
    {
      name: "loans",
      migrations,
      buildSchema: buildLoansSchema,
      createContext,
      consumers: (clock) => [{ name: PLACEMENT_STATUS_CONSUMER, handle: placementStatusHandler(clock) }],
    },
    opts,
  );
}
