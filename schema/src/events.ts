import { z } from "zod";

/**
 * The envelope every Concord event travels in, on every bus. Events carry ids, amounts and
 * statuses, never borrower PII (no names, contact data, identity numbers or addresses).
 */
export const eventEnvelopeSchema = z.object({
  /** Time-ordered id (UUIDv7); consumers are idempotent on it. */
  id: z.string().uuid(),
  /** What happened, in the past tense: CaseOpened, PaymentRecorded, ... */
  type: z.string().regex(/^[A-Z][A-Za-z]+$/),
  /** Version of this event type's payload. */
  version: z.number().int().positive(),
  /** The kind of entity that changed, for example CollectionCase. */
  aggregateType: z.string().regex(/^[A-Z][A-Za-z]+$/),
  /** The entity that changed; events of one aggregate are delivered in order. */
  aggregateId: z.string().min(1),
  /**
   * The aggregate's version after this change, assigned by its writer under the aggregate's
   * lock: read models apply an event only when it is newer than what they hold, whatever the
   * wall clocks said. Absent on events written before versions were kept.
   */
  aggregateVersion: z.number().int().positive().optional(),
  /** The lender whose portfolio the event belongs to, when there is one. */
  lenderId: z.string().uuid().nullable(),
  /** ISO-8601 time of the change. */
  occurredAt: z.string().datetime({ offset: true }),
  /** The request or process that started the chain of events. */
  correlationId: z.string().nullable(),
  /** The event (or command) that directly caused this one. */
  causationId: z.string().nullable(),
  payload: z.record(z.string(), z.unknown()),
});

export type EventEnvelope<P extends Record<string, unknown> = Record<string, unknown>> = Omit<
  z.infer<typeof eventEnvelopeSchema>,
  "payload"
> & { payload: P };

/** Money in events: integer minor units as a decimal string (JSON has no 64-bit integers). */
export type MinorUnitsString = string;

const uuid = z.string().uuid();
const instant = z.string().datetime({ offset: true });
const minorUnits = z.string().regex(/^(0|[1-9][0-9]*)$/, "integer minor units as a decimal string");

/** The statuses a collection case moves through (DESIGN.md). */
export const CASE_STATUSES = ["OPEN", "PLACED", "ARRANGEMENT", "DISPUTED", "HARDSHIP", "CEASED", "LEGAL", "RESOLVED", "WRITTEN_OFF"] as const;
/** A case in one of these is over: nobody collects on it, and agencies lose it. */
export const CLOSED_CASE_STATUSES: readonly string[] = ["RESOLVED", "WRITTEN_OFF"];

/** Payload of the loans subgraph's case events (CaseOpened, CaseUpdated, CaseResolved). */
export const caseEventPayloadSchema = z.object({
  caseId: uuid,
  loanId: uuid,
  borrowerId: uuid,
  /** The borrower's region (town): coarse enough for allocation, never the address (absent in the earliest events). */
  region: z.string().optional(),
  /**
   * The borrower's IANA time zone, for contact hours (a home visit's window must sit inside
   * them): not PII. Absent in events written before it was carried.
   */
  timezone: z.string().min(1).optional(),
  status: z.enum(CASE_STATUSES),
  daysPastDue: z.number().int().min(0),
  bucket: z.string().nullable(),
  amountOverdueMinor: minorUnits,
  outstandingBalanceMinor: minorUnits,
  currency: z.string().length(3),
  asOf: z.string(),
  /** The fields that changed (CaseUpdated). */
  changed: z.array(z.string()).optional(),
  /** Unpaid installments left on the loan (overdue ones included); absent in events before it was carried. */
  remainingInstalments: z.number().int().min(0).optional(),
  /** Due date (YYYY-MM-DD) of the next unpaid installment falling due on or after `asOf`; null when none is left to fall due; absent in events before it was carried. */
  nextDueDate: z.string().regex(/^\d{4}-\d{2}-\d{2}$/).nullable().optional(),
  /** The loan's annual interest rate in basis points; absent in events before it was carried. */
  annualRateBps: z.number().int().min(0).optional(),
  /** The lender's IANA time zone (its business calendar); absent in events before it was carried. */
  lenderTimezone: z.string().min(1).optional(),
});
export type CaseEventPayload = z.infer<typeof caseEventPayloadSchema>;

/** Payload of PaymentRecorded. */
export const paymentRecordedPayloadSchema = z.object({
  paymentId: uuid,
  loanId: uuid,
  /** Whose loan: lets a borrower's subscription find its own payments. */
  borrowerId: uuid,
  caseId: uuid.nullable(),
  amountMinor: minorUnits,
  currency: z.string().length(3),
  receivedAt: instant,
});
export type PaymentRecordedPayload = z.infer<typeof paymentRecordedPayloadSchema>;

/**
 * The contact vocabulary events carry. The contact engine (service-kit's contact/types.ts)
 * declares the same lists; schema cannot import it (service-kit depends on schema), so they are
 * repeated here, and the directory's tests check the two agree.
 */
export const CONTACT_CHANNELS = ["CALL", "SMS", "EMAIL", "LETTER", "PUSH", "VISIT"] as const;
export const CONTACT_JURISDICTIONS = ["US_REG_F", "CN_NIFA", "UK_FCA"] as const;
export const CONTACT_HOLD_KINDS = ["CEASE", "OPT_OUT", "DISPUTE", "HARDSHIP", "BREATHING_SPACE", "ARRANGEMENT", "PROMISE", "OTHER"] as const;

/** Payload of PlacementStarted (agencies subgraph), with the authority the agency is delegated. */
export const placementStartedPayloadSchema = z.object({
  placementId: uuid,
  caseId: uuid,
  agencyId: uuid,
  placedAt: instant,
  expiresAt: instant,
  /** Largest discount the agency may offer on its own, in basis points (absent in events before it was carried). */
  maxDiscountBps: z.number().int().min(0).max(10_000).optional(),
  /** Most instalments the agency may offer on its own (absent in events before it was carried). */
  maxInstalments: z.number().int().min(1).optional(),
  /** The channels the agency may use on the case, as at the placement (absent in events before they were carried). */
  channels: z.array(z.enum(CONTACT_CHANNELS)).optional(),
});
export type PlacementStartedPayload = z.infer<typeof placementStartedPayloadSchema>;

/** Payload of PlacementEnded (agencies subgraph): RECALLED, RETURNED, EXPIRED or COMPLETED. */
export const placementEndedPayloadSchema = z.object({
  placementId: uuid,
  caseId: uuid,
  agencyId: uuid,
  status: z.enum(["RECALLED", "RETURNED", "EXPIRED", "COMPLETED"]),
  endedAt: instant,
});
export type PlacementEndedPayload = z.infer<typeof placementEndedPayloadSchema>;

/** Payload of HomeVisitApproved (agencies subgraph). */
export const homeVisitApprovedPayloadSchema = z.object({
  visitId: uuid,
  caseId: uuid,
  agencyId: uuid,
  windowStart: instant,
  windowEnd: instant,
});
export type HomeVisitApprovedPayload = z.infer<typeof homeVisitApprovedPayloadSchema>;

/** Payload of HomeVisitCompleted and HomeVisitCancelled (agencies subgraph). */
export const homeVisitClosedPayloadSchema = z.object({
  visitId: uuid,
  caseId: uuid,
  agencyId: uuid,
});
export type HomeVisitClosedPayload = z.infer<typeof homeVisitClosedPayloadSchema>;

const minuteOfDay = z.number().int().min(0).max(1440);
const cap = z.number().int().min(0).nullable();

/**
 * Payload of ContactProfileSet: a lender's contact profile as now in force, its parameters the
 * effective ones (the jurisdiction's defaults tightened by the lender's overrides, mirroring
 * ContactParameters). Aggregate ContactProfile, id the lender id, aggregateVersion raised per lender.
 */
export const contactProfileSetPayloadSchema = z.object({
  lenderId: uuid,
  jurisdiction: z.enum(CONTACT_JURISDICTIONS),
  parameters: z.object({
    hoursStartMinute: minuteOfDay,
    hoursEndMinute: minuteOfDay,
    blockedWeekdays: z.array(z.number().int().min(1).max(7)),
    blockedDates: z.array(z.string().regex(/^\d{4}-\d{2}-\d{2}$/, "a local date, YYYY-MM-DD")),
    maxCallAttemptsPer7Days: cap,
    quietDaysAfterConversation: cap,
    maxConnectedCallsPerDay: cap,
    maxUnansweredCallsPerDay: cap,
    debtorOnly: z.boolean(),
    flagVulnerable: z.boolean(),
  }),
});
export type ContactProfileSetPayload = z.infer<typeof contactProfileSetPayloadSchema>;

/** Payload of ContactHoldPlaced: contact on a case is paused on `channels` (empty: every channel) from `startsAt` until `endsAt` (null: until lifted). */
export const contactHoldPlacedPayloadSchema = z.object({
  holdId: uuid,
  caseId: uuid,
  kind: z.enum(CONTACT_HOLD_KINDS),
  channels: z.array(z.enum(CONTACT_CHANNELS)),
  startsAt: instant,
  endsAt: instant.nullable(),
});
export type ContactHoldPlacedPayload = z.infer<typeof contactHoldPlacedPayloadSchema>;

/** Payload of ContactHoldLifted: the hold ends at `liftedAt`, for good. */
export const contactHoldLiftedPayloadSchema = z.object({
  holdId: uuid,
  caseId: uuid,
  liftedAt: instant,
});
export type ContactHoldLiftedPayload = z.infer<typeof contactHoldLiftedPayloadSchema>;

/** The states of a dispute: OPEN until the lender resolves it UPHELD, REJECTED or VERIFIED. */
export const DISPUTE_STATUSES = ["OPEN", "UPHELD", "REJECTED", "VERIFIED"] as const;

/**
 * Payload of DisputeRaised: a dispute of the case is open (contact on it is held until it is
 * resolved). Ids and the status only: the borrower's reason is free text and may hold PII.
 */
export const disputeRaisedPayloadSchema = z.object({
  disputeId: uuid,
  caseId: uuid,
  /** The reported activity (outcome DISPUTE_RAISED) that opened it; null when raised directly. */
  activityId: uuid.nullable(),
  status: z.literal("OPEN"),
});
export type DisputeRaisedPayload = z.infer<typeof disputeRaisedPayloadSchema>;

/** Payload of DisputeResolved: the lender resolved the dispute; its hold is lifted. Ids and the resolution, never the note. */
export const disputeResolvedPayloadSchema = z.object({
  disputeId: uuid,
  caseId: uuid,
  status: z.enum(["UPHELD", "REJECTED", "VERIFIED"]),
});
export type DisputeResolvedPayload = z.infer<typeof disputeResolvedPayloadSchema>;

/** The states of a hardship: DECLARED while the lender decides, then APPROVED or REJECTED; an open-ended approved one ENDED by the lender. */
export const HARDSHIP_STATUSES = ["DECLARED", "APPROVED", "REJECTED", "ENDED"] as const;

/**
 * Payload of HardshipDeclared: the borrower (or a reported contact) declared a hardship; contact
 * on the case is held until `holdUntil` while the lender decides. Ids, the status and the hold's
 * end only: the kind and the evidence may be health data, so they never leave outreach.
 */
export const hardshipDeclaredPayloadSchema = z.object({
  hardshipId: uuid,
  caseId: uuid,
  /** The reported activity (outcome HARDSHIP_DECLARED) that opened it; null when declared directly. */
  activityId: uuid.nullable(),
  status: z.literal("DECLARED"),
  holdUntil: instant,
});
export type HardshipDeclaredPayload = z.infer<typeof hardshipDeclaredPayloadSchema>;

/**
 * Payload of HardshipDecided: the lender approved or rejected a hardship, or ended an open-ended
 * one. Ids, the status and the hold's end (null while open-ended; null when rejected) only.
 */
export const hardshipDecidedPayloadSchema = z.object({
  hardshipId: uuid,
  caseId: uuid,
  status: z.enum(["APPROVED", "REJECTED", "ENDED"]),
  holdUntil: instant.nullable(),
});
export type HardshipDecidedPayload = z.infer<typeof hardshipDecidedPayloadSchema>;

/**
 * Payload of HardshipHoldEnded: a hardship's hold ran out by the clock (a pending one after its 14
 * days undecided, an approved one after its days, an ended one after its 30 days). Contact was
 * allowed again from `holdUntil`; the hardship's status is as it was (a lapsed DECLARED one may
 * still be decided, which holds contact again).
 */
export const hardshipHoldEndedPayloadSchema = z.object({
  hardshipId: uuid,
  caseId: uuid,
  status: z.enum(["DECLARED", "APPROVED", "ENDED"]),
  holdUntil: instant,
});
export type HardshipHoldEndedPayload = z.infer<typeof hardshipHoldEndedPayloadSchema>;

/**
 * Payload of NoticeSent: a notice of the catalogue was sent on a case and recorded as an activity.
 * Ids, the stage, channel and language only: the rendered text stays in outreach.
 */
export const noticeSentPayloadSchema = z.object({
  noticeId: uuid,
  caseId: uuid,
  activityId: uuid,
  stage: z.enum(["FIRST_REMINDER", "GRACE_NOTICE", "CREDIT_RECORD_CONSEQUENCE", "LEGAL_WARNING", "VALIDATION_NOTICE"]),
  channel: z.enum(["LETTER", "EMAIL"]),
  language: z.string().min(2),
  /** A notice the law requires (passes a cease request). */
  required: z.boolean(),
  sentAt: instant,
  /** LEGAL_WARNING: the earliest instant a legal step may follow it under the lender's profile then; else null. */
  earliestLegalStepAt: instant.nullable(),
});
export type NoticeSentPayload = z.infer<typeof noticeSentPayloadSchema>;

/** A complaint's categories (fileComplaint). */
export const COMPLAINT_CATEGORIES = ["CONDUCT", "CONTACT_FREQUENCY", "PRIVACY", "AMOUNT", "OTHER"] as const;
/** OPEN until the lender first responds, RESPONDED after a response that is not final, CLOSED by the final one. */
export const COMPLAINT_STATUSES = ["OPEN", "RESPONDED", "CLOSED"] as const;
/** The deadlines a complaint's answers meet: a first response (UK_FCA: the summary resolution) and the final response. */
export const COMPLAINT_STAGES = ["FIRST_RESPONSE", "FINAL_RESPONSE"] as const;

/**
 * Payload of ComplaintFiled: the borrower filed a complaint, or the lender recorded one it
 * received in writing. Ids, the category and the deadlines only: the description is free text
 * and never leaves outreach.
 */
export const complaintFiledPayloadSchema = z.object({
  complaintId: uuid,
  caseId: uuid,
  category: z.enum(COMPLAINT_CATEGORIES),
  filedByRole: z.enum(["borrower", "lender"]),
  status: z.literal("OPEN"),
  receivedAt: instant,
  /** Null where the lender's profile has one deadline only (CN_NIFA). */
  firstResponseDueAt: instant.nullable(),
  finalResponseDueAt: instant,
});
export type ComplaintFiledPayload = z.infer<typeof complaintFiledPayloadSchema>;

/** Payload of ComplaintResponded: the lender responded to a complaint; a final response closes it. Never the response's text. */
export const complaintRespondedPayloadSchema = z.object({
  complaintId: uuid,
  caseId: uuid,
  final: z.boolean(),
  status: z.enum(["RESPONDED", "CLOSED"]),
  /** The next deadline still to meet; null once closed. */
  respondBy: instant.nullable(),
});
export type ComplaintRespondedPayload = z.infer<typeof complaintRespondedPayloadSchema>;

/**
 * Payload of ComplaintMarkedComplex: the lender marked a complaint complex; under CN_NIFA its
 * final deadline moves from 15 to 30 days (elsewhere it is unchanged). Ids and the deadline only.
 */
export const complaintMarkedComplexPayloadSchema = z.object({
  complaintId: uuid,
  caseId: uuid,
  finalResponseDueAt: instant,
});
export type ComplaintMarkedComplexPayload = z.infer<typeof complaintMarkedComplexPayloadSchema>;

/** Payload of ComplaintOverdue: a complaint's deadline passed with no response of that stage. Ids only. */
export const complaintOverduePayloadSchema = z.object({
  complaintId: uuid,
  caseId: uuid,
  stage: z.enum(COMPLAINT_STAGES),
  deadline: instant,
});
export type ComplaintOverduePayload = z.infer<typeof complaintOverduePayloadSchema>;

/** The states of a promise to pay: PENDING until payments keep it (KEPT) or its grace ends (BROKEN). */
export const PROMISE_STATUSES = ["PENDING", "KEPT", "BROKEN"] as const;

/** What every promise event carries: ids, the amount and the due date; never PII (no notes, no contact details). */
const promiseFacts = {
  promiseId: uuid,
  caseId: uuid,
  /** The reported activity (outcome PROMISE_TO_PAY) it came with. */
  activityId: uuid,
  /** The agency that took it; null for the lender's own collectors. */
  agencyId: uuid.nullable(),
  amountMinor: minorUnits,
  currency: z.string().length(3),
  /** A calendar date in the borrower's time zone. */
  dueDate: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, "a local date, YYYY-MM-DD"),
};

/** Payload of PromiseMade: a borrower promised to pay; collection calls are held until the end of the due date. */
export const promiseMadePayloadSchema = z.object({
  ...promiseFacts,
  /** Until when payments keep it: the end of the due date plus the lender's grace days, in the borrower's zone (exclusive). */
  graceEndsAt: instant,
});
export type PromiseMadePayload = z.infer<typeof promiseMadePayloadSchema>;

/** Payload of PromiseKept: payments in the promise's currency reached the lender's threshold; its hold is lifted. */
export const promiseKeptPayloadSchema = z.object({ ...promiseFacts, paidMinor: minorUnits, keptAt: instant });
export type PromiseKeptPayload = z.infer<typeof promiseKeptPayloadSchema>;

/** Payload of PromiseBroken: the grace ended without payments reaching the threshold. */
export const promiseBrokenPayloadSchema = z.object({ ...promiseFacts, paidMinor: minorUnits, brokenAt: instant });
export type PromiseBrokenPayload = z.infer<typeof promiseBrokenPayloadSchema>;

/** Payload of ComplianceViolation: a contact that was made against a contact rule. Ids and the rule, never PII. */
export const complianceViolationPayloadSchema = z.object({
  violationId: uuid,
  activityId: uuid,
  caseId: uuid,
  /** The agency whose contact it was; null for the lender's own. */
  agencyId: uuid.nullable(),
  reporterRole: z.enum(["lender", "agency"]),
  rule: z.string().min(1),
  /** The rule's limit as the profile set it, for example "7 call attempts in 7 days". */
  limit: z.string(),
  /** What was observed, for example "8". */
  observed: z.string(),
  occurredAt: instant,
});
export type ComplianceViolationPayload = z.infer<typeof complianceViolationPayloadSchema>;

/** The kinds of restructuring offer (restructuring subgraph). */
export const OFFER_KINDS = ["INSTALLMENT_PLAN", "INTEREST_WAIVER", "TERM_EXTENSION", "SETTLEMENT", "PAYMENT_HOLIDAY"] as const;
const localDateString = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, "a local date, YYYY-MM-DD");

/**
 * Payload of OfferProposed: an offer was made on a case, PROPOSED to the borrower or (an agency's
 * beyond its delegated authority) PENDING_APPROVAL by the lender. Ids, the kind and the totals;
 * the terms' free text, if any, never leaves restructuring.
 */
export const offerProposedPayloadSchema = z.object({
  offerId: uuid,
  caseId: uuid,
  kind: z.enum(OFFER_KINDS),
  status: z.enum(["PROPOSED", "PENDING_APPROVAL"]),
  proposedByRole: z.enum(["lender", "agency"]),
  /** The proposing agency; null for the lender's own offer. */
  agencyId: uuid.nullable(),
  /** How many payments the schedule asks for. */
  instalments: z.number().int().min(1),
  totalPayableMinor: minorUnits,
  totalForgivenMinor: minorUnits,
  currency: z.string().length(3),
  expiresAt: instant,
});
export type OfferProposedPayload = z.infer<typeof offerProposedPayloadSchema>;

/**
 * Payload of OfferApproved, OfferRejected, OfferWithdrawn, OfferExpired and OfferAccepted: an
 * offer's status moved. Ids, the new status and who moved it; never the note or the reason.
 */
export const offerDecidedPayloadSchema = z.object({
  offerId: uuid,
  caseId: uuid,
  status: z.enum(["PROPOSED", "REJECTED", "WITHDRAWN", "EXPIRED", "ACCEPTED"]),
  /** lender, agency, borrower, or system (expiry). */
  byRole: z.enum(["lender", "agency", "borrower", "system"]),
  /** OfferAccepted: the plan it became; null otherwise. */
  planId: uuid.nullable(),
});
export type OfferDecidedPayload = z.infer<typeof offerDecidedPayloadSchema>;

/** Payload of PlanStarted: the borrower accepted an offer and it became the case's ACTIVE plan. Ids and totals, never PII. */
export const planStartedPayloadSchema = z.object({
  planId: uuid,
  offerId: uuid,
  caseId: uuid,
  /** Whose plan: lets a borrower's subscription find its own plans. */
  borrowerId: uuid.nullable(),
  kind: z.enum(OFFER_KINDS),
  status: z.literal("ACTIVE"),
  instalments: z.number().int().min(1),
  firstDueDate: localDateString,
  lastDueDate: localDateString,
  totalPayableMinor: minorUnits,
  totalForgivenMinor: minorUnits,
  currency: z.string().length(3),
});
export type PlanStartedPayload = z.infer<typeof planStartedPayloadSchema>;

/** The states of a plan: ACTIVE while being paid, COMPLETED once every instalment is paid, BROKEN when one stays unpaid past its grace. */
export const PLAN_STATUSES = ["ACTIVE", "COMPLETED", "BROKEN"] as const;

/**
 * Payload of PlanUpdated: a plan changed (a payment counted, an instalment paid or missed, the
 * plan completed or broken). Every change emits one, with the plan's next version as its
 * aggregateVersion. Ids, figures and dates, never PII.
 */
export const planUpdatedPayloadSchema = z.object({
  planId: uuid,
  offerId: uuid,
  caseId: uuid,
  borrowerId: uuid.nullable(),
  kind: z.enum(OFFER_KINDS),
  status: z.enum(PLAN_STATUSES),
  /** What changed: a payment counted, an instalment's grace ran out, the plan completed or broke. */
  change: z.enum(["PAYMENT", "MISSED", "COMPLETED", "BROKEN"]),
  paidMinor: minorUnits,
  totalPayableMinor: minorUnits,
  totalForgivenMinor: minorUnits,
  currency: z.string().length(3),
  /** The next instalment still due (null once none is: completed or broken). */
  nextDueDate: localDateString.nullable(),
  /** The payment that changed it (change PAYMENT, or COMPLETED by a payment); null otherwise. */
  paymentId: uuid.nullable(),
});
export type PlanUpdatedPayload = z.infer<typeof planUpdatedPayloadSchema>;

/**
 * Payload of CaseEscalatedToLegal: the lender escalated a case to legal action (escalateToLegal)
 * after every check held. The opinion's reference and the reason stay in restructuring.
 */
export const caseEscalatedToLegalPayloadSchema = z.object({
  escalationId: uuid,
  caseId: uuid,
  escalatedAt: instant,
});
export type CaseEscalatedToLegalPayload = z.infer<typeof caseEscalatedToLegalPayloadSchema>;

/** The event types Concord emits, with their current payload versions. */
export const EVENT_TYPES = {
  CaseOpened: 1,
  CaseUpdated: 1,
  CaseResolved: 1,
  PaymentRecorded: 1,
  PlacementStarted: 1,
  PlacementEnded: 1,
  HomeVisitApproved: 1,
  HomeVisitCompleted: 1,
  HomeVisitCancelled: 1,
  ContactProfileSet: 1,
  ContactHoldPlaced: 1,
  ContactHoldLifted: 1,
  ComplianceViolation: 1,
  DisputeRaised: 1,
  DisputeResolved: 1,
  HardshipDeclared: 1,
  HardshipDecided: 1,
  HardshipHoldEnded: 1,
  NoticeSent: 1,
  ComplaintFiled: 1,
  ComplaintResponded: 1,
  ComplaintMarkedComplex: 1,
  ComplaintOverdue: 1,
  PromiseMade: 1,
  PromiseKept: 1,
  PromiseBroken: 1,
  OfferProposed: 1,
  OfferApproved: 1,
  OfferRejected: 1,
  OfferWithdrawn: 1,
  OfferExpired: 1,
  OfferAccepted: 1,
  PlanStarted: 1,
  PlanUpdated: 1,
  CaseEscalatedToLegal: 1,
} as const;
export type EventType = keyof typeof EVENT_TYPES;

/** The bus subject of an event: `<AggregateType>.<EventType>`. */
export const subjectOf = (e: { aggregateType: string; type: string }) => `${e.aggregateType}.${e.type}`;
