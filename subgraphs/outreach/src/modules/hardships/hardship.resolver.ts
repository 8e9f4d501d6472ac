import { Arg, Ctx, FieldResolver, ID, Int, Mutation, Query, Resolver, Root } from "type-graphql";
import { isUuid, NeedsScope, Policy, Rows, visibleOrNotFound } from "@concord/service-kit";
import { P } from "../../access/policies";
import type { OutreachContext } from "../../context";
import { CollectionCase } from "../collection-case/collection-case.stub";
import { declareHardship, decideHardship, endHardship } from "./hardship.service";
import { Hardship, hardshipFromRow, HardshipKind } from "./hardship.type";

@Resolver(() => Hardship)
export class HardshipResolver {
  @NeedsScope("protections:write")
  @Policy(P.hardshipDeclaring, "Mutation")
  @Mutation(() => Hardship, {
    description:
      "The borrower declares a hardship on its own case, or the case's lender records one received in writing. Collection contact is held on every channel from now for 14 days while the lender decides (contactPolicy and revealContact refuse with CONTACT_HOLD). While the case has an open hardship (DECLARED and undecided, even once its 14 days ran out, or APPROVED with its hold running), declaring again returns it and places no new pause.",
  })
  async declareHardship(
    @Ctx() ctx: OutreachContext,
    @Arg("caseId", () => ID) caseId: string,
    @Arg("kind", () => HardshipKind) kind: HardshipKind,
    @Arg("evidenceReference", () => String, { nullable: true }) evidenceReference?: string | null,
  ): Promise<Hardship> {
    return hardshipFromRow(await declareHardship(ctx.ds, ctx.clock, ctx.principal, caseId, kind, evidenceReference, ctx.requestId));
  }

  @NeedsScope("protections:write")
  @Policy(P.hardshipDeciding, "Mutation")
  @Mutation(() => Hardship, {
    description:
      "The case's lender decides a declared hardship. Rejected: the pending hold is lifted at once. Approved: a hold from now for holdDays (default 60; BREATHING_SPACE under UK_FCA, at most 60 days; else 1 to 365), or until the lender ends it for a MENTAL_HEALTH_CRISIS. Deciding twice is CONFLICT.",
  })
  async decideHardship(
    @Ctx() ctx: OutreachContext,
    @Arg("hardshipId", () => ID) hardshipId: string,
    @Arg("approve", () => Boolean) approve: boolean,
    @Arg("holdDays", () => Int, { nullable: true }) holdDays?: number | null,
    @Arg("note", () => String, { nullable: true }) note?: string | null,
  ): Promise<Hardship> {
    return hardshipFromRow(await decideHardship(ctx.ds, ctx.clock, ctx.principal, hardshipId, approve, holdDays, note, ctx.requestId));
  }

  @NeedsScope("protections:write")
  @Policy(P.hardshipDeciding, "Mutation")
  @Mutation(() => Hardship, {
    description: "The case's lender ends an approved open-ended hardship (a mental-health crisis): contact stays held for 30 days more. Anything else is CONFLICT.",
  })
  async endHardship(@Ctx() ctx: OutreachContext, @Arg("hardshipId", () => ID) hardshipId: string): Promise<Hardship> {
    return hardshipFromRow(await endHardship(ctx.ds, ctx.clock, ctx.principal, hardshipId, ctx.requestId));
  }

  @NeedsScope("protections:read")
  @Policy(P.public, "Query")
  @Query(() => Hardship, { nullable: true, description: "One hardship; NOT_FOUND unless the caller may see it (the case's lender, an agency holding the case, the borrower, auditors)." })
  async hardship(@Ctx() ctx: OutreachContext, @Arg("id", () => ID) id: string): Promise<Hardship> {
    return visibleOrNotFound(ctx, P.hardshipStatus, "Hardship", id, isUuid(id) ? await ctx.loaders.hardship.load(id) : null, "hardship");
  }
}

@Resolver(() => CollectionCase)
export class CaseHardshipsResolver {
  @Policy(P.caseHardships, "CollectionCase")
  @Rows(P.hardshipStatus, "CollectionCase")
  @FieldResolver(() => [Hardship], { nullable: true, description: "The case's hardships, oldest first; at most one is open." })
  async hardships(@Root() c: CollectionCase, @Ctx() ctx: OutreachContext): Promise<Hardship[]> {
    return ctx.loaders.hardshipsByCase.load(c.id.toLowerCase());
  }
}
