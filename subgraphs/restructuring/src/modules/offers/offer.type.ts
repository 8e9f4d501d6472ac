import { Field, ID, Int, ObjectType, registerEnumType } from "type-graphql";
import { DateTimeISOResolver } from "graphql-scalars";
import { LocalDate, Money, Policy, Rows, Scope } from "@concord/service-kit";
import { P } from "../../access/policies";

export enum OfferKind {
  INSTALLMENT_PLAN = "INSTALLMENT_PLAN",
  INTEREST_WAIVER = "INTEREST_WAIVER",
  TERM_EXTENSION = "TERM_EXTENSION",
  SETTLEMENT = "SETTLEMENT",
  PAYMENT_HOLIDAY = "PAYMENT_HOLIDAY",
}
registerEnumType(OfferKind, {
  name: "OfferKind",
  description:
    "INSTALLMENT_PLAN (the balance in `instalments` payments of `frequency` from `firstDueDate`); INTEREST_WAIVER (`waivedInterestMinor` or `waivedInterestBps` off, the rest as instalments or one payment); TERM_EXTENSION (`extraMonths` over the remaining schedule); SETTLEMENT (`discountBps` off the balance, in one sum or at most `instalments`); PAYMENT_HOLIDAY (`months` with nothing due, then the schedule resumes; `interestAccrues` says whether interest runs meanwhile).",
});

export enum Frequency {
  WEEKLY = "WEEKLY",
  BIWEEKLY = "BIWEEKLY",
  MONTHLY = "MONTHLY",
}
registerEnumType(Frequency, { name: "Frequency", description: "How often an offer's instalments fall due (monthly dates roll by calendar month, a 31st becoming the month's last day)." });

export enum OfferStatus {
  DRAFT = "DRAFT",
  PENDING_APPROVAL = "PENDING_APPROVAL",
  PROPOSED = "PROPOSED",
  ACCEPTED = "ACCEPTED",
  REJECTED = "REJECTED",
  EXPIRED = "EXPIRED",
  WITHDRAWN = "WITHDRAWN",
}
registerEnumType(OfferStatus, {
  name: "OfferStatus",
  description:
    "PENDING_APPROVAL (an agency's offer beyond its delegated authority, until the lender approves or rejects it), PROPOSED (put to the borrower), then ACCEPTED, REJECTED, EXPIRED (past expiresAt) or WITHDRAWN (by its proposer). DRAFT is reserved: no operation makes one yet.",
});

/** The statuses an offer is still open in: it may still change, expire or be withdrawn. */
export const OPEN_OFFER_STATUSES: readonly string[] = ["DRAFT", "PENDING_APPROVAL", "PROPOSED"];

@ObjectType({ description: "One payment of an offer's schedule." })
export class ScheduledPayment {
  @Policy(P.public)
  @Field(() => Int, { description: "1 for the first payment." })
  sequence: number;

  @Policy(P.public)
  @Field(() => LocalDate, { description: "In the lender's calendar." })
  dueDate: string;

  @Policy(P.public)
  @Field(() => Money)
  amount: Money;
}

@Scope<Offer>("offers:read", (o) => ({
  lenderId: o.lenderId,
  // Only an offer put to the borrower is the borrower's: never one pending approval.
  borrowerId: o.proposedAt ? o.borrowerId : null,
  caseIds: async () => [o.caseId],
}))
@ObjectType({ description: "A restructuring offer on a case: its terms, the exact schedule they produce, and where it stands." })
export class Offer {
  @Policy(P.public)
  @Field(() => ID)
  id: string;

  lenderId: string;
  borrowerId: string | null;
  agencyId: string | null;
  proposedBy: string;

  @Policy(P.offerView)
  @Field(() => ID, { nullable: true })
  caseId: string;

  @Policy(P.offerView)
  @Field(() => OfferKind, { nullable: true })
  kind: OfferKind;

  @Policy(P.offerView)
  @Field(() => Int, { nullable: true, description: "INSTALLMENT_PLAN, SETTLEMENT, INTEREST_WAIVER: how many payments." })
  instalments: number | null;

  @Policy(P.offerView)
  @Field(() => Frequency, { nullable: true })
  frequency: Frequency | null;

  @Policy(P.offerView)
  @Field(() => LocalDate, { nullable: true })
  firstDueDate: string | null;

  @Policy(P.offerAmounts)
  @Field(() => Money, { nullable: true, description: "INTEREST_WAIVER: the interest waived, as an amount." })
  waivedInterest: Money | null;

  @Policy(P.offerView)
  @Field(() => Int, { nullable: true, description: "INTEREST_WAIVER: the interest waived, in basis points of the balance." })
  waivedInterestBps: number | null;

  @Policy(P.offerView)
  @Field(() => Int, { nullable: true, description: "TERM_EXTENSION: months added to the remaining schedule." })
  extraMonths: number | null;

  @Policy(P.offerView)
  @Field(() => Int, { nullable: true, description: "SETTLEMENT: the discount off the outstanding balance, basis points." })
  discountBps: number | null;

  @Policy(P.offerView)
  @Field(() => Int, { nullable: true, description: "PAYMENT_HOLIDAY: months with nothing due." })
  months: number | null;

  @Policy(P.offerView)
  @Field(() => Boolean, { nullable: true, description: "PAYMENT_HOLIDAY: whether interest accrues during the holiday (default false)." })
  interestAccrues: boolean | null;

  @Policy(P.offerAmounts)
  @Rows({ selectedBy: "the offer's own schedule, for a caller who may see the offer" })
  @Field(() => [ScheduledPayment], { nullable: true, description: "Every payment the offer asks for, in order; they sum to totalPayable exactly." })
  schedule: ScheduledPayment[];

  @Policy(P.offerAmounts)
  @Field(() => Money, { nullable: true, description: "What the borrower pays under the offer." })
  totalPayable: Money;

  @Policy(P.offerAmounts)
  @Field(() => Money, { nullable: true, description: "What the lender gives up (a discount or a waiver)." })
  totalForgiven: Money;

  @Policy(P.offerView)
  @Field(() => OfferStatus, { nullable: true })
  status: OfferStatus;

  @Policy(P.offerView)
  @Field(() => Int, { nullable: true, description: "Raised by every change: acceptOffer names the version the borrower saw." })
  version: number;

  @Policy(P.offerView)
  @Field(() => DateTimeISOResolver, { nullable: true, description: "An open offer expires at this instant (default 14 days after it was made)." })
  expiresAt: Date;

  @Policy(P.offerView)
  @Field(() => String, { nullable: true, description: "lender or agency." })
  proposedByRole: string;

  @Policy(P.offerView)
  @Field(() => DateTimeISOResolver, { nullable: true })
  createdAt: Date;

  @Policy(P.offerView)
  @Field(() => DateTimeISOResolver, { nullable: true, description: "When it was put to the borrower (at once, or on the lender's approval); null before." })
  proposedAt: Date | null;

  @Policy(P.offerView)
  @Field(() => DateTimeISOResolver, { nullable: true, description: "When it was approved, rejected, accepted, withdrawn or expired (the latest decision)." })
  decidedAt: Date | null;

  @Policy(P.offerView)
  @Field(() => String, { nullable: true, description: "Who made the latest decision: lender, borrower, agency or system (expiry)." })
  decidedByRole: string | null;

  @Policy(P.offerDecisionNote)
  @Field(() => String, { nullable: true, description: "The rejection's reason (free text: the lender and the borrower only)." })
  decisionNote: string | null;

  @Policy(P.offerApprovalNote)
  @Field(() => String, { nullable: true, description: "The lender's note approving an offer beyond the agency's delegated authority: the lender and the agency holding the case; never the borrower (DESIGN: the agency's authority is not the borrower's to see)." })
  approvalNote: string | null;
}

const money = (v: unknown, currency: string): Money | null => (v === null || v === undefined ? null : Money.of(String(v), currency));

export const offerFromRow = (r: Record<string, any>): Offer => {
  const currency = String(r.currency).trim();
  const t = r.terms ?? {};
  return Object.assign(new Offer(), {
    id: r.id,
    lenderId: r.lender_id,
    borrowerId: r.borrower_id,
    agencyId: r.agency_id,
    proposedBy: r.proposed_by,
    caseId: r.case_id,
    kind: r.kind,
    instalments: t.instalments ?? null,
    frequency: t.frequency ?? null,
    firstDueDate: t.firstDueDate ?? null,
    waivedInterest: money(t.waivedInterestMinor, currency),
    waivedInterestBps: t.waivedInterestBps ?? null,
    extraMonths: t.extraMonths ?? null,
    discountBps: t.discountBps ?? null,
    months: t.months ?? null,
    interestAccrues: r.kind === "PAYMENT_HOLIDAY" ? (t.interestAccrues ?? false) : (t.interestAccrues ?? null),
    schedule: (r.schedule as Array<{ sequence: number; dueDate: string; amountMinor: string }>).map((s) =>
      Object.assign(new ScheduledPayment(), { sequence: s.sequence, dueDate: s.dueDate, amount: Money.of(s.amountMinor, currency) }),
    ),
    totalPayable: Money.of(r.total_payable_minor, currency),
    totalForgiven: Money.of(r.total_forgiven_minor, currency),
    status: r.status,
    version: Number(r.version),
    expiresAt: new Date(r.expires_at),
    proposedByRole: r.proposed_by_role,
    createdAt: new Date(r.created_at),
    proposedAt: r.proposed_at ? new Date(r.proposed_at) : null,
    decidedAt: r.decided_at ? new Date(r.decided_at) : null,
    decidedByRole: r.decided_by_role ?? null,
    decisionNote: r.decision_note ?? null,
    approvalNote: r.approval_note ?? null,
  });
};
