import type { GraphQLSchema } from "graphql";
import { buildFederatedSchema } from "@concord/service-kit";
import type { AgenciesContext } from "./context";
import { AgencyResolver } from "./modules/agency/agency.resolver";
import { CasePlacementsResolver, PlacementResolver } from "./modules/placement/placement.resolver";
import { CollectionCase } from "./modules/collection-case/collection-case.stub";
import { AllocationResolver } from "./modules/placement/allocation.resolver";
import { HomeVisitResolver } from "./modules/home-visit/home-visit.resolver";
import { PlacementReceivedResolver } from "./modules/placement/placement-received";
import { ViolationResolver } from "./modules/violation/violation.resolver";
import { auditTrail } from "./modules/audit/audit-slice";

type Ref = { id: string };

/** The agencies subgraph schema. */
export function buildAgenciesSchema(): Promise<GraphQLSchema> {
  return buildFederatedSchema(
    {
      resolvers: [
        AgencyResolver,
        PlacementResolver,
        CasePlacementsResolver,
        AllocationResolver,
        HomeVisitResolver,
        PlacementReceivedResolver,
        ViolationResolver,
        ...auditTrail.resolvers,
      ],
      orphanedTypes: [CollectionCase, auditTrail.pageType],
    },
    {
      Agency: { __resolveReference: (ref: Ref, ctx: AgenciesContext) => ctx.loaders.agency.load(ref.id) },
      Placement: { __resolveReference: (ref: Ref, ctx: AgenciesContext) => ctx.loaders.placement.load(ref.id) },
      CollectionCase: { __resolveReference: (ref: Ref) => Object.assign(new CollectionCase(), { id: ref.id }) },
      ...auditTrail.references,
    },
  );
}
