import { Field, ID, InputType, ObjectType } from "type-graphql";
import { DateTimeISOResolver } from "graphql-scalars";
import { Policy, Scope, type Channel } from "@concord/service-kit";
import { P } from "../../access/policies";
import type { OutreachContext } from "../../context";
import { ChannelEnum } from "../activity/enums";

/** The lender and borrower of a preference come from the case directory: a preference is its case's. */
@Scope<ContactPreference>("protections:read", async (c, ctx: OutreachContext) => {
  const entry = await ctx.directory.entry(c.caseId);
  return { lenderId: entry?.lenderId ?? null, borrowerId: entry?.borrowerId ?? null, caseIds: async () => [c.caseId] };
})
@ObjectType({
  description:
    "How the borrower of a case wants to be contacted, and whether they asked that contact cease. Each opted-out channel, and a cease request (every channel), is a hold contactPolicy and revealContact obey.",
})
export class ContactPreference {
  @Policy(P.public)
  @Field(() => ID)
  caseId: string;

  @Policy(P.contactPreferenceFlags)
  @Field(() => [ChannelEnum], { nullable: true, description: "Channels the borrower opted out of: no contact on them (a hold of kind OPT_OUT each)." })
  optedOutChannels: Channel[];

  @Policy(P.contactPreferenceFlags)
  @Field(() => ChannelEnum, { nullable: true, description: "The channel the borrower prefers (never an opted-out one); null: none stated." })
  preferredChannel: Channel | null;

  @Policy(P.contactPreferenceLanguage)
  @Field(() => String, { nullable: true, description: "The language the borrower prefers (a BCP 47 tag such as en or zh-CN); null: none stated." })
  preferredLanguage: string | null;

  @Policy(P.contactPreferenceFlags)
  @Field(() => Boolean, { nullable: true, description: "The borrower asked that contact cease: no contact on any channel except notices the law requires." })
  ceaseRequested: boolean;

  @Policy(P.contactPreferenceRecord)
  @Field(() => DateTimeISOResolver, { nullable: true, description: "When the cease request took effect (its receipt); null: none." })
  ceaseRequestedAt: Date | null;

  @Policy(P.contactPreferenceRecord)
  @Field(() => DateTimeISOResolver, { nullable: true, description: "When the preferences or cease request last changed; null: never set." })
  updatedAt: Date | null;
}

@InputType({
  description:
    "A case's contact preferences, stated whole: a field left out is cleared (no opt-outs, no preferred channel or language). The same preferences again change nothing.",
})
export class ContactPreferenceInput {
  @Field(() => ID)
  caseId: string;

  @Field(() => [ChannelEnum], { nullable: true, description: "Every channel opted out of (honoured at once); one left out of the list is opted back in. Default: none." })
  optedOutChannels?: Channel[] | null;

  @Field(() => ChannelEnum, { nullable: true, description: "Not one of optedOutChannels." })
  preferredChannel?: Channel | null;

  @Field(() => String, { nullable: true, description: "A BCP 47 language tag, for example en or zh-CN." })
  preferredLanguage?: string | null;
}
