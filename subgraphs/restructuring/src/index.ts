import "reflect-metadata";
import { startSubgraph, type SubgraphOptions, type SubgraphService } from "@concord/service-kit";
import { buildRestructuringSchema } from "./schema";
import { createContext, type RestructuringContext } from "./context";
import { migrations } from "./migrations";
import { CASE_FIGURES_CONSUMER, caseFiguresHandler } from "./modules/figures/case-figures";
import { expireOffers } from "./modules/offers/offer.service";
import { breakPlansPastGrace, PLAN_PAYMENTS_CONSUMER, planPaymentsHandler } from "./modules/plans/plan.service";
import { NOTICES_CONSUMER, noticesHandler, PAYMENTS_CONSUMER, paymentsHandler } from "./modules/legal/legal-facts";

export { buildRestructuringSchema } from "./schema";
export { buildRestructuringSchema as buildSchema } from "./schema";
export { migrations } from "./migrations";
export { expireOffers } from "./modules/offers/offer.service";
export { breakPlansPastGrace, planGraceDaysOf } from "./modules/plans/plan.service";
export { restructuringTermsOf, type RestructuringTermsValue } from "./modules/legal/legal-terms";

export type RestructuringOptions = SubgraphOptions;
export type RestructuringService = SubgraphService<RestructuringContext>;

/** Migrates the restructuring database and serves the subgraph; with a bus, relays its outbox (offers, plans), keeps the case directory and each case's figures, tracks plans from loans' payments, expires offers past their expiresAt and breaks plans whose grace ran out. */
export function start(opts: RestructuringOptions): Promise<RestructuringService> {
  return startSubgraph<RestructuringContext>(
    {
      name: "restructuring",
      migrations,
      buildSchema: buildRestructuringSchema,
      createContext,
      consumers: (clock) => [
        { name: CASE_FIGURES_CONSUMER, handle: caseFiguresHandler() },
        { name: PLAN_PAYMENTS_CONSUMER, handle: planPaymentsHandler(clock) },
        { name: NOTICES_CONSUMER, handle: noticesHandler() },
        { name: PAYMENTS_CONSUMER, handle: paymentsHandler() },
      ],
      jobs: [
        { name: "expire-offers", everyMs: 60_000, run: expireOffers },
        // An instalment's grace ran out unpaid: the plan BROKEN at most a minute after.
        { name: "plan-grace", everyMs: 60_000, run: breakPlansPastGrace },
      ],
    },
    opts,
  );
}
