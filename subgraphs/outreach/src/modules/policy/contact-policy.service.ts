import { CHANNELS, ConcordError, badInput, decideContact, forbidden, refusing, isUuid, notFound, PARTIES, refusedAsNotFound, type Channel, type Party } from "@concord/service-kit";
import type { OutreachContext } from "../../context";
import { profileOut } from "../profile/profile.service";
import { ContactBlock, ContactCounters, ContactDecision } from "./contact-decision.type";
import { REQUIRED_NOTICE_CHANNELS } from "../activity/activity.service";
import { actorOf, loadSituation } from "./situation";

/** Options of {@link contactDecision}. */
export interface DecisionRequest {
  caseId: string;
  channel: Channel;
  /** @default the clock's now */
  at?: Date | null;
  /** @default "DEBTOR" */
  party?: Party | null;
  /** @default "phone" */
  contactPoint?: string | null;
  /** A notice the law requires (LETTER or EMAIL only). @default false */
  required?: boolean | null;
}

/**
 * Whether the caller (the case's lender, an agency holding it, an auditor as the lender would
 * be) may make a contact now or at `at`: every contact rule, with the profile's parameters,
 * the case's holds and its history. An agency asking of a case it held once is refused naming
 * ACTIVE_PLACEMENT (it sees nothing of a case it no longer holds); of any other case, NOT_FOUND.
 */
export async function contactDecision(ctx: OutreachContext, r: DecisionRequest): Promise<ContactDecision> {
  const p = ctx.principal;
  if (p.role === "borrower") throw forbidden("contact decisions");
  if (!CHANNELS.includes(r.channel)) throw badInput("Unknown channel", "channel");
  const party = r.party ?? "DEBTOR";
  if (!PARTIES.includes(party)) throw badInput("Unknown party", "party");
  const contactPoint = r.contactPoint?.trim() || "phone";
  const required = r.required === true;
  if (required && !REQUIRED_NOTICE_CHANNELS.includes(r.channel)) throw badInput("Only a LETTER or an EMAIL may be a notice the law requires", "required");
  const at = r.at ?? ctx.clock.now();
  if (Number.isNaN(at.getTime())) throw badInput("at must be a date-time", "at");
  const entry = isUuid(r.caseId) ? await ctx.directory.entry(r.caseId) : null;
  if (!entry) throw notFound("CollectionCase", r.caseId);
  if (p.role === "lender" && entry.lenderId !== p.lenderId) throw refusedAsNotFound("CollectionCase", r.caseId, entry.caseId);
  if (p.role === "agency" && entry.activePlacement?.agencyId !== p.agencyId) {
    // A case the agency held once it knows exists: the refusal names the rule. Any other is no case at all to it.
    if (await ctx.directory.heldEver(p.agencyId ?? "", [entry.caseId])) {
      throw refusing(new ConcordError("FORBIDDEN", "Your agency holds no active placement of this case", { rule: "ACTIVE_PLACEMENT" }), entry.caseId);
    }
    throw refusedAsNotFound("CollectionCase", r.caseId, entry.caseId);
  }
  const actor = actorOf(p.role === "agency" ? "agency" : "lender", entry, p.agencyId ?? null);
  const { situation, profileVersion, profileAppliedAt } = await loadSituation(ctx.ds, ctx.directory, entry, { at, channel: r.channel, party, contactPoint, actor, required });
  const d = decideContact(situation);
  // The profile shown is the one applied: the case directory's, as every subgraph holds it.
  const applied = profileVersion === null ? undefined : { ...situation.profile, version: profileVersion, updated_at: profileAppliedAt };
  return Object.assign(new ContactDecision(), {
    lenderId: entry.lenderId,
    caseId: entry.caseId,
    channel: r.channel,
    at,
    allowed: d.allowed,
    blockedBy: d.blockedBy.map((b) => Object.assign(new ContactBlock(), b)),
    nextAllowedAt: d.nextAllowedAt,
    timeZone: situation.timeZone,
    profile: profileOut(entry.lenderId, applied),
    counters: Object.assign(new ContactCounters(), d.counters),
  });
}
