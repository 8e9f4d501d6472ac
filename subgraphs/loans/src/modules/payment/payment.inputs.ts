import { Field, ID, InputType, ObjectType } from "type-graphql";
import { Policy } from "@concord/service-kit";
import { P } from "../../access/policies";
import { DateTimeISOResolver } from "graphql-scalars";
import { MinorUnits } from "@concord/service-kit";
import { Payment } from "./payment.type";
import { CollectionCase } from "../collection-case/collection-case.type";
import { Loan } from "../loan/loan.type";

@InputType({ description: "A payment received against a loan. Idempotent on (lender, externalReference)." })
export class RecordPaymentInput {
  @Field(() => ID)
  loanId: string;

  @Field(() => MinorUnits, { description: "Positive integer amount in minor units." })
  amountMinor: bigint;

  @Field(() => String, { description: "ISO 4217 code; must be the loan's currency." })
  currency: string;

  @Field(() => DateTimeISOResolver, { description: "When the money was received: not before the loan's origination, nor in the future." })
  receivedAt: Date;

  @Field(() => String, { description: "The processor's reference; a retry with the same reference returns the first payment." })
  externalReference: string;
}

@ObjectType()
export class RecordPaymentPayload {
  @Policy(P.public)
  @Field(() => Payment, { description: "The payment, or on a retry the one first recorded under this reference." })
  payment: Payment;

  @Policy(P.public)
  @Field(() => Boolean, { description: "True when this call was a retry and changed nothing." })
  replayed: boolean;

  @Policy(P.public)
  @Field(() => Loan)
  loan: Loan;

  @Policy(P.public)
  @Field(() => CollectionCase, { nullable: true, description: "The loan's case after the payment (resolved when nothing is overdue)." })
  collectionCase: CollectionCase | null;
}
