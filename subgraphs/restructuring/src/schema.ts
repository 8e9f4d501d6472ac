import type { GraphQLSchema } from "graphql";
import { buildFederatedSchema } from "@concord/service-kit";
import { CollectionCase } from "./modules/collection-case/collection-case.stub";
import { CaseOffersResolver, OfferResolver } from "./modules/offers/offer.resolver";
import { CasePlansResolver, PlanResolver } from "./modules/plans/plan.resolver";
import { PlanUpdateResolver } from "./modules/plans/plan-update";
import { CaseLegalEscalationResolver, LegalEscalationResolver, RestructuringTermsResolver } from "./modules/legal/legal.resolver";
import { auditTrail } from "./modules/audit/audit-slice";

type Ref = { id: string };

/** The restructuring subgraph schema. */
export function buildRestructuringSchema(): Promise<GraphQLSchema> {
  return buildFederatedSchema(
    {
      resolvers: [
        OfferResolver,
        CaseOffersResolver,
        PlanResolver,
        CasePlansResolver,
        PlanUpdateResolver,
        RestructuringTermsResolver,
        LegalEscalationResolver,
        CaseLegalEscalationResolver,
        ...auditTrail.resolvers,
      ],
      orphanedTypes: [CollectionCase, auditTrail.pageType],
    },
    {
      CollectionCase: { __resolveReference: (ref: Ref) => Object.assign(new CollectionCase(), { id: ref.id }) },
      ...auditTrail.references,
    },
  );
}
