import { isConversation } from "../call-outcomes";
import { addDays, localDateOf, startOfLocalDay } from "../local-time";
import { contactsBefore, localDayOf, sameDebt, zoneOf } from "../situation";
import type { Block, Breach, ContactRule, ContactSituation, PastContact } from "../types";

/** The latest telephone conversation with the borrower among `contacts`, if any. */
export function lastConversation(contacts: readonly PastContact[]): PastContact | null {
  let last: PastContact | null = null;
  for (const c of contacts) if (isConversation(c) && (!last || c.occurredAt.getTime() > last.occurredAt.getTime())) last = c;
  return last;
}

/** The first local day calls are allowed again after a conversation on `conversationDay`: day N+1, counting it as day 1. */
const firstFreeDay = (conversationDay: string, quietDays: number): string => addDays(conversationDay, quietDays);

/**
 * No call to the borrower within `quietDaysAfterConversation` local days of a telephone
 * conversation, its day counted as day 1 (12 CFR 1006.14(b)(2)): with 7, day 7 is quiet and day
 * 8 is not. The quiet period protects the person talked to, so it holds calls to the debtor.
 */
export const quietAfterConversationRule: ContactRule = {
  name: "QUIET_AFTER_CONVERSATION",
  description: "No outbound call to the borrower on the conversation's local day or the following days up to the profile's number of quiet days (the conversation's day is day 1).",

  block(s: ContactSituation): Block | null {
    const n = s.profile.parameters.quietDaysAfterConversation;
    const zone = zoneOf(s);
    if (n === null || !zone || s.channel !== "CALL" || s.party !== "DEBTOR") return null;
    const last = lastConversation(contactsBefore(s).filter((c) => sameDebt(s, c)));
    if (!last) return null;
    const convDay = localDayOf(last, zone);
    const free = firstFreeDay(convDay, n);
    if (localDateOf(s.at, zone) >= free) return null;
    return {
      rule: "QUIET_AFTER_CONVERSATION",
      message: `No calls for ${n} days after the telephone conversation on ${convDay} (that day is day 1); calls resume on ${free}.`,
      until: startOfLocalDay(free, zone),
    };
  },

  breach(s: ContactSituation, made): Breach | null {
    const n = s.profile.parameters.quietDaysAfterConversation;
    const zone = zoneOf(s);
    if (n === null || !zone || made.channel !== "CALL" || made.direction !== "OUTBOUND" || made.party !== "DEBTOR") return null;
    // The conversations before the call, reported before it or not.
    const t = made.occurredAt.getTime();
    const last = lastConversation(s.history.filter((c) => c.occurredAt.getTime() <= t && sameDebt(s, c)));
    if (!last) return null;
    const convDay = localDayOf(last, zone);
    const day = localDateOf(made.occurredAt, zone);
    if (day >= firstFreeDay(convDay, n)) return null;
    const dayNumber = Math.round((Date.parse(`${day}T00:00:00Z`) - Date.parse(`${convDay}T00:00:00Z`)) / 86_400_000) + 1;
    return {
      rule: "QUIET_AFTER_CONVERSATION",
      message: `A call was made on day ${dayNumber} after the telephone conversation on ${convDay}; the first ${n} days are quiet.`,
      limit: `no calls for ${n} days after a conversation`,
      observed: `day ${dayNumber}`,
    };
  },
};
