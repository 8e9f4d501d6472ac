import { Field, ID, Int, ObjectType, registerEnumType } from "type-graphql";
import { DateTimeISOResolver } from "graphql-scalars";
import { LocalDate, Money, Policy, Rows, Scope } from "@concord/service-kit";
import { P } from "../../access/policies";

export enum PlanStatus {
  ACTIVE = "ACTIVE",
  COMPLETED = "COMPLETED",
  BROKEN = "BROKEN",
}
registerEnumType(PlanStatus, { name: "PlanStatus", description: "ACTIVE while being paid; COMPLETED when every instalment is paid; BROKEN when one stays unpaid past the grace period (tracking is the next step)." });

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

  @Policy(P.planView)
  @Field(() => Money, { nullable: true })
  totalPayable: Money;

  @Policy(P.planView)
  @Field(() => Money, { nullable: true })
  totalForgiven: Money;

  @Policy(P.planView)
  @Field(() => DateTimeISOResolver, { nullable: true, description: "When the borrower accepted the offer." })
  startedAt: Date;

  @Policy(P.planView)
  @Rows({ selectedBy: "the plan's own instalments, for a caller who may see the plan" })
  @Field(() => [PlanInstalment], { nullable: true, description: "Oldest due first." })
  instalments: PlanInstalment[];
}

export const planFromRow = (r: Record<string, any>, instalments: Array<Record<string, any>>): Plan => {
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
    instalments: instalments.map((i) =>
      Object.assign(new PlanInstalment(), {
        sequence: i.sequence,
        dueDate: i.due_date,
        amount: Money.of(i.amount_minor, currency),
        paid: Money.of(i.paid_minor, currency),
        status: i.status,
      }),
    ),
  });
};
