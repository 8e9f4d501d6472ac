import { Field, ID, Int, ObjectType, registerEnumType } from "type-graphql";
import { LocalDate, Money } from "@concord/service-kit";

export enum InstallmentStatus {
  PAID = "PAID",
  PARTIALLY_PAID = "PARTIALLY_PAID",
  UNPAID = "UNPAID",
}
registerEnumType(InstallmentStatus, { name: "InstallmentStatus" });

@ObjectType({ description: "One scheduled repayment of a loan." })
export class Installment {
  @Field(() => ID)
  id: string;

  loanId: string;

  @Field(() => Int, { description: "Position in the schedule, from 1." })
  sequence: number;

  @Field(() => LocalDate)
  dueDate: string;

  @Field(() => Money)
  amountDue: Money;

  @Field(() => Money)
  amountPaid: Money;

  @Field(() => InstallmentStatus)
  status: InstallmentStatus;
}

export function installmentFromRow(r: Record<string, any>, currency: string): Installment {
  const due = BigInt(r.amount_due_minor);
  const paid = BigInt(r.amount_paid_minor);
  return Object.assign(new Installment(), {
    id: r.id,
    loanId: r.loan_id,
    sequence: r.seq,
    dueDate: r.due_date,
    amountDue: Money.of(due, currency),
    amountPaid: Money.of(paid, currency),
    status: paid >= due ? InstallmentStatus.PAID : paid > 0n ? InstallmentStatus.PARTIALLY_PAID : InstallmentStatus.UNPAID,
  });
}
