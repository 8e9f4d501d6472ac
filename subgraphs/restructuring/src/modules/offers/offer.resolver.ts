import { Arg, Ctx, FieldResolver, ID, Int, Mutation, Query, Resolver, Root } from "type-graphql";
import { isUuid, NeedsScope, Policy, Rows, visibleOrNotFound } from "@concord/service-kit";
import { P } from "../../access/policies";
import type { RestructuringContext } from "../../context";
import { CollectionCase } from "../collection-case/collection-case.stub";
import { ProposeOfferInput } from "./offer.inputs";
import { acceptOffer, approveOffer, proposeOffer, rejectOffer, withdrawOffer } from "./offer.service";
import { Offer, offerFromRow } from "./offer.type";

@Resolver(() => Offer)
export class OfferResolver {
  @NeedsScope("offers:write")
  @Policy(P.offerProposing, "Mutation")
  @Mutation(() => Offer, {
    description:
      "A lender on its own case, or an agency on a case it holds, proposes an offer with its exact schedule. Within the placement's delegated authority (discount up to maxDiscountBps, instalments up to maxInstalments) an agency's offer is PROPOSED to the borrower; beyond it, PENDING_APPROVAL until the lender approves or rejects it. A lender's offer is PROPOSED. A retry with the same idempotencyKey returns the first offer; the key with other content is CONFLICT.",
  })
  async proposeOffer(@Ctx() ctx: RestructuringContext, @Arg("input", () => ProposeOfferInput) input: ProposeOfferInput): Promise<Offer> {
    return offerFromRow(await proposeOffer(ctx.ds, ctx.clock, ctx.principal, input, ctx.requestId));
  }

  @NeedsScope("offers:write")
  @Policy(P.offerApproving, "Mutation")
  @Mutation(() => Offer, { description: "The case's lender approves an offer PENDING_APPROVAL: it is PROPOSED to the borrower from now. Any other status, or an expired offer, is CONFLICT." })
  async approveOffer(
    @Ctx() ctx: RestructuringContext,
    @Arg("offerId", () => ID) offerId: string,
    @Arg("note", () => String, { nullable: true }) note?: string | null,
  ): Promise<Offer> {
    return offerFromRow(await approveOffer(ctx.ds, ctx.clock, ctx.principal, offerId, note, ctx.requestId));
  }

  @NeedsScope("offers:write")
  @Policy(P.offerRejecting, "Mutation")
  @Mutation(() => Offer, { description: "The case's lender rejects an offer PENDING_APPROVAL; the borrower rejects one PROPOSED to it. Any other status, or an expired offer, is CONFLICT." })
  async rejectOffer(
    @Ctx() ctx: RestructuringContext,
    @Arg("offerId", () => ID) offerId: string,
    @Arg("reason", () => String, { nullable: true }) reason?: string | null,
  ): Promise<Offer> {
    return offerFromRow(await rejectOffer(ctx.ds, ctx.clock, ctx.principal, offerId, reason, ctx.requestId));
  }

  @NeedsScope("offers:write")
  @Policy(P.offerWithdrawing, "Mutation")
  @Mutation(() => Offer, { description: "Whoever proposed an offer withdraws it while it is open (not yet accepted, rejected or expired): the lender its own, an agency its own while it holds the case." })
  async withdrawOffer(@Ctx() ctx: RestructuringContext, @Arg("offerId", () => ID) offerId: string): Promise<Offer> {
    return offerFromRow(await withdrawOffer(ctx.ds, ctx.clock, ctx.principal, offerId, ctx.requestId));
  }

  @NeedsScope("offers:accept")
  @Policy(P.offerAccepting, "Mutation")
  @Mutation(() => Offer, {
    description:
      "The borrower accepts an offer PROPOSED to it, at the version it saw: it becomes the case's ACTIVE plan (CollectionCase.plans). A stale version, an offer no longer PROPOSED or past expiresAt, and a case that already has an ACTIVE plan are CONFLICT.",
  })
  async acceptOffer(@Ctx() ctx: RestructuringContext, @Arg("offerId", () => ID) offerId: string, @Arg("version", () => Int) version: number): Promise<Offer> {
    return offerFromRow((await acceptOffer(ctx.ds, ctx.clock, ctx.principal, offerId, version, ctx.requestId)).offer);
  }

  @NeedsScope("offers:read")
  @Policy(P.public, "Query")
  @Query(() => Offer, { nullable: true, description: "One offer; NOT_FOUND unless the caller may see it (the case's lender, an agency holding the case, the borrower once it was put to it, auditors)." })
  async offer(@Ctx() ctx: RestructuringContext, @Arg("id", () => ID) id: string): Promise<Offer> {
    return visibleOrNotFound(ctx, P.offerView, "Offer", id, isUuid(id) ? await ctx.loaders.offer.load(id) : null, "offer");
  }

  @NeedsScope("offers:read")
  @Policy(P.myOffers, "Query")
  @Rows(P.offerView, "Query")
  @Query(() => [Offer], {
    description:
      "The caller's own offers, newest first (at most 200): a borrower's those put to it on all its cases (never one pending approval), a lender's those on its cases, an agency's those it made on cases it holds now; an auditor has none.",
  })
  async myOffers(@Ctx() ctx: RestructuringContext): Promise<Offer[]> {
    const p = ctx.principal;
    const where =
      p.role === "borrower" ? ["borrower_id = $1 AND proposed_at IS NOT NULL", p.borrowerId] : p.role === "lender" ? ["lender_id = $1", p.lenderId] : p.role === "agency" ? ["agency_id = $1", p.agencyId] : null;
    if (!where || !where[1] || !isUuid(where[1])) return [];
    const rows = await ctx.ds.query(`SELECT * FROM offer WHERE ${where[0]} ORDER BY created_at DESC, id DESC LIMIT 200`, [where[1]]);
    return rows.map(offerFromRow);
  }
}

@Resolver(() => CollectionCase)
export class CaseOffersResolver {
  @Policy(P.caseOffers, "CollectionCase")
  @Rows(P.offerView, "CollectionCase")
  @FieldResolver(() => [Offer], { nullable: true, description: "The case's offers, oldest first (a borrower sees those put to it only)." })
  async offers(@Root() c: CollectionCase, @Ctx() ctx: RestructuringContext): Promise<Offer[]> {
    return ctx.loaders.offersByCase.load(c.id.toLowerCase());
  }
}
