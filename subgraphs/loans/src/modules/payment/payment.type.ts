import { Field, ID, ObjectType } from "type-graphql";
import { Policy, Scope } from "@concord/service-kit";
import { P } from "../../access/policies";
import type { LoansContext } from "../../context";
import { DateTimeISOResolver } from "graphql-scalars";
import { Money } from "@concord/service-kit";

@Scope<Payment>("loans:read", (p, ctx: LoansContext) => ({ lenderId: p.lenderId, borrowerId: p.borrowerId, caseIds: async () => (await ctx.loaders.casesByLoan.load(p.loanId)).map((c) => c.id) }))
@ObjectType({ description: "Money received against a loan." })
export class Payment {
  @Policy(P.public)
  @Field(() => ID)
  id: string;

  loanId: string;
  lenderId: string;
  borrowerId: string;

  @Policy(P.portfolioFigures)
  @Field(() => Money, { nullable: true })
  amount: Money;

  @Policy(P.portfolioFigures)
  @Field(() => DateTimeISOResolver, { nullable: true })
  receivedAt: Date;

  @Policy(P.portfolioFigures)
  @Field(() => String, { nullable: true, description: "The payer's or processor's reference; unique per lender." })
  externalReference: string;

  @Policy(P.portfolioFigures)
  @Field(() => DateTimeISOResolver, { nullable: true, description: "When Concord recorded the payment." })
  recordedAt: Date;
}

export function paymentFromRow(r: Record<string, any>): Payment {
  return Object.assign(new Payment(), {
    id: r.id,
    loanId: r.loan_id,
    lenderId: r.lender_id,
    borrowerId: r.borrower_id,
    amount: Money.of(r.amount_minor, r.currency.trim()),
    receivedAt: new Date(r.received_at),
    externalReference: r.external_reference,
    recordedAt: new Date(r.created_at),
  });
}
