import { Arg, Ctx, FieldResolver, ID, Mutation, Resolver, Root } from "type-graphql";
import { DateTimeISOResolver } from "graphql-scalars";
import { NeedsScope, Policy } from "@concord/service-kit";
import { P } from "../../access/policies";
import type { OutreachContext } from "../../context";
import { CollectionCase } from "../collection-case/collection-case.stub";
import { readPreference, requestCeaseCommunication, setContactPreference } from "./preference.service";
import { ContactPreference, ContactPreferenceInput } from "./preference.type";

@Resolver(() => ContactPreference)
export class ContactPreferenceResolver {
  @NeedsScope("protections:write")
  @Policy(P.contactPreferenceSetting, "Mutation")
  @Mutation(() => ContactPreference, {
    description:
      "The borrower asks that contact on its case cease, or the case's lender records such a request received in writing (receivedAt: effective on receipt; default now). From then contactPolicy and revealContact refuse every channel (CONTACT_HOLD, a CEASE hold) except a notice the law requires. Once: asking again changes nothing. Another's case is NOT_FOUND.",
  })
  async requestCeaseCommunication(
    @Ctx() ctx: OutreachContext,
    @Arg("caseId", () => ID) caseId: string,
    @Arg("receivedAt", () => DateTimeISOResolver, { nullable: true, description: "The lender's only: when it received the written request (not in the future, at most 90 days ago)." })
    receivedAt?: Date | null,
  ): Promise<ContactPreference> {
    return requestCeaseCommunication(ctx.ds, ctx.clock, ctx.principal, caseId, receivedAt, ctx.requestId);
  }

  @NeedsScope("protections:write")
  @Policy(P.contactPreferenceSetting, "Mutation")
  @Mutation(() => ContactPreference, {
    description:
      "The borrower sets its case's contact preferences, or the case's lender records them as received in writing: each channel opted out of is paused at once (an OPT_OUT hold), one opted back in is open again. States the whole preference; the same preferences again change nothing. Another's case is NOT_FOUND.",
  })
  async setContactPreference(@Ctx() ctx: OutreachContext, @Arg("input", () => ContactPreferenceInput) input: ContactPreferenceInput): Promise<ContactPreference> {
    return setContactPreference(ctx.ds, ctx.clock, ctx.principal, input, ctx.requestId);
  }
}

@Resolver(() => CollectionCase)
export class CasePreferenceResolver {
  @Policy(P.caseContactPreference, "CollectionCase")
  @FieldResolver(() => ContactPreference, { nullable: true, description: "How the borrower wants to be contacted on this case, and whether they asked that contact cease." })
  async contactPreference(@Root() c: CollectionCase, @Ctx() ctx: OutreachContext): Promise<ContactPreference> {
    return readPreference(ctx.ds, c.id);
  }
}
