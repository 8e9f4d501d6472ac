import { Field, ID, InputType, Int, ObjectType } from "type-graphql";
import { DateTimeISOResolver } from "graphql-scalars";
import { Policy, Scope } from "@concord/service-kit";
import { P } from "../../access/policies";
import type { RestructuringTermsValue } from "./legal-terms";

@Scope<RestructuringTerms>("compliance:read", (t) => ({ lenderId: t.lenderId, borrowerId: null, caseIds: async () => [] }))
@ObjectType({ description: "A lender's restructuring terms: its own settings over the defaults." })
export class RestructuringTerms {
  lenderId: string;

  @Policy(P.restructuringTermsView)
  @Field(() => Int, { nullable: true, description: "Days an instalment may stay unpaid past its due date before its plan is BROKEN (default 10; 0 to 60)." })
  planGraceDays: number;

  @Policy(P.restructuringTermsView)
  @Field(() => Int, { nullable: true, description: "The fewest days past due a case may be escalated to legal action at (default 90; 30 to 3650)." })
  legalMinDaysPastDue: number;

  @Policy(P.restructuringTermsView)
  @Field(() => Int, {
    nullable: true,
    description:
      "The limitation period in months, from the last payment on the loan (from the case's opening when none was made): escalateToLegal refuses a debt past it (TIME_BARRED). Default by the lender's jurisdiction: UK_FCA 72 (Limitation Act 1980 s.5), CN_NIFA 36 (PRC Civil Code art. 188), US_REG_F 36 (state law, 3 to 10 years: set your state's).",
  })
  limitationPeriodMonths: number;

  @Policy(P.restructuringTermsView)
  @Field(() => Boolean, { nullable: true, description: "Whether limitationPeriodMonths is the jurisdiction's default (the lender set none)." })
  limitationPeriodIsDefault: boolean;

  @Policy(P.restructuringTermsView)
  @Field(() => String, { nullable: true, description: "The jurisdiction of the lender's contact profile the defaults follow (US_REG_F, CN_NIFA, UK_FCA)." })
  jurisdiction: string;

  @Policy(P.restructuringTermsView)
  @Field(() => DateTimeISOResolver, { nullable: true, description: "When the lender last set them; null while it never has." })
  updatedAt: Date | null;
}

export const termsFrom = (v: RestructuringTermsValue): RestructuringTerms => Object.assign(new RestructuringTerms(), v);

@InputType({ description: "The terms to change; a field left out keeps its value, null sets it back to its default." })
export class RestructuringTermsInput {
  @Field(() => Int, { nullable: true, description: "0 to 60." })
  planGraceDays?: number | null;

  @Field(() => Int, { nullable: true, description: "30 to 3650." })
  legalMinDaysPastDue?: number | null;

  @Field(() => Int, { nullable: true, description: "1 to 600; null: the jurisdiction's default." })
  limitationPeriodMonths?: number | null;
}

@Scope<LegalEscalation>("cases:read", (e) => ({ lenderId: e.lenderId, borrowerId: null, caseIds: async () => [e.caseId] }))
@ObjectType({ description: "A case escalated to legal action by its lender (escalateToLegal), after every check held." })
export class LegalEscalation {
  @Policy(P.public)
  @Field(() => ID)
  id: string;

  lenderId: string;

  @Policy(P.legalEscalationView)
  @Field(() => ID, { nullable: true })
  caseId: string;

  @Policy(P.legalEscalationView)
  @Field(() => DateTimeISOResolver, { nullable: true })
  escalatedAt: Date;

  @Policy(P.legalEscalationDetail)
  @Field(() => String, { nullable: true, description: "The lawyers' opinion the escalation rests on, as the lender referenced it." })
  legalOpinionReference: string;

  @Policy(P.legalEscalationReason)
  @Field(() => String, { nullable: true, description: "The lender's reason (free text)." })
  reason: string;

  @Policy(P.legalEscalationDetail)
  @Field(() => Int, { nullable: true, description: "The case's days past due when it was escalated." })
  daysPastDue: number;

  @Policy(P.legalEscalationDetail)
  @Field(() => DateTimeISOResolver, { nullable: true, description: "What the limitation period ran from: the last payment on the loan, or the case's opening when none was made." })
  limitationRunsFrom: Date;

  @Policy(P.legalEscalationDetail)
  @Field(() => Int, { nullable: true, description: "The limitation period applied, months." })
  limitationPeriodMonths: number;
}

export function legalEscalationFromRow(r: Record<string, any>): LegalEscalation {
  return Object.assign(new LegalEscalation(), {
    id: r.id,
    lenderId: r.lender_id,
    caseId: r.case_id,
    escalatedAt: new Date(r.escalated_at),
    legalOpinionReference: r.legal_opinion_reference,
    reason: r.reason,
    daysPastDue: r.days_past_due,
    limitationRunsFrom: new Date(r.limitation_runs_from),
    limitationPeriodMonths: r.limitation_period_months,
  });
}
