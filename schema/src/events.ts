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

/** Payload of the loans subgraph's case events (CaseOpened, CaseUpdated, CaseResolved). */
export interface CaseEventPayload extends Record<string, unknown> {
  caseId: string;
  loanId: string;
  borrowerId: string;
  /** The borrower's region (town): coarse enough for allocation, never the address. */
  region: string;
  status: string;
  daysPastDue: number;
  bucket: string | null;
  amountOverdueMinor: MinorUnitsString;
  outstandingBalanceMinor: MinorUnitsString;
  currency: string;
  asOf: string;
  /** The fields that changed (CaseUpdated). */
  changed?: string[];
}

/** Payload of PaymentRecorded. */
export interface PaymentRecordedPayload extends Record<string, unknown> {
  paymentId: string;
  loanId: string;
  /** Whose loan: lets a borrower's subscription find its own payments. */
  borrowerId: string;
  caseId: string | null;
  amountMinor: MinorUnitsString;
  currency: string;
  receivedAt: string;
}

/** Payload of PlacementStarted (agencies subgraph). */
export interface PlacementStartedPayload extends Record<string, unknown> {
  placementId: string;
  caseId: string;
  agencyId: string;
  placedAt: string;
  expiresAt: string;
}

/** Payload of PlacementEnded (agencies subgraph): RECALLED, RETURNED, EXPIRED or COMPLETED. */
export interface PlacementEndedPayload extends Record<string, unknown> {
  placementId: string;
  caseId: string;
  agencyId: string;
  status: string;
  endedAt: string;
}

/** Payload of HomeVisitApproved (agencies subgraph). */
export interface HomeVisitApprovedPayload extends Record<string, unknown> {
  visitId: string;
  caseId: string;
  agencyId: string;
  windowStart: string;
  windowEnd: string;
}

/** Payload of HomeVisitCompleted and HomeVisitCancelled (agencies subgraph). */
export interface HomeVisitClosedPayload extends Record<string, unknown> {
  visitId: string;
  caseId: string;
  agencyId: string;
}

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
} as const;
export type EventType = keyof typeof EVENT_TYPES;

/** The bus subject of an event: `<AggregateType>.<EventType>`. */
export const subjectOf = (e: { aggregateType: string; type: string }) => `${e.aggregateType}.${e.type}`;
