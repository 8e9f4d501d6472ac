import { Arg, Ctx, FieldResolver, ID, Mutation, Query, Resolver, Root } from "type-graphql";
import { badInput, forbidden, heldCasesSql, isUuid, NeedsScope, Policy } from "@concord/service-kit";
import { P } from "../../access/policies";
import type { RestructuringContext } from "../../context";
import { CollectionCase } from "../collection-case/collection-case.stub";
import { restructuringTermsOf, setRestructuringTerms } from "./legal-terms";
import { escalateToLegal } from "./legal.service";
import { LegalEscalation, legalEscalationFromRow, RestructuringTerms, RestructuringTermsInput, termsFrom } from "./legal.type";

@Resolver(() => RestructuringTerms)
export class RestructuringTermsResolver {
  @NeedsScope("offers:write")
  @Policy(P.restructuringTermsSetting, "Mutation")
  @Mutation(() => RestructuringTerms, {
    description: "The lender sets its own restructuring terms (plan grace days, the legal step's days-past-due threshold, the limitation period); a field left out keeps its value. Out of range is BAD_USER_INPUT.",
  })
  async setRestructuringTerms(@Ctx() ctx: RestructuringContext, @Arg("input", () => RestructuringTermsInput) input: RestructuringTermsInput): Promise<RestructuringTerms> {
    return termsFrom(await setRestructuringTerms(ctx.ds, ctx.clock, ctx.principal, input));
  }

  @NeedsScope("compliance:read")
  @Policy(P.public, "Query")
  @Query(() => RestructuringTerms, {
    nullable: true,
    description:
      "A lender's restructuring terms, its own settings over the defaults: a lender its own (lenderId may be left out; another lender's is FORBIDDEN), an agency those of a lender one of whose cases it holds, an auditor any lender's.",
  })
  async restructuringTerms(@Ctx() ctx: RestructuringContext, @Arg("lenderId", () => ID, { nullable: true }) lenderId?: string | null): Promise<RestructuringTerms> {
    const p = ctx.principal;
    if (p.role === "lender") {
      if (lenderId && lenderId.toLowerCase() !== p.lenderId) throw forbidden("another lender's restructuring terms");
      return termsFrom(await restructuringTermsOf(ctx.ds, p.lenderId!));
    }
    if (p.role === "borrower") throw forbidden("restructuring terms");
    if (!lenderId || !isUuid(lenderId)) throw badInput("lenderId (a UUID) is required", "lenderId");
    const lender = lenderId.toLowerCase();
    if (p.role === "agency") {
      const held = await ctx.ds.query(`SELECT 1 FROM case_directory d WHERE d.lender_id = $3 AND d.case_id IN (${heldCasesSql("$1", "$2")}) LIMIT 1`, [
        p.agencyId,
        ctx.clock.now(),
        lender,
      ]);
      if (!held.length) throw forbidden("the restructuring terms of a lender none of whose cases your agency holds");
    }
    return termsFrom(await restructuringTermsOf(ctx.ds, lender));
  }
}

@Resolver(() => LegalEscalation)
export class LegalEscalationResolver {
  @NeedsScope("offers:write")
  @Policy(P.legalEscalating, "Mutation")
  @Mutation(() => LegalEscalation, {
    description:
      "The lender escalates its own case to legal action. BAD_USER_INPUT naming the rule (extensions.rule) unless every one holds, checked in this order: DAYS_PAST_DUE (at least the lender's legalMinDaysPastDue), LEGAL_WARNING (a LEGAL_WARNING notice sent and its earliestLegalStepAt come), NO_DISPUTE, NO_HARDSHIP_HOLD (no hardship hold or breathing space in force), NO_ACTIVE_PLAN, TIME_BARRED (the last payment, or the case's opening, plus limitationPeriodMonths is after now). A case already escalated returns its escalation. Loans moves the case to LEGAL and agencies recall its placement by the event.",
  })
  async escalateToLegal(
    @Ctx() ctx: RestructuringContext,
    @Arg("caseId", () => ID) caseId: string,
    @Arg("legalOpinionReference", () => String, { description: "1 to 500 characters." }) legalOpinionReference: string,
    @Arg("reason", () => String, { description: "1 to 2000 characters." }) reason: string,
  ): Promise<LegalEscalation> {
    return legalEscalationFromRow(await escalateToLegal(ctx.ds, ctx.clock, ctx.principal, { caseId, legalOpinionReference, reason }, ctx.requestId));
  }
}

@Resolver(() => CollectionCase)
export class CaseLegalEscalationResolver {
  @Policy(P.caseLegalEscalation, "CollectionCase")
  @FieldResolver(() => LegalEscalation, { nullable: true, description: "The case's escalation to legal action, if it was escalated (an agency holding the case sees that it was and when)." })
  async legalEscalation(@Root() c: CollectionCase, @Ctx() ctx: RestructuringContext): Promise<LegalEscalation | null> {
    return ctx.loaders.legalEscalationByCase.load(c.id.toLowerCase());
  }
}
