/**
 * The contact-compliance engine's vocabulary: what a contact is, what the engine knows of a
 * case when it decides, and what it answers. The rules (one file each under `rules/`) are pure
 * functions of these; the outreach subgraph feeds them from its activities and the case
 * directory, and the loans subgraph (revealContact) from the directory alone.
 */

/** The channels a collector reaches a borrower by. */
export const CHANNELS = ["CALL", "SMS", "EMAIL", "LETTER", "PUSH", "VISIT"] as const;
export type Channel = (typeof CHANNELS)[number];

export const DIRECTIONS = ["OUTBOUND", "INBOUND"] as const;
export type Direction = (typeof DIRECTIONS)[number];

/** Whom the contact reached: the borrower (debtor) or someone else. */
export const PARTIES = ["DEBTOR", "THIRD_PARTY"] as const;
export type Party = (typeof PARTIES)[number];

export const OUTCOMES = [
  "RIGHT_PARTY_CONTACT",
  "PROMISE_TO_PAY",
  "NO_ANSWER",
  "VOICEMAIL",
  "BUSY",
  "NOT_IN_SERVICE",
  "WRONG_NUMBER",
  "REFUSED",
  "DISPUTE_RAISED",
  "HARDSHIP_DECLARED",
  "CALLBACK_REQUESTED",
  "DELIVERED",
  "FAILED",
] as const;
export type Outcome = (typeof OUTCOMES)[number];

export const JURISDICTIONS = ["US_REG_F", "CN_NIFA", "UK_FCA"] as const;
export type Jurisdiction = (typeof JURISDICTIONS)[number];

/** ISO weekday numbers, Monday = 1 ... Sunday = 7. */
export type IsoWeekday = 1 | 2 | 3 | 4 | 5 | 6 | 7;

/**
 * The parameters every rule reads, effective for one lender: its profile's defaults, tightened
 * by the lender's overrides. A null cap means the profile sets none (the rule does not apply).
 */
export interface ContactParameters {
  /** Local minute of the day contact may begin (480 = 08:00), inclusive. */
  hoursStartMinute: number;
  /** Local minute of the day by which contact has ended (1260 = 21:00), exclusive. */
  hoursEndMinute: number;
  /** Local weekdays with no contact (for example 7 = Sunday). */
  blockedWeekdays: IsoWeekday[];
  /** Local dates (YYYY-MM-DD) with no contact, for example public holidays. */
  blockedDates: string[];
  /** Most call attempts per case in any 7 consecutive local days (US_REG_F: 7). */
  maxCallAttemptsPer7Days: number | null;
  /** Local days, counting the conversation's day as day 1, with no call after a telephone conversation (US_REG_F: 7). */
  quietDaysAfterConversation: number | null;
  /** Most connected calls to the debtor per local day, lender and agencies together (CN_NIFA: 3). */
  maxConnectedCallsPerDay: number | null;
  /** Most unanswered calls to the same number per local day (CN_NIFA: 6). */
  maxUnansweredCallsPerDay: number | null;
  /** Contact with third parties is a violation (CN_NIFA). */
  debtorOnly: boolean;
  /**
   * Borrowers flagged vulnerable are to be handled with care (UK_FCA): carried in the profile a
   * decision shows. The flag itself is the loans subgraph's (`Borrower.vulnerable`, a "handle with
   * care" flag to agencies); no rule blocks on it.
   */
  flagVulnerable: boolean;
}

/** A lender's profile: the jurisdiction it chose and the parameters in force. */
export interface ContactProfile {
  jurisdiction: Jurisdiction;
  parameters: ContactParameters;
}

/** The kinds of hold that pause contact; the protections issue adds their sources. */
export const HOLD_KINDS = ["CEASE", "OPT_OUT", "DISPUTE", "HARDSHIP", "BREATHING_SPACE", "ARRANGEMENT", "PROMISE", "OTHER"] as const;
export type HoldKind = (typeof HOLD_KINDS)[number];

/** A pause of contact on a case: on some channels (empty: every channel), from `startsAt` until `endsAt` (null: until an event lifts it). */
export interface ContactHold {
  holdId: string;
  kind: HoldKind;
  channels: Channel[];
  startsAt: Date;
  endsAt: Date | null;
}

/** One past contact with the borrower, as the counting rules need it. */
export interface PastContact {
  /**
   * The case (debt) it was about. The per-debt rules (call attempts, the quiet period) count the
   * contacts of the situation's own case; the per-debtor ones (connected calls, unanswered
   * calls to a number) every contact with the borrower. Absent: the situation's case.
   */
  caseId?: string;
  occurredAt: Date;
  channel: Channel;
  direction: Direction;
  outcome: Outcome;
  party: Party;
  /** Which number or address was used (an opaque label such as "phone"); unanswered calls are counted per contact point. */
  contactPoint: string;
}

/** Who wants to make the contact, and what they hold (agencies: from the case directory). */
export interface ContactActor {
  role: "lender" | "agency";
  /** An agency's ACTIVE placement of the case now; always true for the case's own lender. */
  holdsCase: boolean;
  /** The channels the agency may use (null: not known, not checked; always null for a lender). */
  allowedChannels: Channel[] | null;
}

/** Everything a decision is made from: pure data, no database. */
export interface ContactSituation {
  /** The case (debt) asked about; absent: every contact in `history` is of this case. */
  caseId?: string;
  /** The instant asked about. */
  at: Date;
  channel: Channel;
  party: Party;
  /** The contact point a call would use (for the unanswered-calls rule); "phone" by default. */
  contactPoint: string;
  /** The borrower's IANA time zone (null: not known yet; the hours rule then blocks, nextAllowedAt null). */
  timeZone: string | null;
  profile: ContactProfile;
  /** Holds on the case (the engine checks which block `channel` at which instant). */
  holds: ContactHold[];
  /**
   * The borrower's contacts (this case's, and for the per-debtor rules its other cases'), at
   * least those of the quiet period and the 8 local days before `at` (any order). For a decision
   * only those before `at` count; for a reported contact (breachesOf) every other contact in it,
   * so give the days after it too (up to 7): a report that arrives late is judged with the
   * contacts already stored on its day and the windows that hold it.
   */
  history: PastContact[];
  actor: ContactActor;
  /** The contact asked about is a notice the law requires: CEASE holds do not block it (see ReportedContact.required). @default false */
  required?: boolean;
}

/** A rule that blocks a contact: its name, why, and until when (null: only an event can lift it). */
export interface Block {
  rule: RuleName;
  message: string;
  until: Date | null;
}

/** A contact that happened against a rule (an activity's violation). */
export interface Breach {
  rule: RuleName;
  message: string;
  /** The rule's limit as the profile sets it, for example "7 call attempts in 7 days" or "08:00-21:00". */
  limit: string;
  /** What was observed, for example "8" or "21:00 America/New_York". */
  observed: string;
}

/** The counters a decision used, for the caller to see. */
export interface ContactCounters {
  /** Call attempts on the case in the 7 local days ending with the day of `at`. */
  callAttemptsInWindow: number;
  /** Connected calls to the debtor on the local day of `at`. */
  connectedCallsToday: number;
  /** Unanswered calls to `contactPoint` on the local day of `at`. */
  unansweredCallsToday: number;
  /** The last telephone conversation with the borrower before `at`, if any. */
  lastConversationAt: Date | null;
}

export interface ContactDecisionResult {
  allowed: boolean;
  blockedBy: Block[];
  /** The earliest instant at or after `at` at which every rule allows; null when only an event can lift a block (or none is found within a year). */
  nextAllowedAt: Date | null;
  counters: ContactCounters;
}

/** The activity being reported, checked against the rules at its `occurredAt`. */
export interface ReportedContact extends PastContact {
  /**
   * A notice the law requires (a LETTER or EMAIL the lender must send even under a cease
   * request, DESIGN): CEASE holds do not apply to it; every other rule does. @default false
   */
  required?: boolean;
}

/** Every rule's name, as it appears in `blockedBy.rule`, `violations.rule` and revealContact's refusal. */
export const RULE_NAMES = [
  "CONTACT_HOURS",
  "BLOCKED_DAY",
  "CALL_ATTEMPTS_7_DAYS",
  "QUIET_AFTER_CONVERSATION",
  "CONNECTED_CALLS_PER_DAY",
  "UNANSWERED_CALLS_PER_DAY",
  "CONTACT_HOLD",
  "AGENCY_CHANNEL",
  "ACTIVE_PLACEMENT",
  "DEBTOR_ONLY",
  "TIME_ZONE_UNKNOWN",
] as const;
export type RuleName = (typeof RULE_NAMES)[number];

/**
 * One rule: a named unit reading its parameters from the profile. `block` answers for a contact
 * about to be made at `s.at` (with `s.history` as it stands); `breach` for a contact that was
 * made (`s.history` holds the contacts before it, not it).
 */
export interface ContactRule {
  name: RuleName;
  /** What the rule says, in words a compliance officer checks (README and docs list these). */
  description: string;
  block(s: ContactSituation): Block | null;
  breach(s: ContactSituation, made: ReportedContact): Breach | null;
}
