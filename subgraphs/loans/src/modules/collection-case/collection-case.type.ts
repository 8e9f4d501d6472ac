import { Directive, Field, ID, Int, ObjectType, registerEnumType } from "type-graphql";
import { Policy, Scope } from "@concord/service-kit";
import { P } from "../../access/policies";
import { DateTimeISOResolver } from "graphql-scalars";
import { DelinquencyBucket, LocalDate, Money } from "@concord/service-kit";

export enum CaseStatus {
  OPEN = "OPEN",
  PLACED = "PLACED",
  ARRANGEMENT = "ARRANGEMENT",
  DISPUTED = "DISPUTED",
  HARDSHIP = "HARDSHIP",
  CEASED = "CEASED",
  LEGAL = "LEGAL",
  RESOLVED = "RESOLVED",
  WRITTEN_OFF = "WRITTEN_OFF",
}
registerEnumType(CaseStatus, { name: "CaseStatus" });

export enum CaseResolutionReason {
  PAID = "PAID",
  SETTLED = "SETTLED",
}
registerEnumType(CaseResolutionReason, {
  name: "CaseResolutionReason",
  description: "Why a case was resolved: PAID (nothing was left overdue) or SETTLED (a settlement plan was completed; the rest forgiven).",
});

@Scope<CaseResolution>("cases:read", (r) => ({ lenderId: r.lenderId, borrowerId: r.borrowerId, caseIds: async () => [r.caseId] }))
@ObjectType({ description: "How a resolved case was resolved." })
export class CaseResolution {
  caseId: string;
  lenderId: string;
  borrowerId: string;

  @Policy(P.caseStatus)
  @Field(() => CaseResolutionReason, { nullable: true })
  reason: CaseResolutionReason;

  @Policy(P.portfolioFigures)
  @Field(() => Money, { nullable: true, description: "What a settlement forgave (SETTLED); null for PAID." })
  forgiven: Money | null;
}

// Shared with the agencies subgraph (allocateCases takes one), so defined in the kit.
export { DelinquencyBucket };

@Directive(`@key(fields: "id")`)
@Scope<CollectionCase>("cases:read", (c) => ({ lenderId: c.lenderId, borrowerId: c.borrowerId, caseIds: async () => [c.id] }))
@ObjectType({ description: "The collection case of a delinquent loan; at most one open case per loan." })
export class CollectionCase {
  @Policy(P.public)
  @Field(() => ID)
  id: string;

  lenderId: string;
  loanId: string;
  borrowerId: string;

  @Policy(P.caseStatus)
  @Field(() => CaseStatus, {
    nullable: true,
    description:
      "DISPUTED while a dispute is open, else HARDSHIP while a hardship holds contact, else ARRANGEMENT while an ACTIVE plan exists, else PLACED while an agency holds an ACTIVE placement of it (moved by the placement's events, so a lapsed placement shows PLACED until its expiry is written down), else OPEN; LEGAL once escalated to legal action (nothing of those moves it after); RESOLVED once nothing is overdue or a settlement plan is completed (see resolution).",
  })
  status: CaseStatus;

  @Policy(P.portfolioFigures)
  @Field(() => Int, { nullable: true, description: "Days since the oldest unpaid installment fell due, as of `asOf`." })
  daysPastDue: number;

  @Policy(P.portfolioFigures)
  @Field(() => DelinquencyBucket, { nullable: true, description: "Null once nothing is overdue." })
  bucket: DelinquencyBucket | null;

  @Policy(P.portfolioFigures)
  @Field(() => Money, { nullable: true })
  amountOverdue: Money;

  @Policy(P.portfolioFigures)
  @Field(() => Money, { nullable: true })
  outstandingBalance: Money;

  @Policy(P.portfolioFigures)
  @Field(() => LocalDate, { nullable: true })
  oldestUnpaidDueDate: string | null;

  @Policy(P.caseStatus)
  @Field(() => LocalDate, { nullable: true, description: "The lender's business date the figures were computed for." })
  asOf: string;

  @Policy(P.caseStatus)
  @Field(() => DateTimeISOResolver, { nullable: true })
  openedAt: Date;

  @Policy(P.caseStatus)
  @Field(() => DateTimeISOResolver, { nullable: true })
  resolvedAt: Date | null;

  @Policy(P.caseStatus)
  @Field(() => CaseResolution, { nullable: true, description: "How the case was resolved; null while it is not RESOLVED." })
  resolution: CaseResolution | null;

  @Policy(P.caseStatus)
  @Field(() => DateTimeISOResolver, { nullable: true })
  updatedAt: Date;
}

@Scope<CaseEvent>("cases:read", (e) => ({ lenderId: e.lenderId, borrowerId: e.borrowerId, caseIds: async () => [e.caseId] }))
@ObjectType({ description: "One change in a case's history: what changed, from what, to what, when and why." })
export class CaseEvent {
  @Policy(P.public)
  @Field(() => ID)
  id: string;

  caseId: string;
  lenderId: string;
  borrowerId: string;

  @Policy(P.historyOutline)
  @Field(() => String, { nullable: true, description: "The field that changed: status, bucket, daysPastDue, amountOverdue or outstandingBalance." })
  field: string;

  @Policy(P.portfolioFigures)
  @Field(() => String, { nullable: true })
  from: string | null;

  @Policy(P.portfolioFigures)
  @Field(() => String, { nullable: true })
  to: string | null;

  @Policy(P.historyOutline)
  @Field(() => String, { nullable: true, description: "Why: CASE_OPENED, PAYMENT, DELINQUENCY_REFRESH, PLACEMENT_STARTED, PLACEMENT_ENDED, DISPUTE_RAISED, DISPUTE_RESOLVED, HARDSHIP_DECLARED, HARDSHIP_DECIDED, HARDSHIP_HOLD_ENDED, PLAN_STARTED, PLAN_COMPLETED, PLAN_BROKEN, LEGAL_ESCALATION." })
  reason: string;

  @Policy(P.historyOutline)
  @Field(() => LocalDate, { nullable: true })
  asOf: string;

  @Policy(P.historyOutline)
  @Field(() => DateTimeISOResolver, { nullable: true })
  occurredAt: Date;
}

export function caseFromRow(r: Record<string, any>): CollectionCase {
  const currency = r.currency.trim();
  return Object.assign(new CollectionCase(), {
    id: r.id,
    lenderId: r.lender_id,
    loanId: r.loan_id,
    borrowerId: r.borrower_id,
    status: r.status,
    daysPastDue: r.days_past_due,
    bucket: r.bucket,
    amountOverdue: Money.of(r.amount_overdue_minor, currency),
    outstandingBalance: Money.of(r.outstanding_balance_minor, currency),
    oldestUnpaidDueDate: r.oldest_unpaid_due_date,
    asOf: r.as_of,
    openedAt: new Date(r.opened_at),
    resolvedAt: r.resolved_at ? new Date(r.resolved_at) : null,
    resolution:
      r.status === "RESOLVED"
        ? Object.assign(new CaseResolution(), {
            caseId: r.id,
            lenderId: r.lender_id,
            borrowerId: r.borrower_id,
            // Cases resolved before reasons were kept were resolved by payment.
            reason: r.resolution_reason ?? CaseResolutionReason.PAID,
            forgiven: r.forgiven_minor == null ? null : Money.of(r.forgiven_minor, currency),
          })
        : null,
    updatedAt: new Date(r.updated_at),
  });
}

export function caseEventFromRow(r: Record<string, any>): CaseEvent {
  return Object.assign(new CaseEvent(), {
    id: r.id,
    caseId: r.case_id,
    lenderId: r.lender_id,
    borrowerId: r.borrower_id,
    field: r.field,
    from: r.from_value,
    to: r.to_value,
    reason: r.reason,
    asOf: r.as_of,
    occurredAt: new Date(r.occurred_at),
  });
}
