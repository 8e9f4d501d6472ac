import { isUnansweredCall, isUnansweredOutboundCall } from "../call-outcomes";
import { localDateOf } from "../local-time";
import { contactsBefore, countOnDays, startOfNextDay, zoneOf } from "../situation";
import type { Block, Breach, ContactRule, ContactSituation, PastContact } from "../types";

/** Unanswered outbound calls to `contactPoint` on local `date`. */
export const unansweredCallsOn = (contacts: readonly PastContact[], contactPoint: string, date: string, zone: string): number =>
  countOnDays(contacts, (c) => c.contactPoint === contactPoint && isUnansweredOutboundCall(c), zone, date, date);

/** At most `maxUnansweredCallsPerDay` unanswered calls to one contact point per local day (CN_NIFA: 6). */
export const unansweredCallsRule: ContactRule = {
  name: "UNANSWERED_CALLS_PER_DAY",
  description: "At most the profile's number of unanswered calls (no answer, voicemail, busy) to the same number per local day.",

  block(s: ContactSituation): Block | null {
    const cap = s.profile.parameters.maxUnansweredCallsPerDay;
    const zone = zoneOf(s);
    if (cap === null || !zone || s.channel !== "CALL") return null;
    const today = localDateOf(s.at, zone);
    const count = unansweredCallsOn(contactsBefore(s), s.contactPoint, today, zone);
    if (count < cap) return null;
    return {
      rule: "UNANSWERED_CALLS_PER_DAY",
      message: cap === 0 ? "The lender's profile allows no unanswered calls." : `${count} unanswered calls to ${s.contactPoint} today; at most ${cap} a day are allowed.`,
      // A cap of 0 never frees up.
      until: cap === 0 ? null : startOfNextDay(today, zone),
    };
  },

  breach(s: ContactSituation, made): Breach | null {
    const cap = s.profile.parameters.maxUnansweredCallsPerDay;
    const zone = zoneOf(s);
    if (cap === null || !zone || made.channel !== "CALL" || made.direction !== "OUTBOUND" || !isUnansweredCall(made.outcome)) return null;
    const count = unansweredCallsOn(s.history, made.contactPoint, localDateOf(made.occurredAt, zone), zone);
    if (count < cap) return null;
    return {
      rule: "UNANSWERED_CALLS_PER_DAY",
      message: `Unanswered call number ${count + 1} to ${made.contactPoint} in one day; at most ${cap} are allowed.`,
      limit: `${cap} unanswered calls per number per day`,
      observed: String(count + 1),
    };
  },
};
