import { Field, ID, InputType, Int } from "type-graphql";
import { DateTimeISOResolver } from "graphql-scalars";
import type { Channel, Direction, Outcome, Party } from "@concord/service-kit";
import { PromiseInput } from "../promises/promise.inputs";
import { ChannelEnum, DirectionEnum, OutcomeEnum, PartyEnum } from "./enums";

@InputType({ description: "A contact that happened, as an agency system or the lender's collectors report it." })
export class ReportActivityInput {
  @Field(() => String, { description: "The reporter's own key for this report (1 to 200 characters): a retry with the same key returns the first report; the same key with other content is CONFLICT." })
  idempotencyKey: string;

  @Field(() => ID)
  caseId: string;

  @Field(() => ChannelEnum)
  channel: Channel;

  @Field(() => DirectionEnum)
  direction: Direction;

  @Field(() => DateTimeISOResolver, { description: "When the contact happened (not in the future, at most 90 days ago)." })
  occurredAt: Date;

  @Field(() => OutcomeEnum)
  outcome: Outcome;

  @Field(() => ID, { nullable: true, description: "The agent (an agency's) or collector (the lender's) who made the contact." })
  agentId?: string | null;

  @Field(() => String, { nullable: true, description: "At most 4000 characters. Seen by the lender, the reporting agency and auditors, never the borrower." })
  notes?: string | null;

  @Field(() => String, { nullable: true, description: "Where the recording is kept (at most 500 characters)." })
  recordingReference?: string | null;

  @Field(() => Int, { nullable: true, description: "0 to 86400." })
  durationSeconds?: number | null;

  @Field(() => PartyEnum, { nullable: true, description: "Whom the contact reached. Default DEBTOR." })
  party?: Party | null;

  @Field(() => String, { nullable: true, description: "Which number or address was used, as a label (for example \"phone\", \"work-phone\"): unanswered calls are counted per contact point. Default \"phone\"." })
  contactPoint?: string | null;

  @Field(() => Boolean, { nullable: true, description: "A notice the law requires (only a LETTER or an EMAIL): a cease request does not hold it back, every other hold and rule does. Default false." })
  required?: boolean | null;

  @Field(() => PromiseInput, {
    nullable: true,
    description: "What the borrower promised: required with outcome PROMISE_TO_PAY (a PromiseToPay is made with the report, and collection calls are held until the end of its due date), BAD_USER_INPUT with any other outcome.",
  })
  promise?: PromiseInput | null;
}
