import { Arg, Ctx, FieldResolver, ID, Mutation, Query, Resolver, Root } from "type-graphql";
import { NeedsScope, Policy, Rows, visibleOrNotFound } from "@concord/service-kit";
import { P } from "../../access/policies";
import type { AgenciesContext } from "../../context";
import { Agency } from "../agency/agency.type";
import { CollectionCase } from "../collection-case/collection-case.stub";
import { PlaceCaseInput } from "./placement.inputs";
import { endPlacement, placeCase } from "./placement.service";
import { Placement } from "./placement.type";

@Resolver(() => Placement)
export class PlacementResolver {
  @NeedsScope("placements:read")
  @Policy(P.public, "Query")
  @Query(() => Placement, { nullable: true, description: "One placement; NOT_FOUND unless it is the caller's." })
  async placement(@Ctx() ctx: AgenciesContext, @Arg("id", () => ID) id: string): Promise<Placement> {
    return visibleOrNotFound(ctx, P.placementTerms, "Placement", id, await ctx.loaders.placement.load(id), "placement");
  }

  @NeedsScope("placements:write")
  @Policy(P.placementOperation, "Mutation")
  @Mutation(() => Placement, { nullable: true, description: "Places the lender's open case with an agency (at most one ACTIVE placement per case)." })
  async placeCase(@Ctx() ctx: AgenciesContext, @Arg("input", () => PlaceCaseInput) input: PlaceCaseInput): Promise<Placement> {
    return placeCase(ctx.ds, ctx.clock, ctx.principal, input, ctx.requestId);
  }

  @NeedsScope("placements:write")
  @Policy(P.placementOperation, "Mutation")
  @Mutation(() => Placement, { nullable: true, description: "The lender takes a case back from the agency, with a reason." })
  async recallPlacement(
    @Ctx() ctx: AgenciesContext,
    @Arg("placementId", () => ID) placementId: string,
    @Arg("reason", () => String) reason: string,
  ): Promise<Placement> {
    const p = ctx.principal;
    return endPlacement(
      ctx.ds,
      ctx.clock,
      placementId,
      { status: "RECALLED", reason, by: p.sub, allowed: (row) => p.role === "lender" && row.lender_id === p.lenderId },
      ctx.requestId,
    );
  }

  @NeedsScope("placements:write")
  @Policy(P.agencyOperation, "Mutation")
  @Mutation(() => Placement, { nullable: true, description: "The agency hands a case back to the lender, with a reason." })
  async returnPlacement(
    @Ctx() ctx: AgenciesContext,
    @Arg("placementId", () => ID) placementId: string,
    @Arg("reason", () => String) reason: string,
  ): Promise<Placement> {
    const p = ctx.principal;
    return endPlacement(
      ctx.ds,
      ctx.clock,
      placementId,
      { status: "RETURNED", reason, by: p.sub, allowed: (row) => p.role === "agency" && row.agency_id === p.agencyId },
      ctx.requestId,
    );
  }

  @Policy(P.placementTerms)
  @FieldResolver(() => CollectionCase, { nullable: true, description: "The case placed." })
  collectionCase(@Root() p: Placement): CollectionCase {
    return Object.assign(new CollectionCase(), { id: p.caseId });
  }

  @Policy(P.placementTerms)
  @FieldResolver(() => Agency, { nullable: true })
  async agency(@Root() p: Placement, @Ctx() ctx: AgenciesContext): Promise<Agency | null> {
    return ctx.loaders.agency.load(p.agencyId);
  }
}

@Resolver(() => CollectionCase)
export class CasePlacementsResolver {
  @Policy(P.casePlacements, "CollectionCase")
  @FieldResolver(() => Placement, { nullable: true, description: "The agency placement in force, if any." })
  async activePlacement(@Root() c: CollectionCase, @Ctx() ctx: AgenciesContext): Promise<Placement | null> {
    // The loader reads placements at the request's instant: one past its expiry is EXPIRED.
    return (await ctx.loaders.placementsByCase.load(c.id)).find((p) => p.status === "ACTIVE") ?? null;
  }

  @Policy(P.casePlacements, "CollectionCase")
  // An agency sees only its own placements of a case, never another agency's terms.
  @Rows(P.placementTerms, "CollectionCase")
  @FieldResolver(() => [Placement], { nullable: true, description: "Every placement of the case, oldest first." })
  async placements(@Root() c: CollectionCase, @Ctx() ctx: AgenciesContext): Promise<Placement[]> {
    return ctx.loaders.placementsByCase.load(c.id);
  }
}


