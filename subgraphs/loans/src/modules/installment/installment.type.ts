import { Field, ID, Int, ObjectType, registerEnumType } from "type-graphql";
import { Policy, Scope } from "@concord/service-kit";
import { P } from "../../access/policies";
import type { LoansContext } from "../../context";
import { LocalDate, Money } from "@concord/service-kit";

export enum InstallmentStatus {
  PAID = "PAID",
  PARTIALLY_PAID = "PARTIALLY_PAID",
  UNPAID = "UNPAID",
}
registerEnumType(InstallmentStatus, { name: "InstallmentStatus" });

@Scope<Installment>("loans:read", (i, ctx: LoansContext) => ({ lenderId: i.lenderId, borrowerId: i.borrowerId, caseIds: async () => (await ctx.loaders.casesByLoan.load(i.loanId)).map((c) => c.id) }))
@ObjectType({ description: "One scheduled repayment of a loan." })
export class Installment {
  @Policy(P.public)
  @Field(() => ID)
  id: string;

  loanId: string;
  lenderId: string;
  borrowerId: string;

  @Policy(P.portfolioFigures)
  @Field(() => Int, { nullable: true, description: "Position in the schedule, from 1." })
  sequence: number;

  @Policy(P.portfolioFigures)
  @Field(() => LocalDate, { nullable: true })
  dueDate: string;

  @Policy(P.portfolioFigures)
  @Field(() => Money, { nullable: true })
  amountDue: Money;

  @Policy(P.portfolioFigures)
  @Field(() => Money, { nullable: true })
  amountPaid: Money;

  @Policy(P.portfolioFigures)
  @Field(() => InstallmentStatus, { nullable: true })
  status: InstallmentStatus;
}

export function installmentFromRow(r: Record<string, any>, currency: string): Installment {
  const due = BigInt(r.amount_due_minor);
  const paid = BigInt(r.amount_paid_minor);
  return Object.assign(new Installment(), {
    id: r.id,
    loanId: r.loan_id,
    lenderId: r.lender_id,
    borrowerId: r.borrower_id,
    sequence: r.seq,
    dueDate: r.due_date,
    amountDue: Money.of(due, currency),
    amountPaid: Money.of(paid, currency),
    status: paid >= due ? InstallmentStatus.PAID : paid > 0n ? InstallmentStatus.PARTIALLY_PAID : InstallmentStatus.UNPAID,
  });
}
