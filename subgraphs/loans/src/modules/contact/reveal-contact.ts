import { Arg, Ctx, Field, ID, Mutation, ObjectType, Resolver, registerEnumType } from "type-graphql";
import { DateTimeISOResolver } from "graphql-scalars";
import {
  badInput,
  forbidden,
  decideContact,
  DEFAULT_JURISDICTION,
  profileOf,
  isUuid,
  NeedsScope,
  notFound,
  Policy,
  ConcordError,
  refusing,
  refusedAsNotFound,
} from "@concord/service-kit";
import { heldOnce } from "../../access/known";
import { P } from "../../access/policies";
import type { LoansContext } from "../../context";

export enum ContactChannel {
  CALL = "CALL",
  SMS = "SMS",
  EMAIL = "EMAIL",
}
registerEnumType(ContactChannel, { name: "ContactChannel", description: "Channels whose contact details can be revealed." });

@ObjectType({ description: "A contact detail revealed for one contact, and audited." })
export class RevealedContact {
  @Policy(P.public)
  @Field(() => ID)
  caseId: string;

  @Policy(P.public)
  @Field(() => ContactChannel)
  channel: ContactChannel;

  @Policy(P.public)
  @Field(() => String, { description: "The full phone number or e-mail address." })
  value: string;

  @Policy(P.public)
  @Field(() => DateTimeISOResolver)
  revealedAt: Date;
}

/**
 * The rules a reveal is held to: those that say whether a contact may be made now, on this
 * channel, by this agency (hours, blocked days, holds, the agency's channels), not the counting
 * rules, which the outreach subgraph applies to the contacts themselves. Null when none blocks.
 */
const REVEAL_RULES = ["TIME_ZONE_UNKNOWN", "CONTACT_HOURS", "BLOCKED_DAY", "CONTACT_HOLD", "AGENCY_CHANNEL"] as const;

async function revealBlockedBy(ctx: LoansContext, caseId: string, channel: ContactChannel, timeZone: string | null, now: Date) {
  const fallback = profileOf(DEFAULT_JURISDICTION);
  const [rules, entry] = [await ctx.directory.contactRules(caseId, now, fallback), await ctx.directory.entry(caseId)];
  const decision = decideContact(
    {
      at: now,
      channel,
      party: "DEBTOR",
      contactPoint: channel === ContactChannel.EMAIL ? "email" : "phone",
      timeZone,
      profile: rules?.profile ?? fallback,
      holds: rules?.holds ?? [],
      history: [],
      actor: { role: "agency", holdsCase: true, allowedChannels: (entry?.activePlacement?.channels as ContactChannel[] | null | undefined) ?? null },
    },
    REVEAL_RULES,
  );
  return decision.blockedBy[0] ?? null;
}

@Resolver()
export class RevealContactResolver {
  @NeedsScope("contact:reveal")
  @Policy(P.public, "Mutation")
  @Mutation(() => RevealedContact, {
    nullable: true,
    description:
      "An agency holding an ACTIVE placement of the case gets the borrower's full phone or e-mail for one contact, only when a contact on that channel is allowed now: inside the lender's profile's contact hours and days in the borrower's time zone, on a channel the agency may use, with no hold (cease, dispute, hardship, opt-out...) pausing it. A refusal names the rule (extensions.rule). Every reveal is written to the audit log.",
  })
  async revealContact(
    @Ctx() ctx: LoansContext,
    @Arg("caseId", () => ID) caseId: string,
    @Arg("channel", () => ContactChannel) channel: ContactChannel,
  ): Promise<RevealedContact> {
    // Refusals are audited by the policy check around this resolver, naming the case.
    const refuse = (why: string, extensions: Record<string, unknown> = {}) => refusing(new ConcordError("FORBIDDEN", why, extensions), caseId);
    if (!Object.values(ContactChannel).includes(channel)) throw badInput("Unknown channel", "channel");
    // Before the case is looked up, so that this answer is the same for every id.
    if (ctx.principal.role !== "agency") throw refuse("Only an agency reveals contact details; others see them as their access allows");
    const found = isUuid(caseId) ? await ctx.loaders.collectionCase.load(caseId) : null;
    if (!found) throw notFound("CollectionCase", caseId);
    if (!(await ctx.access.agencyHoldsAny([found.id]))) {
      // A case the agency held once it knows exists: say why. Any other is no case at all to it.
      if (await heldOnce(ctx, () => [found.id])()) throw refuse("Your agency holds no active placement of this case");
      throw refusedAsNotFound("CollectionCase", caseId, found.id);
    }
    const borrower = await ctx.loaders.borrower.load(found.borrowerId);
    if (!borrower) throw forbidden("the borrower", caseId);
    const now = ctx.clock.now();
    // The lender's profile and the case's holds as every subgraph's case directory holds them.
    const blocked = await revealBlockedBy(ctx, found.id, channel, borrower.timezone ?? null, now);
    if (blocked) throw refuse(blocked.message, { rule: blocked.rule, ...(blocked.until ? { until: blocked.until.toISOString() } : {}) });
    const value = channel === ContactChannel.EMAIL ? borrower.email : borrower.phone;
    if (!value) throw notFound(`${channel} contact for case`, caseId);
    // Written with the request's other audit rows before the response leaves; if it cannot be, the value does not leave.
    ctx.access.recordReveal({
      type: "Borrower", field: channel === ContactChannel.EMAIL ? "email" : "phone", objectId: borrower.id, path: "revealContact", detail: { caseId: found.id, channel },
    });
    return Object.assign(new RevealedContact(), { caseId: found.id, channel, value, revealedAt: now });
  }
}
