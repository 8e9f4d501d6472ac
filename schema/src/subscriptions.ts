import { subjectOf, type EventEnvelope } from "./events";
import type { Principal, Role } from "./principal";
import type { ScopeName } from "./scopes";

/**
 * The live subscriptions, declared once.
 *
 * A subscription field is declared twice over, and both halves are declarations: its GraphQL
 * shape in the subgraph that owns its payload (so it composes into the supergraph), and here
 * what feeds it — which bus events, who they concern, and which ordinary queries resolve the
 * payload's objects (one per kind of event, or one for all). The gateway serves every entry of {@link SUBSCRIPTIONS} the same way; adding
 * a field (restructuring's planUpdated, say) is one more entry, not new plumbing.
 */

/** What the gateway has learnt from the bus about who holds a case since it started. */
export interface DeliveryFacts {
  /** The agency holding the case's ACTIVE placement; null when none; undefined when not known. */
  caseHolder(caseId: string): string | null | undefined;
}

/**
 * How the gateway learns which agency holds a case whose placement events it has not seen since
 * it started: an ordinary query through the graph, asked as the case's lender, for an id only.
 */
export interface HolderLookup {
  /** The query; `$id` is the case id. */
  query: string;
  /** Who asks: the case's own lender (never an agency on the chance that it holds the case). */
  principal(lenderId: string): Principal;
  /**
   * The holding agency's id from the answer, or null when nobody holds the case. Throws when
   * the answer does not say (errors, no case): the holder stays unknown and is asked again.
   */
  read(answer: { data?: Record<string, unknown> | null; errors?: readonly unknown[] }): string | null;
}

/** Who holds a case: `collectionCase { activePlacement { agency { id } } }` (agencies extends the case). */
export const CASE_HOLDER: HolderLookup = {
  query: "query ConcordCaseHolder($id: ID!) { collectionCase(id: $id) { activePlacement { agency { id } } } }",
  principal: (lenderId) => ({ sub: "concord-gateway", role: "lender", lenderId, scope: ["cases:read", "placements:read", "agencies:read"] }),
  read(answer) {
    // Any error (agencies down, say) leaves activePlacement null without meaning "nobody".
    if (answer.errors?.length) throw new Error(`the holder lookup answered with errors: ${JSON.stringify(answer.errors).slice(0, 200)}`);
    const c = answer.data?.collectionCase as { activePlacement?: { agency?: { id?: unknown } | null } | null } | null | undefined;
    if (!c) throw new Error("the holder lookup found no case");
    const id = c.activePlacement?.agency?.id;
    return typeof id === "string" ? id : null;
  },
};

/** One object a subscription's payload carries, and the events it is resolved for. */
export interface EntitySource {
  /** The payload field. */
  field: string;
  /** The root query resolving it as `query(id:)`. */
  query: string;
  /** The object's id in an event; an event without it is not delivered. */
  idOf(e: EventEnvelope): string | null;
  /** The subjects it is resolved for (among the declaration's); omitted, all of them. */
  subjects?: readonly string[];
  /**
   * The scope `query` needs when it is not the declaration's own: a subscriber whose token lacks
   * it is refused the object, so the events it resolves are not delivered to that subscriber
   * (least privilege: a lender's alerts token without `protections:read` hears of no complaint).
   */
  scope?: ScopeName;
}

/** The arguments a subscriber passed, as GraphQL coerced them. */
export type SubscriptionArgs = Record<string, unknown>;

export interface SubscriptionDeclaration {
  /** The field of `Subscription`. */
  field: string;
  /** The roles that may subscribe; anyone else is refused with FORBIDDEN. */
  roles: readonly Role[];
  /**
   * The scope a subscriber's token must grant (refused with FORBIDDEN naming it otherwise). It
   * must also let the subscriber run each `entities[].query`, which resolves an event's object,
   * unless that entity names its own `scope`.
   */
  scope: ScopeName;
  /** The events that feed it, as bus subjects `<AggregateType>.<EventType>`. */
  subjects: readonly string[];
  /**
   * The payload's objects: each payload field `field` is resolved by the root query `query(id:)`
   * through the federated graph with the subscriber's principal, exactly as a query would be.
   * An event's objects are the entries whose `subjects` take its subject (every subject needs
   * one); the payload's other entity fields are null for it. The objects of the event that the
   * subscriber selected are resolved (the first's `__typename` when it selected none), and when
   * it may not see one of them, the event is not delivered to it.
   */
  entities: readonly EntitySource[];
  /** The payload's other fields, taken from the event itself (the cursor is the bus sequence). */
  meta: Record<string, (e: EventEnvelope, cursor: string) => unknown>;
  /**
   * An argument that, when given, confines a subscription to events with that key (caseId: one
   * case). The gateway indexes such subscribers, so an event is checked only against those it
   * may concern. `concerns` must still check it.
   */
  narrowedBy?: { arg: string; keyOf(e: EventEnvelope): string | null };
  /** Whether the event is for this subscriber at all: a cheap check before anything is resolved. */
  concerns(e: EventEnvelope, p: Principal, args: SubscriptionArgs, facts: DeliveryFacts): boolean;
  /** How to learn who holds a case, for declarations whose `concerns` asks `facts.caseHolder`. */
  holders?: HolderLookup;
}

/**
 * Close codes of the gateway's WebSocket, beside graphql-ws's own (4403 Forbidden answers a
 * connection_init without a valid token). Clients reconnect after each of these, resuming with
 * the last cursor they received.
 */
export const WS_CLOSE_CODES = {
  /** The connection's token expired: reconnect with a fresh one. */
  TOKEN_EXPIRED: 4001,
  /** The client read too slowly and its queue filled up: reconnect and resume with the last cursor. */
  SLOW_CONSUMER: 4008,
  /** The gateway is shutting down (standard 1012 Service Restart): reconnect and resume with the last cursor. */
  SERVICE_RESTART: 1012,
} as const;

/** How each event type shows in `CaseUpdate.kind`. */
export const CASE_UPDATE_KINDS: Record<string, string> = {
  "CollectionCase.CaseOpened": "OPENED",
  "CollectionCase.CaseUpdated": "UPDATED",
  "CollectionCase.CaseResolved": "RESOLVED",
  "Loan.PaymentRecorded": "PAYMENT_RECORDED",
  "Placement.PlacementStarted": "PLACEMENT_STARTED",
  "Placement.PlacementEnded": "PLACEMENT_ENDED",
};

const str = (v: unknown) => (typeof v === "string" ? v : null);

/** The case an event is about, whichever subgraph emitted it. */
export function caseIdOf(e: EventEnvelope): string | null {
  return e.aggregateType === "CollectionCase" ? e.aggregateId : str(e.payload.caseId);
}

/** An agency hears of a case while it holds it (the resolution then applies every field rule). */
function agencyHolds(e: EventEnvelope, p: Principal, facts: DeliveryFacts): boolean {
  const caseId = caseIdOf(e);
  if (!caseId || !p.agencyId) return false;
  const holder = facts.caseHolder(caseId);
  // Not known (the gateway could not learn it): the resolution, with the agency's own rights, decides.
  return holder === undefined || holder === p.agencyId;
}

function matchesCaseFilter(e: EventEnvelope, args: SubscriptionArgs): boolean {
  const caseId = args.caseId as string | null | undefined;
  if (caseId && caseId.toLowerCase() !== caseIdOf(e)) return false;
  const filter = args.filter as { kinds?: string[] | null; buckets?: string[] | null } | null | undefined;
  if (filter?.kinds?.length && !filter.kinds.includes(CASE_UPDATE_KINDS[subjectOf(e)]!)) return false;
  // Only case events carry a bucket; with a bucket filter the others do not match.
  if (filter?.buckets?.length && !filter.buckets.includes(str(e.payload.bucket) ?? "")) return false;
  return true;
}

const caseMeta: SubscriptionDeclaration["meta"] = {
  cursor: (_e, cursor) => cursor,
  kind: (e) => CASE_UPDATE_KINDS[subjectOf(e)],
  occurredAt: (e) => e.occurredAt,
  caseId: (e) => caseIdOf(e),
};

const CASE_SUBJECTS = Object.keys(CASE_UPDATE_KINDS);

export const SUBSCRIPTIONS: readonly SubscriptionDeclaration[] = [
  {
    field: "caseUpdated",
    roles: ["lender", "agency"],
    scope: "cases:read",
    subjects: CASE_SUBJECTS,
    entities: [{ field: "case", query: "collectionCase", idOf: caseIdOf }],
    meta: caseMeta,
    narrowedBy: { arg: "caseId", keyOf: caseIdOf },
    concerns: (e, p, args, facts) => {
      if (!caseIdOf(e) || !matchesCaseFilter(e, args)) return false;
      if (p.role === "lender") return e.lenderId === p.lenderId;
      return p.role === "agency" && agencyHolds(e, p, facts);
    },
    holders: CASE_HOLDER,
  },
  {
    field: "myCaseUpdates",
    roles: ["borrower"],
    scope: "cases:read",
    // A borrower follows its own cases and payments; who collects them is the lender's business.
    subjects: ["CollectionCase.CaseOpened", "CollectionCase.CaseUpdated", "CollectionCase.CaseResolved", "Loan.PaymentRecorded"],
    entities: [{ field: "case", query: "collectionCase", idOf: caseIdOf }],
    meta: caseMeta,
    narrowedBy: { arg: "caseId", keyOf: caseIdOf },
    concerns: (e, p, args) => !!caseIdOf(e) && !!p.borrowerId && e.payload.borrowerId === p.borrowerId && matchesCaseFilter(e, args),
  },
  {
    field: "placementsReceived",
    roles: ["agency"],
    scope: "placements:read",
    subjects: ["Placement.PlacementStarted"],
    entities: [{ field: "placement", query: "placement", idOf: (e) => e.aggregateId }],
    meta: {
      cursor: (_e, cursor) => cursor,
      occurredAt: (e) => e.occurredAt,
      placementId: (e) => e.aggregateId,
      caseId: (e) => caseIdOf(e),
    },
    concerns: (e, p) => p.role === "agency" && e.payload.agencyId === p.agencyId,
  },
  {
    field: "complianceAlerts",
    roles: ["lender"],
    scope: "violations:read",
    // A contact rule broken (VIOLATION), and a complaint's response deadline passed unanswered (COMPLAINT_OVERDUE).
    subjects: ["Activity.ComplianceViolation", "Complaint.ComplaintOverdue"],
    entities: [
      { field: "violation", query: "complianceViolation", idOf: (e) => str(e.payload.violationId), subjects: ["Activity.ComplianceViolation"] },
      { field: "complaint", query: "complaint", idOf: (e) => str(e.payload.complaintId), subjects: ["Complaint.ComplaintOverdue"], scope: "protections:read" },
    ],
    meta: {
      cursor: (_e, cursor) => cursor,
      kind: (e) => (e.type === "ComplaintOverdue" ? "COMPLAINT_OVERDUE" : "VIOLATION"),
      occurredAt: (e) => e.occurredAt,
      caseId: (e) => caseIdOf(e),
      rule: (e) => (e.type === "ComplianceViolation" ? str(e.payload.rule) : null),
      stage: (e) => (e.type === "ComplaintOverdue" ? str(e.payload.stage) : null),
    },
    concerns: (e, p) => p.role === "lender" && !!p.lenderId && e.lenderId === p.lenderId,
  },
  {
    field: "planUpdated",
    roles: ["borrower", "lender", "agency"],
    scope: "plans:read",
    // A plan started (the borrower accepted an offer) and every change of it (a payment counted, completed, broken).
    subjects: ["Plan.PlanStarted", "Plan.PlanUpdated"],
    entities: [{ field: "plan", query: "plan", idOf: (e) => e.aggregateId }],
    meta: {
      cursor: (_e, cursor) => cursor,
      kind: (e) => (e.type === "PlanStarted" ? "STARTED" : str(e.payload.change)),
      occurredAt: (e) => e.occurredAt,
      planId: (e) => e.aggregateId,
      caseId: (e) => caseIdOf(e),
    },
    narrowedBy: { arg: "planId", keyOf: (e) => e.aggregateId },
    concerns: (e, p, args, facts) => {
      if (e.aggregateType !== "Plan" || !caseIdOf(e)) return false;
      const planId = args.planId as string | null | undefined;
      if (planId && planId.toLowerCase() !== e.aggregateId) return false;
      if (p.role === "borrower") return !!p.borrowerId && e.payload.borrowerId === p.borrowerId;
      if (p.role === "lender") return !!p.lenderId && e.lenderId === p.lenderId;
      return p.role === "agency" && agencyHolds(e, p, facts);
    },
    holders: CASE_HOLDER,
  },
];
