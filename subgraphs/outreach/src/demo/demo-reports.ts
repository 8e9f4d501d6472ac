import { addDays, derivedUuid, localDateOf, zonedInstant, type Channel, type Direction, type Outcome } from "@concord/service-kit";
import type { ReportActivityInput } from "../modules/activity/activity.inputs";

/** What a demo case's reports are meant to show. */
export type DemoStory = "attempts" | "conversation" | "inbound" | "dispute" | "hardship" | "nifa";

/** One demo contact: on which local day before the seeding (1 = the day before) and at what local time. */
interface DemoContact {
  daysBack: number;
  /** Local minute of the day in the borrower's zone, inside every profile's contact hours. */
  minute: number;
  channel: Channel;
  direction: Direction;
  outcome: Outcome;
  durationSeconds?: number;
  notes?: string;
  /** With PROMISE_TO_PAY: the amount promised (in the borrower's currency) and its due date, as local days before the seeding (negative: after it). */
  promise?: { amountMinor: number; dueDaysBack: number };
}

/** The demo portfolio's currency in each of its borrowers' zones (loans' demo generator). */
const CURRENCY_OF_ZONE: Record<string, string> = { "Europe/London": "GBP", "Asia/Shanghai": "CNY" };

const at = (h: number, m = 0) => h * 60 + m;

/**
 * The contacts of each story. Every time lies inside 08:00-21:00 local, none on the seeding's own
 * day (so none is in the future), and only `attempts` breaks a rule: its 8th call attempt
 * (no answer or voicemail, never a conversation) within 7 local days breaks
 * CALL_ATTEMPTS_7_DAYS at a cap of 7, and with two of them six days back the case is still
 * blocked for calls on the seeding's day, until the next local midnight.
 */
const STORIES: Record<DemoStory, readonly DemoContact[]> = {
  attempts: [
    { daysBack: 6, minute: at(9, 30), channel: "CALL", direction: "OUTBOUND", outcome: "NO_ANSWER" },
    { daysBack: 6, minute: at(15, 45), channel: "CALL", direction: "OUTBOUND", outcome: "VOICEMAIL" },
    { daysBack: 5, minute: at(10, 10), channel: "CALL", direction: "OUTBOUND", outcome: "NO_ANSWER" },
    { daysBack: 4, minute: at(11, 20), channel: "CALL", direction: "OUTBOUND", outcome: "VOICEMAIL" },
    { daysBack: 3, minute: at(13, 5), channel: "CALL", direction: "OUTBOUND", outcome: "NO_ANSWER" },
    { daysBack: 2, minute: at(17, 40), channel: "CALL", direction: "OUTBOUND", outcome: "NO_ANSWER" },
    { daysBack: 1, minute: at(9, 15), channel: "CALL", direction: "OUTBOUND", outcome: "VOICEMAIL" },
    { daysBack: 1, minute: at(16, 0), channel: "CALL", direction: "OUTBOUND", outcome: "NO_ANSWER", notes: "Eighth attempt this week: no answer again" },
  ],
  conversation: [
    { daysBack: 3, minute: at(10, 15), channel: "CALL", direction: "OUTBOUND", outcome: "NO_ANSWER" },
    { daysBack: 3, minute: at(10, 20), channel: "SMS", direction: "OUTBOUND", outcome: "DELIVERED", notes: "Asked the borrower to call back" },
    { daysBack: 2, minute: at(14, 0), channel: "EMAIL", direction: "OUTBOUND", outcome: "DELIVERED" },
    // A promise still PENDING: calls are held until the end of its due date.
    { daysBack: 1, minute: at(11, 30), channel: "CALL", direction: "OUTBOUND", outcome: "PROMISE_TO_PAY", durationSeconds: 420, notes: "Promised a first payment on Friday", promise: { amountMinor: 20_000, dueDaysBack: -3 } },
  ],
  inbound: [
    { daysBack: 2, minute: at(9, 5), channel: "LETTER", direction: "OUTBOUND", outcome: "DELIVERED" },
    { daysBack: 1, minute: at(18, 40), channel: "CALL", direction: "INBOUND", outcome: "CALLBACK_REQUESTED", durationSeconds: 95, notes: "Borrower rang back; asked to be called next week" },
    // A promise no payment kept: due 9 days back, its 3 days' grace over 6 days back, so the
    // break-promises job (and the seeding, once it has reported) marks it BROKEN.
    { daysBack: 12, minute: at(10, 0), channel: "CALL", direction: "OUTBOUND", outcome: "PROMISE_TO_PAY", durationSeconds: 300, notes: "Promised to clear the arrears by the end of the week", promise: { amountMinor: 15_000, dueDaysBack: 9 } },
  ],
  // The borrower disputes the debt on a call: the report opens a dispute, holding contact until the lender resolves it.
  dispute: [
    { daysBack: 4, minute: at(10, 30), channel: "LETTER", direction: "OUTBOUND", outcome: "DELIVERED" },
    { daysBack: 2, minute: at(11, 0), channel: "CALL", direction: "OUTBOUND", outcome: "DISPUTE_RAISED", durationSeconds: 240, notes: "Borrower says the March payment was made and is missing from the balance" },
  ],
  // The borrower tells of a hardship on a call: the report declares it, and the seeding approves it as the lender.
  hardship: [
    { daysBack: 1, minute: at(12, 15), channel: "CALL", direction: "INBOUND", outcome: "HARDSHIP_DECLARED", durationSeconds: 360, notes: "Borrower lost their job last month and asked for time" },
  ],
  // CN_NIFA: connected calls (at most 3 a day) and unanswered ones (at most 6) well inside the caps.
  nifa: [
    { daysBack: 2, minute: at(10, 0), channel: "CALL", direction: "OUTBOUND", outcome: "NO_ANSWER" },
    { daysBack: 2, minute: at(10, 5), channel: "SMS", direction: "OUTBOUND", outcome: "DELIVERED" },
    { daysBack: 1, minute: at(19, 30), channel: "CALL", direction: "OUTBOUND", outcome: "RIGHT_PARTY_CONTACT", durationSeconds: 300 },
  ],
};

/** The stories of the demo agency's first cases, in case-id order. */
export const DEMO_AGENCY_STORIES: readonly DemoStory[] = ["attempts", "conversation", "inbound", "dispute", "hardship"];
/** How many cases of each other agency get reports (story `nifa`: the other demo agency works the Chinese lender's cases). */
export const OTHER_AGENCY_CASES = 2;

/** What every demo report's idempotency key begins with (only the seeding writes such keys). */
export const DEMO_KEY_PREFIX = "concord-demo-";

/** The idempotency key of a demo report: derived from the seed and its place in the plan, never from the clock or a case id. */
export const demoReportKey = (seed: number, slot: string, n: number): string => `${DEMO_KEY_PREFIX}${derivedUuid("concord-demo", seed, "activity", slot, n)}`;

/** Every key the plan can use for slot `slot` with story `story`. */
export const demoKeysOf = (seed: number, slot: string, story: DemoStory): string[] => STORIES[story].map((_, n) => demoReportKey(seed, slot, n));

/**
 * The reports of one demo case: its story's contacts, on the local days before `anchor` in the
 * borrower's zone, each under its derived key. The same seed, slot, case, zone and anchor give
 * the same reports, so a report made again is a replay.
 */
export function demoReports(seed: number, slot: string, story: DemoStory, caseId: string, zone: string, anchor: Date): ReportActivityInput[] {
  const today = localDateOf(anchor, zone);
  return STORIES[story].map((c, n) => {
    return {
      idempotencyKey: demoReportKey(seed, slot, n),
      caseId,
      channel: c.channel,
      direction: c.direction,
      occurredAt: zonedInstant(addDays(today, -c.daysBack), c.minute, zone),
      outcome: c.outcome,
      durationSeconds: c.durationSeconds ?? null,
      notes: c.notes ?? null,
      ...(c.promise
        ? { promise: { amountMinor: BigInt(c.promise.amountMinor), currency: CURRENCY_OF_ZONE[zone] ?? "USD", dueDate: addDays(today, -c.promise.dueDaysBack) } }
        : {}),
    };
  });
}
