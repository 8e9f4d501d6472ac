import { Arg, Ctx, FieldResolver, ID, Mutation, Query, Resolver, Root } from "type-graphql";
import { isUuid, NeedsScope, Policy, Rows, visibleOrNotFound } from "@concord/service-kit";
import { P } from "../../access/policies";
import type { OutreachContext } from "../../context";
import { CollectionCase } from "../collection-case/collection-case.stub";
import { raiseDispute, resolveDispute } from "./dispute.service";
import { Dispute, disputeFromRow, DisputeResolution } from "./dispute.type";

@Resolver(() => Dispute)
export class DisputeResolver {
  @NeedsScope("protections:write")
  @Policy(P.disputeRaising, "Mutation")
  @Mutation(() => Dispute, {
    description:
      "The borrower disputes its own case, or the case's lender records a dispute received in writing. Collection contact on the case is held on every channel from now until the lender resolves it (contactPolicy and revealContact refuse with CONTACT_HOLD). While the case has an open dispute, raising again returns it.",
  })
  async raiseDispute(@Ctx() ctx: OutreachContext, @Arg("caseId", () => ID) caseId: string, @Arg("reason", () => String) reason: string): Promise<Dispute> {
    return disputeFromRow(await raiseDispute(ctx.ds, ctx.clock, ctx.principal, caseId, reason, ctx.requestId));
  }

  @NeedsScope("protections:write")
  @Policy(P.disputeResolving, "Mutation")
  @Mutation(() => Dispute, {
    description: "The case's lender resolves an open dispute: its contact hold is lifted at once. Resolving one already resolved is CONFLICT.",
  })
  async resolveDispute(
    @Ctx() ctx: OutreachContext,
    @Arg("disputeId", () => ID) disputeId: string,
    @Arg("resolution", () => DisputeResolution) resolution: DisputeResolution,
    @Arg("note", () => String, { nullable: true }) note?: string | null,
  ): Promise<Dispute> {
    return disputeFromRow(await resolveDispute(ctx.ds, ctx.clock, ctx.principal, disputeId, resolution, note, ctx.requestId));
  }

  @NeedsScope("protections:read")
  @Policy(P.public, "Query")
  @Query(() => Dispute, { nullable: true, description: "One dispute; NOT_FOUND unless the caller may see it (the case's lender, an agency holding the case, the borrower, auditors)." })
  async dispute(@Ctx() ctx: OutreachContext, @Arg("id", () => ID) id: string): Promise<Dispute> {
    return visibleOrNotFound(ctx, P.disputeStatus, "Dispute", id, isUuid(id) ? await ctx.loaders.dispute.load(id) : null, "dispute");
  }
}

@Resolver(() => CollectionCase)
export class CaseDisputesResolver {
  @Policy(P.caseDisputes, "CollectionCase")
  @Rows(P.disputeStatus, "CollectionCase")
  @FieldResolver(() => [Dispute], { nullable: true, description: "The case's disputes, oldest first; at most one is OPEN." })
  async disputes(@Root() c: CollectionCase, @Ctx() ctx: OutreachContext): Promise<Dispute[]> {
    return ctx.loaders.disputesByCase.load(c.id.toLowerCase());
  }
}
