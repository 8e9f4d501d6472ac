import { Field, ID, ObjectType } from "type-graphql";
import { DateTimeISOResolver } from "graphql-scalars";
import { Money } from "@concord/service-kit";

@ObjectType({ description: "Money received against a loan." })
export class Payment {
  @Field(() => ID)
  id: string;

  loanId: string;
  lenderId: string;

  @Field(() => Money)
  amount: Money;

  @Field(() => DateTimeISOResolver)
  receivedAt: Date;

  @Field(() => String, { description: "The payer's or processor's reference; unique per lender." })
  externalReference: string;

  @Field(() => DateTimeISOResolver, { description: "When Concord recorded the payment." })
  recordedAt: Date;
}

export function paymentFromRow(r: Record<string, any>): Payment {
  return Object.assign(new Payment(), {
    id: r.id,
    loanId: r.loan_id,
    lenderId: r.lender_id,
    amount: Money.of(r.amount_minor, r.currency.trim()),
    receivedAt: new Date(r.received_at),
    externalReference: r.external_reference,
    recordedAt: new Date(r.created_at),
  });
}
