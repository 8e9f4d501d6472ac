import "reflect-metadata";
import { startSubgraph, type SubgraphOptions, type SubgraphService } from "@concord/service-kit";
import { buildOutreachSchema } from "./schema";
import { createContext, type OutreachContext } from "./context";
import { migrations } from "./migrations";
import { announceEndedHardshipHolds } from "./modules/hardships/hardship.service";

export { buildOutreachSchema } from "./schema";
export { buildOutreachSchema as buildSchema } from "./schema";
export { migrations } from "./migrations";
export { seedDemo } from "./demo/seed-demo";
export { announceEndedHardshipHolds } from "./modules/hardships/hardship.service";

export type OutreachOptions = SubgraphOptions;
export type OutreachService = SubgraphService<OutreachContext>;

/** Migrates the outreach database and serves the subgraph; with a bus, relays its outbox (compliance violations, profiles, protections), keeps the case directory and runs its jobs (hardship holds that ran out). */
export function start(opts: OutreachOptions): Promise<OutreachService> {
  return startSubgraph<OutreachContext>(
    {
      name: "outreach",
      migrations,
      buildSchema: buildOutreachSchema,
      createContext,
      jobs: [{ name: "hardship-holds-ended", everyMs: 60_000, run: announceEndedHardshipHolds }],
    },
    opts,
  );
}
