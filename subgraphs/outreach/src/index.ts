import "reflect-metadata";
import { startSubgraph, type SubgraphOptions, type SubgraphService } from "@concord/service-kit";
import { buildOutreachSchema } from "./schema";
import { createContext, type OutreachContext } from "./context";
import { migrations } from "./migrations";
import { reportOverdueComplaints } from "./modules/complaints/complaint.service";

export { buildOutreachSchema } from "./schema";
export { buildOutreachSchema as buildSchema } from "./schema";
export { migrations } from "./migrations";
export { seedDemo } from "./demo/seed-demo";
export { reportOverdueComplaints } from "./modules/complaints/complaint.service";

export type OutreachOptions = SubgraphOptions;
export type OutreachService = SubgraphService<OutreachContext>;

/** Migrates the outreach database and serves the subgraph; with a bus, relays its outbox (compliance violations, profiles, protections), keeps the case directory and reports overdue complaints. */
export function start(opts: OutreachOptions): Promise<OutreachService> {
  return startSubgraph<OutreachContext>(
    {
      name: "outreach",
      migrations,
      buildSchema: buildOutreachSchema,
      createContext,
      // ComplaintOverdue once per complaint and stage, at most a minute after its deadline.
      jobs: [{ name: "complaint-deadlines", everyMs: 60_000, run: reportOverdueComplaints }],
    },
    opts,
  );
}
