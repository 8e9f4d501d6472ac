import "reflect-metadata";
import { startSubgraph, type SubgraphOptions, type SubgraphService } from "@concord/service-kit";
import { buildOutreachSchema } from "./schema";
import { createContext, type OutreachContext } from "./context";
import { migrations } from "./migrations";

export { buildOutreachSchema } from "./schema";
export { buildOutreachSchema as buildSchema } from "./schema";
export { migrations } from "./migrations";
export { seedDemo } from "./demo/seed-demo";

export type OutreachOptions = SubgraphOptions;
export type OutreachService = SubgraphService<OutreachContext>;

/** Migrates the outreach database and serves the subgraph; with a bus, relays its outbox (compliance violations, profiles) and keeps the case directory. */
export function start(opts: OutreachOptions): Promise<OutreachService> {
  return startSubgraph<OutreachContext>({ name: "outreach", migrations, buildSchema: buildOutreachSchema, createContext }, opts);
}
