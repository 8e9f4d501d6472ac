import { Field, ID, InputType, Int } from "type-graphql";
import { DateTimeISOResolver } from "graphql-scalars";
import { LocalDate, MinorUnits } from "@concord/service-kit";
import { Frequency, OfferKind } from "./offer.type";

@InputType({ description: "An offer on a case: its kind and the terms of that kind (see OfferKind); terms of another kind are BAD_USER_INPUT." })
export class ProposeOfferInput {
  @Field(() => String, { description: "The proposer's own key (1 to 200 characters, per lender or agency): a retry with the same key returns the first offer; the same key with other content is CONFLICT." })
  idempotencyKey: string;

  @Field(() => ID)
  caseId: string;

  @Field(() => OfferKind)
  kind: OfferKind;

  @Field(() => Int, { nullable: true, description: "INSTALLMENT_PLAN: how many payments; INTEREST_WAIVER and SETTLEMENT: the rest in at most this many (default one payment)." })
  instalments?: number | null;

  @Field(() => Frequency, { nullable: true, description: "Default MONTHLY." })
  frequency?: Frequency | null;

  @Field(() => LocalDate, { nullable: true, description: "The first payment's due date, in the lender's calendar (TERM_EXTENSION and PAYMENT_HOLIDAY: by default the loan's next due date)." })
  firstDueDate?: string | null;

  @Field(() => MinorUnits, { nullable: true, description: "INTEREST_WAIVER: the interest waived, minor units (or waivedInterestBps)." })
  waivedInterestMinor?: bigint | null;

  @Field(() => Int, { nullable: true, description: "INTEREST_WAIVER: the interest waived, basis points of the balance (or waivedInterestMinor)." })
  waivedInterestBps?: number | null;

  @Field(() => Int, { nullable: true, description: "TERM_EXTENSION: months added over the remaining schedule." })
  extraMonths?: number | null;

  @Field(() => Int, { nullable: true, description: "SETTLEMENT: the discount off the outstanding balance, basis points." })
  discountBps?: number | null;

  @Field(() => Int, { nullable: true, description: "PAYMENT_HOLIDAY: months with nothing due before the schedule resumes." })
  months?: number | null;

  @Field(() => Boolean, { nullable: true, description: "PAYMENT_HOLIDAY: whether interest accrues during the holiday. Default false." })
  interestAccrues?: boolean | null;

  @Field(() => DateTimeISOResolver, { nullable: true, description: "When the offer lapses if nobody has answered it: after now, at most 90 days ahead. Default 14 days from now." })
  expiresAt?: Date | null;
}
