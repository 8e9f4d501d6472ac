import { Field, InputType } from "type-graphql";
import { LocalDate, MinorUnits } from "@concord/service-kit";

@InputType({ description: "What the borrower promised during a contact: required with outcome PROMISE_TO_PAY, refused with any other." })
export class PromiseInput {
  @Field(() => MinorUnits, { description: "The amount promised, in minor units: more than 0." })
  amountMinor: bigint;

  @Field(() => String, { description: "ISO 4217 code, for example GBP." })
  currency: string;

  @Field(() => LocalDate, {
    description: "The date it is due by, in the borrower's time zone: from the contact's local day to at most 90 days after it.",
  })
  dueDate: string;
}
