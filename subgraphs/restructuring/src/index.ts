import "reflect-metadata";
import { startSubgraph, type SubgraphOptions, type SubgraphService } from "@concord/service-kit";
import { buildRestructuringSchema } from "./schema";
import { createContext, type RestructuringContext } from "./context";
import { migrations } from "./migrations";
import { CASE_FIGURES_CONSUMER, caseFiguresHandler } from "./modules/figures/case-figures";
import { expireOffers } from "./modules/offers/offer.service";
import { NOTICES_CONSUMER, noticesHandler, PAYMENTS_CONSUMER, paymentsHandler } from "./modules/legal/legal-facts";

export { buildRestructuringSchema } from "./schema";
export { buildRestructuringSchema as buildSchema } from "./schema";
export { migrations } from "./migrations";
export { expireOffers } from "./modules/offers/offer.service";
export { restructuringTermsOf, type RestructuringTermsValue } from "./modules/legal/legal-terms";

export type RestructuringOptions = SubgraphOptions;
export type RestructuringService = SubgraphService<RestructuringContext>;

/** Migrates the restructuring database and serves the subgraph; with a bus, relays its outbox (offers, plans), keeps the case directory, each case's figures and the facts the legal step checks (LEGAL_WARNING notices, last payments), and expires offers past their expiresAt. */
export function start(opts: RestructuringOptions): Promise<RestructuringService> {
  return startSubgraph<RestructuringContext>(
    {
      name: "restructuring",
      migrations,
      buildSchema: buildRestructuringSchema,
      createContext,
      consumers: () => [
        { name: CASE_FIGURES_CONSUMER, handle: caseFiguresHandler() },
        { name: NOTICES_CONSUMER, handle: noticesHandler() },
        { name: PAYMENTS_CONSUMER, handle: paymentsHandler() },
      ],
      jobs: [{ name: "expire-offers", everyMs: 60_000, run: expireOffers }],
    },
    opts,
  );
}
