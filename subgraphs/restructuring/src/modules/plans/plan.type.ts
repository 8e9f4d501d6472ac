import { Field, ID, Int, ObjectType, registerEnumType } from "type-graphql";
import { DateTimeISOResolver } from "graphql-scalars";
import { LocalDate, Money, Policy, Rows, Scope } from "@concord/service-kit";
import { P } from "../../access/policies";

export enum PlanStatus {
  ACTIVE = "ACTIVE",
  COMPLETED = "COMPLETED",
  BROKEN = "BROKEN",
}
registerEnumType(PlanStatus, {
  name: "PlanStatus",
  description: "ACTIVE while being paid; COMPLETED by the payment that fills the last instalment; BROKEN at the instant an instalment's grace (its due date plus the lender's grace days, 10 by default) ends with it unpaid.",
});

export enum PlanChange {
  STARTED = "STARTED",
  PAYMENT = "PAYMENT",
  MISSED = "MISSED",
  COMPLETED = "COMPLETED",
  BROKEN = "BROKEN",
}
registerEnumType(PlanChange, {
  name: "PlanChange",
  description: "What changed a plan: STARTED (the offer accepted), PAYMENT (a payment of its currency counted), COMPLETED (the last instalment paid), BROKEN (an instalment's grace ran out unpaid). MISSED is reserved for an instalment missed without breaking the plan (not emitted today).",
});

export enum InstalmentStatus {
  DUE = "DUE",
  PAID = "PAID",
  PARTIALLY_PAID = "PARTIALLY_PAID",
  MISSED = "MISSED",
}
registerEnumType(InstalmentStatus, { name: "InstalmentStatus", description: "Where one instalment of a plan stands (every instalment starts DUE)." });

@ObjectType({ description: "One instalment of a plan, copied from the accepted offer's schedule." })
export class PlanInstalment {
  @Policy(P.public)
  @Field(() => Int)
  sequence: number;

  @Policy(P.public)
  @Field(() => LocalDate)
  dueDate: string;

  @Policy(P.public)
  @Field(() => Money)
  amount: Money;

  @Policy(P.public)
  @Field(() => Money)
  paid: Money;

  @Policy(P.public)
  @Field(() => InstalmentStatus)
  status: InstalmentStatus;

  @Policy(P.public)
  @Field(() => DateTimeISOResolver, { nullable: true, description: "When the payment that filled it was received (PAID only)." })
  paidAt: Date | null;
}

@ObjectType({ description: "One change of a plan, oldest first in Plan.history." })
export class PlanHistoryEntry {
  @Policy(P.public)
  @Field(() => DateTimeISOResolver, { description: "When restructuring recorded the change." })
  at: Date;

  @Policy(P.public)
  @Field(() => PlanChange)
  change: PlanChange;

  @Policy(P.public)
  @Field(() => PlanStatus, { description: "The plan's status after it." })
  status: PlanStatus;

  @Policy(P.public)
  @Field(() => Money, { description: "What the counted payments came to after it." })
  paid: Money;
}

@Scope<Plan>("plans:read", (p) => ({ lenderId: p.lenderId, borrowerId: p.borrowerId, caseIds: async () => [p.caseId] }))
@ObjectType({ description: "An accepted offer being paid. At most one plan of a case is ACTIVE." })
export class Plan {
  @Policy(P.public)
  @Field(() => ID)
  id: string;

  lenderId: string;
  borrowerId: string | null;

  @Policy(P.planView)
  @Field(() => ID, { nullable: true })
  caseId: string;

  @Policy(P.planView)
  @Field(() => ID, { nullable: true, description: "The accepted offer (offer(id))." })
  offerId: string;

  @Policy(P.planView)
  @Field(() => PlanStatus, { nullable: true })
  status: PlanStatus;

  @Policy(P.planAmounts)
  @Field(() => Money, { nullable: true })
  totalPayable: Money;

  @Policy(P.planAmounts)
  @Field(() => Money, { nullable: true })
  totalForgiven: Money;

  @Policy(P.planView)
  @Field(() => DateTimeISOResolver, { nullable: true, description: "When the borrower accepted the offer." })
  startedAt: Date;

  @Policy(P.planAmounts)
  @Rows({ selectedBy: "the plan's own instalments, for a caller who may see the plan" })
  @Field(() => [PlanInstalment], { nullable: true, description: "Oldest due first." })
  instalments: PlanInstalment[];

  @Policy(P.planAmounts)
  @Field(() => Money, { nullable: true, description: "What the payments counted against the plan came to (surplus included)." })
  paid: Money;

  @Policy(P.planView)
  @Field(() => DateTimeISOResolver, { nullable: true, description: "When the payment that filled the last instalment was received (COMPLETED only)." })
  completedAt: Date | null;

  @Policy(P.planView)
  @Field(() => DateTimeISOResolver, { nullable: true, description: "The instant the breaking instalment's grace ended (BROKEN only)." })
  brokenAt: Date | null;

  @Policy(P.planView)
  @Field(() => Int, { nullable: true, description: "Raised by every change (1 when started)." })
  version: number;

  @Policy(P.planAmounts)
  @Rows({ selectedBy: "the plan's own changes, for a caller who may see the plan" })
  @Field(() => [PlanHistoryEntry], { nullable: true, description: "Every change of the plan, oldest first (STARTED first)." })
  history: PlanHistoryEntry[];
}

export const planFromRow = (r: Record<string, any>, instalments: Array<Record<string, any>>, history: Array<Record<string, any>> = []): Plan => {
  const currency = String(r.currency).trim();
  return Object.assign(new Plan(), {
    id: r.id,
    lenderId: r.lender_id,
    borrowerId: r.borrower_id,
    caseId: r.case_id,
    offerId: r.offer_id,
    status: r.status,
    totalPayable: Money.of(r.total_payable_minor, currency),
    totalForgiven: Money.of(r.total_forgiven_minor, currency),
    startedAt: new Date(r.started_at),
    paid: Money.of(r.paid_minor ?? 0, currency),
    completedAt: r.completed_at ? new Date(r.completed_at) : null,
    brokenAt: r.broken_at ? new Date(r.broken_at) : null,
    version: Number(r.version),
    history: history.map((h) =>
      Object.assign(new PlanHistoryEntry(), { at: new Date(h.at), change: h.change, status: h.status, paid: Money.of(h.paid_minor, currency) }),
    ),
    instalments: instalments.map((i) =>
      Object.assign(new PlanInstalment(), {
        sequence: i.sequence,
        dueDate: i.due_date,
        amount: Money.of(i.amount_minor, currency),
        paid: Money.of(i.paid_minor, currency),
        status: i.status,
        paidAt: i.paid_at ? new Date(i.paid_at) : null,
      }),
    ),
  });
};
