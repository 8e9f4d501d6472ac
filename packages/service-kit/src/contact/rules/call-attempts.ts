import { isCallAttempt, isOutboundCallAttempt } from "../call-outcomes";
import { addDays, localDateOf, startOfLocalDay } from "../local-time";
import { contactsBefore, countOnDays, zoneOf } from "../situation";
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
    const attempts = contactsBefore(s).filter(isOutboundCallAttempt);
    const count = callAttemptsInWindow(attempts, today, zone);
    if (count < cap) return null;
    // Attempts age out of the window a day at a time; within 7 days every one has.
    let free = addDays(today, 1);
    while (callAttemptsInWindow(attempts, free, zone) >= cap) free = addDays(free, 1);
    return {
      rule: "CALL_ATTEMPTS_7_DAYS",
      message: `${count} call attempts in the 7 days ending today; at most ${cap} are allowed.`,
      until: startOfLocalDay(free, zone),
    };
  },

  breach(s: ContactSituation, made): Breach | null {
    const cap = s.profile.parameters.maxCallAttemptsPer7Days;
    const zone = zoneOf(s);
    if (cap === null || !zone || made.channel !== "CALL" || made.direction !== "OUTBOUND" || !isCallAttempt(made.outcome)) return null;
    const count = callAttemptsInWindow(s.history, localDateOf(made.occurredAt, zone), zone);
    if (count < cap) return null;
    return {
      rule: "CALL_ATTEMPTS_7_DAYS",
      message: `Call attempt number ${count + 1} in 7 days; at most ${cap} are allowed.`,
      limit: limitOf(cap),
      observed: String(count + 1),
    };
  },
};
