import { Directive, Field, ID, Int, ObjectType, registerEnumType } from "type-graphql";
import { LocalDate, Money } from "@concord/service-kit";

export enum LoanStatus {
  ACTIVE = "ACTIVE",
  DELINQUENT = "DELINQUENT",
  PAID_OFF = "PAID_OFF",
  WRITTEN_OFF = "WRITTEN_OFF",
}
registerEnumType(LoanStatus, { name: "LoanStatus" });

@Directive(`@key(fields: "id")`)
@ObjectType({ description: "A consumer loan with its repayment schedule." })
export class Loan {
  @Field(() => ID)
  id: string;

  lenderId: string;
  borrowerId: string;

  @Field(() => String, { description: "The lender's own reference for the loan." })
  reference: string;

  @Field(() => Money)
  principal: Money;

  @Field(() => Int, { description: "Annual interest rate in basis points (1250 = 12.50%)." })
  annualRateBps: number;

  @Field(() => Int)
  termMonths: number;

  @Field(() => LocalDate)
  originatedOn: string;

  @Field(() => LoanStatus)
  status: LoanStatus;

  currency: string;
}

export function loanFromRow(r: Record<string, any>): Loan {
  const currency = r.currency.trim();
  return Object.assign(new Loan(), {
    id: r.id,
    lenderId: r.lender_id,
    borrowerId: r.borrower_id,
    reference: r.reference,
    principal: Money.of(r.principal_minor, currency),
    annualRateBps: r.annual_rate_bps,
    termMonths: r.term_months,
    originatedOn: r.originated_on,
    status: r.status,
    currency,
  });
}
