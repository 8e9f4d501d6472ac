import "reflect-metadata";
import { startSubgraph, type SubgraphOptions, type SubgraphService } from "@concord/service-kit";
import { buildOutreachSchema } from "./schema";
import { createContext, type OutreachContext } from "./context";
import { migrations } from "./migrations";
import { breakPromises, PAYMENTS_CONSUMER, paymentsHandler } from "./modules/promises/promise.service";

export { buildOutreachSchema } from "./schema";
export { buildOutreachSchema as buildSchema } from "./schema";
export { migrations } from "./migrations";
export { seedDemo } from "./demo/seed-demo";
export { breakPromises } from "./modules/promises/promise.service";

export type OutreachOptions = SubgraphOptions;
export type OutreachService = SubgraphService<OutreachContext>;

/**
 * Migrates the outreach database and serves the subgraph; with a bus, relays its outbox
 * (compliance violations, profiles, holds, protections), keeps the case directory and keeps
 * promises to pay from loans' payments; breaks promises whose grace has ended, every minute.
 */
export function start(opts: OutreachOptions): Promise<OutreachService> {
  return startSubgraph<OutreachContext>(
    {
      name: "outreach",
      migrations,
      buildSchema: buildOutreachSchema,
      createContext,
      consumers: (clock) => [{ name: PAYMENTS_CONSUMER, handle: paymentsHandler(clock) }],
      jobs: [{ name: "break-promises", everyMs: 60_000, run: breakPromises }],
    },
    opts,
  );
}
