import { Arg, Ctx, ID, Query, Resolver } from "type-graphql";
import { DateTimeISOResolver } from "graphql-scalars";
import { NeedsScope, Policy, type Channel, type Party } from "@concord/service-kit";
import { P } from "../../access/policies";
import type { OutreachContext } from "../../context";
import { ChannelEnum, PartyEnum } from "../activity/enums";
import { ContactDecision } from "./contact-decision.type";
import { contactDecision } from "./contact-policy.service";

@Resolver(() => ContactDecision)
export class ContactPolicyResolver {
  @NeedsScope("compliance:read")
  @Policy(P.contactPolicyQuery, "Query")
  @Query(() => ContactDecision, {
    description:
      "Whether a contact with the case's borrower on `channel` is allowed now (or at `at`): every rule that blocks it, the earliest instant every rule allows it, the profile applied and the counts used. For the case's lender, an agency holding it, auditors.",
  })
  async contactPolicy(
    @Ctx() ctx: OutreachContext,
    @Arg("caseId", () => ID) caseId: string,
    @Arg("channel", () => ChannelEnum) channel: Channel,
    @Arg("at", () => DateTimeISOResolver, { nullable: true, description: "Default: now." }) at?: Date | null,
    @Arg("party", () => PartyEnum, { nullable: true, description: "Default DEBTOR." }) party?: Party | null,
    @Arg("contactPoint", () => String, { nullable: true, description: "The number or address label a call would use (unanswered calls are counted per contact point). Default \"phone\"." })
    contactPoint?: string | null,
    @Arg("required", () => Boolean, { nullable: true, description: "Asking for a notice the law requires (LETTER or EMAIL only): a cease request does not hold it back. Default false." })
    required?: boolean | null,
  ): Promise<ContactDecision> {
    return contactDecision(ctx, { caseId, channel, at, party, contactPoint, required });
  }
}
