/**
 * The engine: every rule asked at once, the earliest instant all of them allow, and the rules a
 * reported contact broke. Pure: the callers bring the situation (profile, holds, history, actor).
 */
import { localDateOf } from "./local-time";
import { activePlacementRule } from "./rules/active-placement";
import { agencyChannelRule } from "./rules/agency-channel";
import { blockedDayRule } from "./rules/blocked-day";
import { callAttemptsInWindow, callAttemptsRule } from "./rules/call-attempts";
import { connectedCallsOn, connectedCallsRule } from "./rules/connected-calls";
import { contactHoldRule } from "./rules/contact-hold";
import { contactHoursRule } from "./rules/contact-hours";
import { debtorOnlyRule } from "./rules/debtor-only";
import { lastConversation, quietAfterConversationRule } from "./rules/quiet-after-conversation";
import { timeZoneUnknownRule } from "./rules/time-zone-unknown";
import { unansweredCallsOn, unansweredCallsRule } from "./rules/unanswered-calls";
import { contactsBefore, sameDebt, zoneOf } from "./situation";
import type { Block, Breach, ContactCounters, ContactDecisionResult, ContactRule, ContactSituation, ReportedContact, RuleName } from "./types";

/**
 * Every rule, in the order a compliance officer reads them: who may contact at all, what pauses
 * contact, then when, then how often.
 */
export const CONTACT_RULES: readonly ContactRule[] = [
  timeZoneUnknownRule,
  activePlacementRule,
  agencyChannelRule,
  debtorOnlyRule,
  contactHoldRule,
  blockedDayRule,
  contactHoursRule,
  callAttemptsRule,
  quietAfterConversationRule,
  connectedCallsRule,
  unansweredCallsRule,
];

/** How many times the next allowed instant is looked for before giving up (a year of nights is 366). */
const MAX_STEPS = 400;

/** The same instant a year later: the next allowed instant is looked for that far ahead. */
const aYearAfter = (at: Date): number => {
  const d = new Date(at.getTime());
  d.setUTCFullYear(d.getUTCFullYear() + 1);
  return d.getTime();
};

const rulesOf = (only?: readonly RuleName[]): readonly ContactRule[] => (only ? CONTACT_RULES.filter((r) => only.includes(r.name)) : CONTACT_RULES);

const blocksAt = (rules: readonly ContactRule[], s: ContactSituation): Block[] => {
  const out: Block[] = [];
  for (const r of rules) {
    const b = r.block(s);
    if (b) out.push(b);
  }
  return out;
};

/**
 * The counters the rules count, at `s.at`. With the zone unknown, local days are read in UTC so
 * the caller still sees the numbers (no rule decides on them then).
 */
export function countersOf(s: ContactSituation): ContactCounters {
  const zone = zoneOf(s) ?? "UTC";
  const before = contactsBefore(s);
  const ofCase = before.filter((c) => sameDebt(s, c));
  const today = localDateOf(s.at, zone);
  return {
    callAttemptsInWindow: callAttemptsInWindow(ofCase, today, zone),
    connectedCallsToday: connectedCallsOn(before, today, zone),
    unansweredCallsToday: unansweredCallsOn(before, s.contactPoint, today, zone),
    lastConversationAt: lastConversation(ofCase)?.occurredAt ?? null,
  };
}

/**
 * Whether a contact on `s.channel` with `s.party` may be made at `s.at`: every rule that blocks
 * it, and the earliest instant at or after `s.at` at which none does, found by moving to the
 * latest `until` of the blocks and asking again (the history as it stands). `nextAllowedAt` is
 * null when a block only an event can lift is met, or when nothing frees up within a year.
 * `only` limits the rules asked (revealContact, for one, asks a subset).
 */
export function decideContact(s: ContactSituation, only?: readonly RuleName[]): ContactDecisionResult {
  const rules = rulesOf(only);
  const blockedBy = blocksAt(rules, s);
  const counters = countersOf(s);
  if (blockedBy.length === 0) return { allowed: true, blockedBy, nextAllowedAt: s.at, counters };

  let nextAllowedAt: Date | null = null;
  let blocks = blockedBy;
  let t = s.at.getTime();
  const horizon = aYearAfter(s.at);
  for (let step = 0; step < MAX_STEPS; step++) {
    if (blocks.some((b) => b.until === null)) break;
    // Every block's until lies after t (each rule says when it frees up); the guard keeps a
    // rule that got it wrong from stalling the search.
    const next = Math.max(t + 1, ...blocks.map((b) => (b.until as Date).getTime()));
    if (next > horizon) break;
    t = next;
    blocks = blocksAt(rules, { ...s, at: new Date(t) });
    if (blocks.length === 0) {
      nextAllowedAt = new Date(t);
      break;
    }
  }
  return { allowed: false, blockedBy, nextAllowedAt, counters };
}

/**
 * The rules `made` broke: each rule judged at `made.occurredAt` for a contact of its channel,
 * direction, outcome, party and contact point, against `s.history` (the contacts before it).
 * The record of the contact is kept whatever this says; a breach flags it.
 */
export function breachesOf(s: ContactSituation, made: ReportedContact): Breach[] {
  const at: ContactSituation = { ...s, at: made.occurredAt, channel: made.channel, party: made.party, contactPoint: made.contactPoint };
  const out: Breach[] = [];
  for (const r of CONTACT_RULES) {
    const b = r.breach(at, made);
    if (b) out.push(b);
  }
  return out;
}
