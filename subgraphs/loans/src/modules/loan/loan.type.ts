import { Directive, Field, ID, Int, ObjectType, registerEnumType } from "type-graphql";
import { Policy, Scope } from "@concord/service-kit";
import { P } from "../../access/policies";
import type { LoansContext } from "../../context";
import { LocalDate, Money } from "@concord/service-kit";

export enum LoanStatus {
  ACTIVE = "ACTIVE",
  DELINQUENT = "DELINQUENT",
  PAID_OFF = "PAID_OFF",
  WRITTEN_OFF = "WRITTEN_OFF",
}
registerEnumType(LoanStatus, { name: "LoanStatus" });

@Directive(`@key(fields: "id")`)
@Scope<Loan>("loans:read", (l, ctx: LoansContext) => ({ lenderId: l.lenderId, borrowerId: l.borrowerId, caseIds: async () => (await ctx.loaders.casesByLoan.load(l.id)).map((c) => c.id) }))
@ObjectType({ description: "A consumer loan with its repayment schedule." })
export class Loan {
  @Policy(P.public)
  @Field(() => ID)
  id: string;

  lenderId: string;
  borrowerId: string;

  @Policy(P.caseStatus)
  @Field(() => String, { nullable: true, description: "The lender's own reference for the loan." })
  reference: string;

  @Policy(P.portfolioFigures)
  @Field(() => Money, { nullable: true })
  principal: Money;

  @Policy(P.portfolioFigures)
  @Field(() => Int, { nullable: true, description: "Annual interest rate in basis points (1250 = 12.50%)." })
  annualRateBps: number;

  @Policy(P.portfolioFigures)
  @Field(() => Int, { nullable: true })
  termMonths: number;

  @Policy(P.portfolioFigures)
  @Field(() => LocalDate, { nullable: true })
  originatedOn: string;

  @Policy(P.caseStatus)
  @Field(() => LoanStatus, { nullable: true })
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
