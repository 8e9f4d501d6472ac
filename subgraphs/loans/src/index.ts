import "reflect-metadata";
import { startSubgraph, type SubgraphOptions, type SubgraphService } from "@concord/service-kit";
import { buildLoansSchema } from "./schema";
import { createContext, type LoansContext } from "./context";
import { migrations } from "./migrations";

export { buildLoansSchema } from "./schema";
export { buildLoansSchema as buildSchema } from "./schema";
export { migrations } from "./migrations";
export { seedDemo } from "./demo/seed-demo";
export { refreshDelinquency } from "./modules/collection-case/collection-case.service";
export { seedDemoPortfolio } from "./demo/seed";
export { generatePortfolio } from "./demo/generator";

export type LoansOptions = SubgraphOptions;
export type LoansService = SubgraphService<LoansContext>;

/** Migrates the loans database and serves the subgraph; with a bus, relays its outbox and keeps the case directory. */
export function start(opts: LoansOptions): Promise<LoansService> {
  return startSubgraph<LoansContext>(
    {
      name: "loans",
      migrations,
      buildSchema: buildLoansSchema,
      createContext,
    },
    opts,
  );
}
