import "reflect-metadata";
import { startSubgraph, type SubgraphOptions, type SubgraphService } from "@concord/service-kit";
import { buildOutreachSchema } from "./schema";
import { createContext, type OutreachContext } from "./context";
import { migrations } from "./migrations";
import { reportOverdueComplaints } from "./modules/complaints/complaint.service";
import { announceEndedHardshipHolds } from "./modules/hardships/hardship.service";
import { applyCaseBalance, CASE_BALANCE_CONSUMER } from "./modules/notices/case-balance";

export { buildOutreachSchema } from "./schema";
export { buildOutreachSchema as buildSchema } from "./schema";
export { migrations } from "./migrations";
export { seedDemo } from "./demo/seed-demo";
export { reportOverdueComplaints } from "./modules/complaints/complaint.service";
export { announceEndedHardshipHolds } from "./modules/hardships/hardship.service";
export { legalWarningGiven, type LegalWarningCheck } from "./modules/notices/notice.service";

export type OutreachOptions = SubgraphOptions;
export type OutreachService = SubgraphService<OutreachContext>;

/**
 * Migrates the outreach database and serves the subgraph; with a bus, relays its outbox
 * (compliance violations, profiles, protections, notices), keeps the case directory and what
 * each case has overdue (for notices), and runs its jobs (hardship holds that ran out, overdue complaints).
 */
export function start(opts: OutreachOptions): Promise<OutreachService> {
  return startSubgraph<OutreachContext>(
    {
      name: "outreach",
      migrations,
      buildSchema: buildOutreachSchema,
      createContext,
      consumers: () => [{ name: CASE_BALANCE_CONSUMER, handle: (event, tx) => applyCaseBalance(tx, event) }],
      jobs: [
        { name: "hardship-holds-ended", everyMs: 60_000, run: announceEndedHardshipHolds },
        // ComplaintOverdue once per complaint and stage, at most a minute after its deadline.
        { name: "complaint-deadlines", everyMs: 60_000, run: reportOverdueComplaints },
      ],
    },
    opts,
  );
}
