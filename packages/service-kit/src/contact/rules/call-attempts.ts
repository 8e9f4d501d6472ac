import { isCallAttempt, isOutboundCallAttempt } from "../call-outcomes";
import { addDays, localDateOf, startOfLocalDay } from "../local-time";
import { contactsBefore, countOnDays, sameDebt, zoneOf } from "../situation";
import type { Block, Breach, ContactRule, ContactSituation, PastContact } from "../types";

/** Call attempts on the case in the 7 local days ending with `date` (that day and the 6 before it). */
export const callAttemptsInWindow = (contacts: readonly PastContact[], date: string, zone: string): number =>
  countOnDays(contacts, isOutboundCallAttempt, zone, addDays(date, -6), date);

const limitOf = (cap: number): string => `${cap} call attempts in 7 days`;

/**
 * At most `maxCallAttemptsPer7Days` call attempts in any 7 consecutive local days
 * (12 CFR 1006.14(b)(2)): a call that connects, rings out or reaches voicemail counts; a busy
 * line or a dead number does not.
 */
export const callAttemptsRule: ContactRule = {
  name: "CALL_ATTEMPTS_7_DAYS",
  description: "At most the profile's number of call attempts per case in any 7 consecutive local days; a busy signal, a number not in service or a failed dial is no attempt.",

  block(s: ContactSituation): Block | null {
    const cap = s.profile.parameters.maxCallAttemptsPer7Days;
    const zone = zoneOf(s);
    if (cap === null || !zone || s.channel !== "CALL") return null;
    const today = localDateOf(s.at, zone);
    const attempts = contactsBefore(s).filter((c) => isOutboundCallAttempt(c) && sameDebt(s, c));
    const count = callAttemptsInWindow(attempts, today, zone);
    if (count < cap) return null;
    // A cap of 0 (no calls at all) never frees up; otherwise attempts age out of the window a
    // day at a time, and within 7 days every one has.
    let free: string | null = cap === 0 ? null : addDays(today, 1);
    while (free !== null && callAttemptsInWindow(attempts, free, zone) >= cap) free = addDays(free, 1);
    return {
      rule: "CALL_ATTEMPTS_7_DAYS",
      message: cap === 0 ? "The lender's profile allows no call attempts." : `${count} call attempts in the 7 days ending today; at most ${cap} are allowed.`,
      until: free === null ? null : startOfLocalDay(free, zone),
    };
  },

  breach(s: ContactSituation, made): Breach | null {
    const cap = s.profile.parameters.maxCallAttemptsPer7Days;
    const zone = zoneOf(s);
    if (cap === null || !zone || made.channel !== "CALL" || made.direction !== "OUTBOUND" || !isCallAttempt(made.outcome)) return null;
    // Every 7-day window that holds the attempt's day: one reported late may overfill a window
    // that attempts stored before it (and after it in time) already share.
    const others = s.history.filter((c) => sameDebt(s, c));
    const day = localDateOf(made.occurredAt, zone);
    let count = 0;
    for (let end = 0; end < 7; end++) count = Math.max(count, callAttemptsInWindow(others, addDays(day, end), zone));
    if (count < cap) return null;
    return {
      rule: "CALL_ATTEMPTS_7_DAYS",
      message: `Call attempt number ${count + 1} in 7 days; at most ${cap} are allowed.`,
      limit: limitOf(cap),
      observed: String(count + 1),
    };
  },
};
