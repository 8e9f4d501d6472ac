import { Field, Float, ID, Int, ObjectType, registerEnumType } from "type-graphql";
import { DateTimeISOResolver } from "graphql-scalars";
import { LocalDate, MinorUnits, Money, Policy, Scope } from "@concord/service-kit";
import { P } from "../../access/policies";

export enum PromiseStatus {
  PENDING = "PENDING",
  KEPT = "KEPT",
  BROKEN = "BROKEN",
}
registerEnumType(PromiseStatus, {
  name: "PromiseStatus",
  description: "PENDING until payments in its currency reach the lender's threshold (KEPT) or its grace ends first (BROKEN).",
});

@Scope<PromiseToPay>("protections:read", (p) => ({ lenderId: p.lenderId, borrowerId: p.borrowerId, caseIds: async () => [p.caseId] }))
@ObjectType({
  description:
    "A borrower's promise to pay, made during a reported contact (outcome PROMISE_TO_PAY). While PENDING, collection calls on the case are held until the end of its due date.",
})
export class PromiseToPay {
  @Policy(P.public)
  @Field(() => ID)
  id: string;

  lenderId: string;
  borrowerId: string | null;
  activityId: string;

  @Policy(P.promiseToPay)
  @Field(() => ID, { nullable: true })
  caseId: string;

  @Policy(P.promiseToPay)
  @Field(() => ID, { nullable: true, description: "The agency that took it; null for the lender's own collectors." })
  agencyId: string | null;

  @Policy(P.promiseAmount)
  @Field(() => Money, { nullable: true })
  amount: Money;

  @Policy(P.promiseToPay)
  @Field(() => LocalDate, { nullable: true, description: "The date it is due by, in the borrower's time zone." })
  dueDate: string;

  @Policy(P.promiseToPay)
  @Field(() => DateTimeISOResolver, { nullable: true, description: "When the promise was made (the contact's instant): payments count from it." })
  madeAt: Date;

  @Policy(P.promiseToPay)
  @Field(() => DateTimeISOResolver, {
    nullable: true,
    description: "The end of the due date plus the lender's grace days (default 3) in the borrower's time zone: payments received before it keep the promise; at it, a PENDING one is BROKEN.",
  })
  graceEndsAt: Date;

  @Policy(P.promiseToPay)
  @Field(() => PromiseStatus, { nullable: true })
  status: PromiseStatus;

  @Policy(P.promiseAmount)
  @Field(() => MinorUnits, { nullable: true, description: "What the payments counted to this promise came to (same currency, received from madeAt until graceEndsAt; each payment counted once across the case's promises, the oldest first, up to what keeps it)." })
  paidMinor: bigint;

  @Policy(P.promiseToPay)
  @Field(() => DateTimeISOResolver, { nullable: true })
  keptAt: Date | null;

  @Policy(P.promiseToPay)
  @Field(() => DateTimeISOResolver, { nullable: true })
  brokenAt: Date | null;
}

export const promiseFromRow = (r: Record<string, any>): PromiseToPay =>
  Object.assign(new PromiseToPay(), {
    id: r.id,
    lenderId: r.lender_id,
    borrowerId: r.borrower_id,
    activityId: r.activity_id,
    caseId: r.case_id,
    agencyId: r.agency_id,
    amount: Money.of(r.amount_minor, r.currency),
    // A date column is read as its YYYY-MM-DD text (service-kit's data source).
    dueDate: r.due_date,
    madeAt: new Date(r.made_at),
    graceEndsAt: new Date(r.grace_ends_at),
    status: r.status,
    paidMinor: BigInt(r.paid_minor),
    keptAt: r.kept_at ? new Date(r.kept_at) : null,
    brokenAt: r.broken_at ? new Date(r.broken_at) : null,
  });

@ObjectType({ description: "Promises to pay due in a period, for one agency or for the lender's own collectors." })
export class PromiseStats {
  @Policy(P.public)
  @Field(() => ID, { nullable: true, description: "The agency that took them; null for the lender's own collectors." })
  agencyId: string | null;

  @Policy(P.public)
  @Field(() => Int)
  made: number;

  @Policy(P.public)
  @Field(() => Int)
  kept: number;

  @Policy(P.public)
  @Field(() => Int)
  broken: number;

  @Policy(P.public)
  @Field(() => Int)
  pending: number;

  @Policy(P.public)
  @Field(() => Float, { nullable: true, description: "kept / (kept + broken); null while none is kept or broken." })
  keptRate: number | null;
}
