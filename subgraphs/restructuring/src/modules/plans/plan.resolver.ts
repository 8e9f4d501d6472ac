import { Arg, Ctx, FieldResolver, ID, Query, Resolver, Root } from "type-graphql";
import { isUuid, NeedsScope, Policy, Rows, visibleOrNotFound } from "@concord/service-kit";
import { P } from "../../access/policies";
import type { RestructuringContext } from "../../context";
import { CollectionCase } from "../collection-case/collection-case.stub";
import { Plan } from "./plan.type";

@Resolver(() => Plan)
export class PlanResolver {
  @NeedsScope("plans:read")
  @Policy(P.public, "Query")
  @Query(() => Plan, { nullable: true, description: "One plan; NOT_FOUND unless the caller may see it (the case's lender, an agency holding the case, the borrower, auditors)." })
  async plan(@Ctx() ctx: RestructuringContext, @Arg("id", () => ID) id: string): Promise<Plan> {
    return visibleOrNotFound(ctx, P.planView, "Plan", id, isUuid(id) ? await ctx.loaders.plan.load(id) : null, "plan");
  }
}

@Resolver(() => CollectionCase)
export class CasePlansResolver {
  @Policy(P.casePlans, "CollectionCase")
  @Rows(P.planView, "CollectionCase")
  @FieldResolver(() => [Plan], { nullable: true, description: "The case's plans, oldest first; at most one is ACTIVE." })
  async plans(@Root() c: CollectionCase, @Ctx() ctx: RestructuringContext): Promise<Plan[]> {
    return ctx.loaders.plansByCase.load(c.id.toLowerCase());
  }
}
