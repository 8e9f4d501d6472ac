import "reflect-metadata";
import { startSubgraph, type SubgraphOptions, type SubgraphService } from "@concord/service-kit";
import { buildOutreachSchema } from "./schema";
import { createContext, type OutreachContext } from "./context";
import { migrations } from "./migrations";
import { reportOverdueComplaints } from "./modules/complaints/complaint.service";
import { announceEndedHardshipHolds } from "./modules/hardships/hardship.service";
import { applyCaseBalance, CASE_BALANCE_CONSUMER } from "./modules/notices/case-balance";
import { breakPromises, PAYMENTS_CONSUMER, paymentsHandler } from "./modules/promises/promise.service";
import { PLANS_CONSUMER, plansHandler } from "./modules/plans/plan-holds";

export { buildOutreachSchema } from "./schema";
export { buildOutreachSchema as buildSchema } from "./schema";
export { migrations } from "./migrations";
export { seedDemo } from "./demo/seed-demo";
export { reportOverdueComplaints } from "./modules/complaints/complaint.service";
export { announceEndedHardshipHolds } from "./modules/hardships/hardship.service";
export { legalWarningGiven, type LegalWarningCheck } from "./modules/notices/notice.service";
export { breakPromises } from "./modules/promises/promise.service";

export type OutreachOptions = SubgraphOptions;
export type OutreachService = SubgraphService<OutreachContext>;

/**
 * Migrates the outreach database and serves the subgraph; with a bus, relays its outbox
 * (compliance violations, profiles, holds, protections, notices), keeps the case directory, what
 * each case has overdue (for notices), promises to pay from loans' payments and the ARRANGEMENT
 * hold of each plan in good standing from restructuring's plan events, and runs its
 * jobs (hardship holds that ran out, overdue complaints, promises whose grace has ended).
 */
export function start(opts: OutreachOptions): Promise<OutreachService> {
  return startSubgraph<OutreachContext>(
    {
      name: "outreach",
      migrations,
      buildSchema: buildOutreachSchema,
      createContext,
      consumers: (clock) => [
        { name: CASE_BALANCE_CONSUMER, handle: (event, tx) => applyCaseBalance(tx, event) },
        { name: PAYMENTS_CONSUMER, handle: paymentsHandler(clock) },
        { name: PLANS_CONSUMER, handle: plansHandler(clock) },
      ],
      jobs: [
        { name: "hardship-holds-ended", everyMs: 60_000, run: announceEndedHardshipHolds },
        // ComplaintOverdue once per complaint and stage, at most a minute after its deadline.
        { name: "complaint-deadlines", everyMs: 60_000, run: reportOverdueComplaints },
        { name: "break-promises", everyMs: 60_000, run: breakPromises },
      ],
    },
    opts,
  );
}
