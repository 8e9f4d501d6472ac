import { Field, ID, Int, ObjectType } from "type-graphql";
import { DateTimeISOResolver } from "graphql-scalars";
import { Policy, Rows, Scope, type Channel, type RuleName } from "@concord/service-kit";
import { P } from "../../access/policies";
import { ChannelEnum, RuleEnum } from "../activity/enums";
import { ContactProfile } from "../profile/profile.type";

@ObjectType({ description: "A rule that blocks a contact now." })
export class ContactBlock {
  @Policy(P.public)
  @Field(() => RuleEnum)
  rule: RuleName;

  @Policy(P.public)
  @Field(() => String)
  message: string;

  @Policy(P.public)
  @Field(() => DateTimeISOResolver, { nullable: true, description: "When this rule alone would allow the contact again; null when only an event can lift it (a cease request, an open dispute, the placement)." })
  until: Date | null;
}

@ObjectType({ description: "The counts the rules were checked against (local days in the borrower's time zone)." })
export class ContactCounters {
  @Policy(P.public)
  @Field(() => Int, { description: "Call attempts on the case in the 7 local days ending today (connected, rang out or voicemail)." })
  callAttemptsInWindow: number;

  @Policy(P.public)
  @Field(() => Int, { description: "Connected calls to the borrower today, the lender and its agencies together." })
  connectedCallsToday: number;

  @Policy(P.public)
  @Field(() => Int, { description: "Unanswered calls to the contact point asked about today." })
  unansweredCallsToday: number;

  @Policy(P.public)
  @Field(() => DateTimeISOResolver, { nullable: true, description: "The last telephone conversation with the borrower." })
  lastConversationAt: Date | null;
}

@Scope<ContactDecision>("compliance:read", (d) => ({ lenderId: d.lenderId, caseIds: async () => [d.caseId] }))
@ObjectType({ description: "Whether a contact on a channel is allowed at an instant, every rule that blocks it, and when every rule next allows it." })
export class ContactDecision {
  lenderId: string;

  @Policy(P.public)
  @Field(() => ID)
  caseId: string;

  @Policy(P.contactDecision)
  @Field(() => ChannelEnum, { nullable: true })
  channel: Channel;

  @Policy(P.contactDecision)
  @Field(() => DateTimeISOResolver, { nullable: true, description: "The instant decided for." })
  at: Date;

  @Policy(P.contactDecision)
  @Field(() => Boolean, { nullable: true })
  allowed: boolean;

  @Policy(P.contactDecision)
  @Rows({ selectedBy: "the decision itself: every rule that blocks this contact, for a caller who may see the decision" })
  @Field(() => [ContactBlock], { nullable: true })
  blockedBy: ContactBlock[];

  @Policy(P.contactDecision)
  @Field(() => DateTimeISOResolver, { nullable: true, description: "The earliest instant at or after `at` at which every rule allows the contact; null when only an event can lift a block." })
  nextAllowedAt: Date | null;

  @Policy(P.contactDecisionZone)
  @Field(() => String, { nullable: true, description: "The borrower's IANA time zone the hours and days were read in (not shown to auditors)." })
  timeZone: string | null;

  @Policy(P.contactDecision)
  @Field(() => ContactProfile, { nullable: true, description: "The profile applied." })
  profile: ContactProfile;

  @Policy(P.contactDecision)
  @Field(() => ContactCounters, { nullable: true })
  counters: ContactCounters;
}
