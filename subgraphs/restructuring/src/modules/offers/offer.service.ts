import { createHash } from "node:crypto";
import type { DataSource, EntityManager } from "typeorm";
import {
  CLOSED_CASE_STATUSES,
  type OfferDecidedPayload,
  type OfferProposedPayload,
  type PlanStartedPayload,
  type Principal,
} from "@concord/schema";
import {
  appendToOutbox,
  badInput,
  CaseDirectory,
  conflict,
  forbidden,
  isUuid,
  localDate,
  newEvent,
  notFound,
  refusedAsNotFound,
  uuidv7,
  type CaseEntry,
  type Clock,
} from "@concord/service-kit";
import { caseFigures } from "../figures/case-figures";
import type { ProposeOfferInput } from "./offer.inputs";
import { OfferKind, OPEN_OFFER_STATUSES } from "./offer.type";
import { scheduleOffer, type OfferSchedule, type OfferTerms } from "./schedule";

/** An offer nobody answers lapses after this long unless its proposer says otherwise. */
export const DEFAULT_OFFER_DAYS = 14;
/** The furthest ahead a proposer may set an offer's expiry. */
export const MAX_OFFER_DAYS = 90;
const DAY_MS = 86_400_000;
/** Free text a lender or borrower may write on a decision. */
const MAX_TEXT = 2000;

const text = (v: string | null | undefined, field: string): string | null => {
  const t = v?.trim() ?? "";
  if (t.length > MAX_TEXT) throw badInput(`${field} is at most ${MAX_TEXT} characters`, field);
  return t.length ? t : null;
};

/** A case's offers and plans take turns: two acceptances at once see each other's plan. */
export const lockCase = (tx: EntityManager, caseId: string) => tx.query("SELECT pg_advisory_xact_lock(hashtextextended($1, 41))", [caseId]);

/** The terms of each kind: any other term given is BAD_USER_INPUT, so an offer says only what it means. */
const TERMS_OF: Record<OfferKind, ReadonlyArray<keyof OfferTerms>> = {
  INSTALLMENT_PLAN: ["instalments", "frequency", "firstDueDate"],
  INTEREST_WAIVER: ["waivedInterestMinor", "waivedInterestBps", "instalments", "frequency", "firstDueDate"],
  TERM_EXTENSION: ["extraMonths", "firstDueDate"],
  SETTLEMENT: ["discountBps", "instalments", "frequency", "firstDueDate"],
  PAYMENT_HOLIDAY: ["months", "interestAccrues", "firstDueDate"],
};
const TERM_FIELDS: ReadonlyArray<keyof OfferTerms> = [
  "instalments", "frequency", "firstDueDate", "waivedInterestMinor", "waivedInterestBps", "extraMonths", "discountBps", "months", "interestAccrues",
];

/** The offer as checked and normalised: its terms, the expiry asked for, and the hash a retry must match. */
function normalise(i: ProposeOfferInput, now: Date) {
  const key = i.idempotencyKey?.trim() ?? "";
  if (key.length < 1 || key.length > 200) throw badInput("idempotencyKey must be 1 to 200 characters", "idempotencyKey");
  if (!Object.values(OfferKind).includes(i.kind)) throw badInput("Unknown kind", "kind");
  const terms: OfferTerms = { kind: i.kind };
  for (const field of TERM_FIELDS) {
    const v = (i as unknown as Record<string, unknown>)[field];
    if (v === null || v === undefined) continue;
    if (!TERMS_OF[i.kind].includes(field)) throw badInput(`${field} is not a term of ${i.kind}`, field);
    (terms as unknown as Record<string, unknown>)[field] = v;
  }
  if (i.kind === "PAYMENT_HOLIDAY") terms.interestAccrues = i.interestAccrues ?? false;
  const asked = i.expiresAt ?? null;
  if (asked !== null) {
    if (!(asked instanceof Date) || Number.isNaN(asked.getTime())) throw badInput("expiresAt must be a date-time", "expiresAt");
    if (asked.getTime() <= now.getTime()) throw badInput("expiresAt must be after now", "expiresAt");
    if (asked.getTime() > now.getTime() + MAX_OFFER_DAYS * DAY_MS) throw badInput(`expiresAt is at most ${MAX_OFFER_DAYS} days ahead`, "expiresAt");
  }
  // Stored and hashed with minor units as strings (JSON has no bigint).
  const stored = Object.fromEntries(Object.entries(terms).map(([k, v]) => [k, typeof v === "bigint" ? v.toString() : v]));
  const content = { caseId: i.caseId.toLowerCase(), terms: stored, expiresAt: asked?.toISOString() ?? null };
  const hash = createHash("sha256").update(JSON.stringify(content)).digest("base64url");
  return { key, terms, stored, expiresAt: asked ?? new Date(now.getTime() + DEFAULT_OFFER_DAYS * DAY_MS), hash };
}

/**
 * The discount an offer gives, in basis points of the outstanding balance, as delegated authority
 * is measured: a SETTLEMENT's own discountBps; for any other kind what it forgives, rounded up (so
 * a waiver one minor unit over the limit is over it).
 */
export function discountBpsOf(terms: OfferTerms, s: OfferSchedule, outstanding: bigint): number {
  if (terms.kind === "SETTLEMENT") return terms.discountBps ?? 0;
  if (s.totalForgivenMinor === 0n) return 0;
  if (outstanding <= 0n) return 10_000;
  return Number((s.totalForgivenMinor * 10_000n + outstanding - 1n) / outstanding);
}

/**
 * Whether an agency's offer is within the authority its placement delegates: a discount up to
 * maxDiscountBps and instalments up to maxInstalments, both inclusive. A placement whose event
 * predates the authority being carried delegates none: every offer then waits for approval.
 */
export function withinAuthority(placement: { maxDiscountBps: number | null; maxInstalments: number | null }, discountBps: number, instalments: number): boolean {
  if (placement.maxDiscountBps === null || placement.maxInstalments === null) return false;
  return discountBps <= placement.maxDiscountBps && instalments <= placement.maxInstalments;
}

/** The case `p` may propose on: a lender's own, an agency's held now. Others are NOT_FOUND (FORBIDDEN to an agency that held it once). */
async function proposableCase(directory: CaseDirectory, p: Principal, caseId: string): Promise<CaseEntry> {
  const entry = isUuid(caseId) ? await directory.entry(caseId) : null;
  if (!entry) throw notFound("CollectionCase", caseId);
  if (p.role === "lender") {
    if (entry.lenderId !== p.lenderId) throw refusedAsNotFound("CollectionCase", caseId, entry.caseId);
    return entry;
  }
  if (entry.activePlacement?.agencyId === p.agencyId) return entry;
  if (await directory.heldEver(p.agencyId!, [entry.caseId])) throw forbidden("offers on a case your agency no longer holds", entry.caseId);
  throw refusedAsNotFound("CollectionCase", caseId, entry.caseId);
}

/**
 * A lender on its own case, or an agency on a case it holds, proposes an offer: its exact
 * schedule is calculated from the case's figures (as the loans subgraph last told them) on the
 * lender's business date, and it is PROPOSED to the borrower at once, unless it is an agency's
 * beyond its placement's delegated authority, which waits PENDING_APPROVAL for the lender.
 * A retry with the same idempotency key returns the first offer; the key with other content
 * is CONFLICT. OfferProposed is written with it.
 */
export async function proposeOffer(ds: DataSource, clock: Clock, p: Principal, input: ProposeOfferInput, correlationId: string | null): Promise<Record<string, any>> {
  if (p.role !== "lender" && p.role !== "agency") throw forbidden("offers");
  const org = p.role === "lender" ? p.lenderId : p.agencyId;
  if (!org || !isUuid(org)) throw forbidden("offers");
  const now = clock.now();
  const n = normalise(input, now);
  return ds.transaction(async (tx) => {
    const directory = new CaseDirectory(tx, clock);
    const entry = await proposableCase(directory, p, input.caseId);
    const [stored] = await tx.query("SELECT * FROM offer WHERE proposer_org = $1 AND idempotency_key = $2", [org, n.key]);
    if (stored) return replay(stored, n.hash);
    if (CLOSED_CASE_STATUSES.includes(entry.status)) throw conflict(`The case is ${entry.status}: there is nothing left to restructure`);
    const [active] = await tx.query("SELECT id FROM plan WHERE case_id = $1 AND status = 'ACTIVE'", [entry.caseId]);
    if (active) throw conflict("The case already has an ACTIVE plan");
    const [escalated] = await tx.query("SELECT 1 FROM legal_escalation WHERE case_id = $1", [entry.caseId]);
    if (escalated) throw conflict("The case was escalated to legal action: negotiation on it is over");
    const known = await caseFigures(tx, entry.caseId);
    if (!known) throw conflict("The case's figures have not reached restructuring yet; retry shortly");
    // The lender's business date; before an event carried its time zone, the date its figures are for.
    const today = known.lenderTimezone ? localDate(now, known.lenderTimezone) : known.asOf;
    const s = scheduleOffer(n.terms, known.figures, today);
    if (s.schedule.length === 0) throw badInput("The offer asks for no payment", "kind");
    const placement = entry.activePlacement;
    const status =
      p.role === "agency" && placement && !withinAuthority(placement, discountBpsOf(n.terms, s, known.figures.outstandingMinor), s.schedule.length)
        ? "PENDING_APPROVAL"
        : "PROPOSED";
    const id = uuidv7(now.getTime());
    const schedule = s.schedule.map((x) => ({ sequence: x.sequence, dueDate: x.dueDate, amountMinor: x.amountMinor.toString() }));
    const [row] = await tx.query(
      `INSERT INTO offer (id, case_id, lender_id, borrower_id, agency_id, proposed_by_role, proposer_org, proposed_by, idempotency_key, content_hash,
         kind, terms, schedule, total_payable_minor, total_forgiven_minor, currency, status, version, expires_at, created_at, proposed_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, 1, $18, $19, $20)
       ON CONFLICT (proposer_org, idempotency_key) DO NOTHING RETURNING *`,
      [id, entry.caseId, entry.lenderId, entry.borrowerId, p.role === "agency" ? p.agencyId : null, p.role, org, p.sub, n.key, n.hash,
        n.terms.kind, JSON.stringify(n.stored), JSON.stringify(schedule), s.totalPayableMinor.toString(), s.totalForgivenMinor.toString(),
        known.figures.currency, status, n.expiresAt, now, status === "PROPOSED" ? now : null],
    );
    if (!row) {
      // The same key was just used by a concurrent call of the same proposer.
      const [winner] = await tx.query("SELECT * FROM offer WHERE proposer_org = $1 AND idempotency_key = $2", [org, n.key]);
      if (!winner) throw conflict("This idempotencyKey is being used concurrently; retry");
      return replay(winner, n.hash);
    }
    const payload: OfferProposedPayload = {
      offerId: id,
      caseId: entry.caseId,
      kind: n.terms.kind,
      status,
      proposedByRole: p.role as "lender" | "agency",
      agencyId: row.agency_id,
      instalments: s.schedule.length,
      totalPayableMinor: s.totalPayableMinor.toString(),
      totalForgivenMinor: s.totalForgivenMinor.toString(),
      currency: known.figures.currency,
      expiresAt: n.expiresAt.toISOString(),
    };
    await appendToOutbox(tx, [newEvent({ type: "OfferProposed", aggregateType: "Offer", aggregateId: id, aggregateVersion: 1, lenderId: entry.lenderId, payload, correlationId }, now)]);
    return row;
  });
}

function replay(stored: Record<string, any>, hash: string): Record<string, any> {
  if (stored.content_hash !== hash) throw conflict("This idempotencyKey was already used for a different offer");
  return stored;
}

/** An offer as `p` may act on it, locked: NOT_FOUND unless `visible` says `p` may see it. */
async function lockedOffer(tx: EntityManager, offerId: string, visible: (row: Record<string, any>) => boolean): Promise<Record<string, any>> {
  if (!isUuid(offerId)) throw notFound("Offer", offerId);
  const [found] = await tx.query("SELECT case_id FROM offer WHERE id = $1", [offerId.toLowerCase()]);
  if (!found) throw notFound("Offer", offerId);
  // The case lock first, then the row: acceptances, decisions and the expiry job take them in that order.
  await lockCase(tx, found.case_id);
  const [row] = await tx.query("SELECT * FROM offer WHERE id = $1 FOR UPDATE", [offerId.toLowerCase()]);
  if (!visible(row)) throw refusedAsNotFound("Offer", offerId, row.id);
  return row;
}

const lapsed = (row: Record<string, any>, now: Date) => new Date(row.expires_at).getTime() <= now.getTime();

function assertOpen(row: Record<string, any>, now: Date, expected: string): void {
  if (OPEN_OFFER_STATUSES.includes(row.status) && lapsed(row, now)) throw conflict(`The offer expired at ${new Date(row.expires_at).toISOString()}`);
  if (row.status !== expected) throw conflict(`The offer is ${row.status}, not ${expected}`);
}

/** Moves an offer's status (its version raised) and writes the event of the move. */
async function decide(
  tx: EntityManager,
  row: Record<string, any>,
  to: OfferDecidedPayload["status"],
  type: "OfferApproved" | "OfferRejected" | "OfferWithdrawn" | "OfferExpired" | "OfferAccepted",
  by: OfferDecidedPayload["byRole"],
  note: string | null,
  now: Date,
  correlationId: string | null,
  planId: string | null = null,
): Promise<Record<string, any>> {
  const [[updated]] = await tx.query(
    `UPDATE offer SET status = $2, version = version + 1, decided_at = $3, decided_by_role = $4,
       decision_note = CASE WHEN $6 THEN decision_note ELSE COALESCE($5, decision_note) END,
       approval_note = CASE WHEN $6 THEN COALESCE($5, approval_note) ELSE approval_note END,
       proposed_at = CASE WHEN $2 = 'PROPOSED' THEN $3 ELSE proposed_at END
     WHERE id = $1 RETURNING *`,
    // An approval's note speaks of the agency's authority: kept apart from what the borrower may read.
    [row.id, to, now, by, note, type === "OfferApproved"],
  );
  const payload: OfferDecidedPayload = { offerId: row.id, caseId: row.case_id, status: to, byRole: by, planId };
  await appendToOutbox(tx, [
    newEvent({ type, aggregateType: "Offer", aggregateId: row.id, aggregateVersion: Number(updated.version), lenderId: row.lender_id, payload, correlationId }, now),
  ]);
  return updated;
}

const ownLenders = (p: Principal) => (row: Record<string, any>) => p.role === "lender" && row.lender_id === p.lenderId;
/** The borrower's own offer, once it was put to it. */
const borrowers = (p: Principal) => (row: Record<string, any>) => p.role === "borrower" && !!row.borrower_id && row.borrower_id === p.borrowerId && !!row.proposed_at;

/** The case's lender approves an agency's offer pending its approval: it is PROPOSED to the borrower from now. */
export async function approveOffer(ds: DataSource, clock: Clock, p: Principal, offerId: string, note: string | null | undefined, correlationId: string | null) {
  if (p.role !== "lender" || !p.lenderId) throw forbidden("offer approvals");
  const why = text(note, "note");
  const now = clock.now();
  return ds.transaction(async (tx) => {
    const row = await lockedOffer(tx, offerId, ownLenders(p));
    assertOpen(row, now, "PENDING_APPROVAL");
    return decide(tx, row, "PROPOSED", "OfferApproved", "lender", why, now, correlationId);
  });
}

/**
 * Rejects an offer: the case's lender one pending its approval, the borrower one proposed to it
 * (an offer never put to the borrower is NOT_FOUND to it, as an unknown one is).
 */
export async function rejectOffer(ds: DataSource, clock: Clock, p: Principal, offerId: string, reason: string | null | undefined, correlationId: string | null) {
  if (p.role !== "lender" && p.role !== "borrower") throw forbidden("offer rejections");
  const why = text(reason, "reason");
  const now = clock.now();
  return ds.transaction(async (tx) => {
    const row = await lockedOffer(tx, offerId, p.role === "lender" ? ownLenders(p) : borrowers(p));
    assertOpen(row, now, p.role === "lender" ? "PENDING_APPROVAL" : "PROPOSED");
    return decide(tx, row, "REJECTED", "OfferRejected", p.role as "lender" | "borrower", why, now, correlationId);
  });
}

/** Whoever proposed an offer withdraws it while it is open: the lender its own, an agency its own while it holds the case. */
export async function withdrawOffer(ds: DataSource, clock: Clock, p: Principal, offerId: string, correlationId: string | null) {
  if (p.role !== "lender" && p.role !== "agency") throw forbidden("offer withdrawals");
  const now = clock.now();
  return ds.transaction(async (tx) => {
    const directory = new CaseDirectory(tx, clock);
    const row = await lockedOffer(tx, offerId, (r) => (p.role === "lender" ? r.lender_id === p.lenderId : r.agency_id === p.agencyId));
    if (p.role === "agency" && !(await directory.agencyHoldsAny(p.agencyId!, [row.case_id]))) throw forbidden("offers on a case your agency no longer holds", row.id);
    // The lender sees an agency's offers but did not make them: it rejects one pending its approval instead.
    if (p.role === "lender" && row.proposed_by_role !== "lender") throw forbidden("withdrawing an agency's offer (reject it while it awaits your approval)", row.id);
    if (OPEN_OFFER_STATUSES.includes(row.status) && lapsed(row, now)) throw conflict(`The offer expired at ${new Date(row.expires_at).toISOString()}`);
    if (!OPEN_OFFER_STATUSES.includes(row.status)) throw conflict(`The offer is ${row.status}: only an open offer can be withdrawn`);
    return decide(tx, row, "WITHDRAWN", "OfferWithdrawn", p.role as "lender" | "agency", null, now, correlationId);
  });
}

/**
 * The borrower accepts an offer proposed to it, at the version it saw: the offer is ACCEPTED and
 * becomes the case's ACTIVE plan, its instalments copied from the schedule (each DUE), with
 * OfferAccepted and PlanStarted. A stale version, an offer no longer PROPOSED or past its expiry,
 * and a case that already has an ACTIVE plan are CONFLICT; of two acceptances at once (the same
 * offer twice, or two offers of a case) one makes the plan and the other is CONFLICT (the case
 * lock, and the unique index on a case's ACTIVE plan behind it).
 */
export async function acceptOffer(ds: DataSource, clock: Clock, p: Principal, offerId: string, version: number, correlationId: string | null) {
  if (p.role !== "borrower" || !p.borrowerId) throw forbidden("offer acceptances");
  if (!Number.isInteger(version) || version < 1) throw badInput("version must be a positive integer", "version");
  const now = clock.now();
  return ds.transaction(async (tx) => {
    const row = await lockedOffer(tx, offerId, borrowers(p));
    assertOpen(row, now, "PROPOSED");
    if (Number(row.version) !== version) throw conflict(`The offer changed since version ${version}: it is at version ${row.version}`);
    const entry = await new CaseDirectory(tx, clock).entry(row.case_id);
    if (entry && CLOSED_CASE_STATUSES.includes(entry.status)) throw conflict(`The case is ${entry.status}: there is nothing left to pay`);
    const [active] = await tx.query("SELECT id FROM plan WHERE case_id = $1 AND status = 'ACTIVE'", [row.case_id]);
    if (active) throw conflict("The case already has an ACTIVE plan");
    // Escalated to legal action (the escalation takes this same case lock): no plan starts after it.
    const [escalated] = await tx.query("SELECT 1 FROM legal_escalation WHERE case_id = $1", [row.case_id]);
    if (escalated) throw conflict("The case was escalated to legal action: no offer on it can be accepted");
    const planId = uuidv7(now.getTime());
    const [plan] = await tx.query(
      `INSERT INTO plan (id, offer_id, case_id, lender_id, borrower_id, status, total_payable_minor, total_forgiven_minor, currency, started_at)
       VALUES ($1, $2, $3, $4, $5, 'ACTIVE', $6, $7, $8, $9) ON CONFLICT DO NOTHING RETURNING *`,
      [planId, row.id, row.case_id, row.lender_id, row.borrower_id, row.total_payable_minor, row.total_forgiven_minor, row.currency, now],
    );
    // The index behind the lock: another ACTIVE plan of the case committed meanwhile.
    if (!plan) throw conflict("The case already has an ACTIVE plan");
    const schedule = row.schedule as Array<{ sequence: number; dueDate: string; amountMinor: string }>;
    await tx.query(
      `INSERT INTO plan_instalment (plan_id, sequence, due_date, amount_minor, status)
       SELECT $1, s.sequence, s.due_date, s.amount_minor, 'DUE' FROM unnest($2::int[], $3::date[], $4::bigint[]) AS s(sequence, due_date, amount_minor)`,
      [planId, schedule.map((s) => s.sequence), schedule.map((s) => s.dueDate), schedule.map((s) => s.amountMinor)],
    );
    await tx.query("INSERT INTO plan_event (plan_id, version, at, change, status, paid_minor) VALUES ($1, 1, $2, 'STARTED', 'ACTIVE', 0)", [planId, now]);
    const accepted = await decide(tx, row, "ACCEPTED", "OfferAccepted", "borrower", null, now, correlationId, planId);
    // The case's other open offers go with it: none can start a second plan on old terms once this one ends.
    await withdrawOpenOffers(tx, row.case_id, now, correlationId);
    const payload: PlanStartedPayload = {
      planId,
      offerId: row.id,
      caseId: row.case_id,
      borrowerId: row.borrower_id,
      kind: row.kind,
      status: "ACTIVE",
      instalments: schedule.length,
      firstDueDate: schedule[0]!.dueDate,
      lastDueDate: schedule[schedule.length - 1]!.dueDate,
      totalPayableMinor: String(row.total_payable_minor),
      totalForgivenMinor: String(row.total_forgiven_minor),
      currency: String(row.currency).trim(),
    };
    await appendToOutbox(tx, [newEvent({ type: "PlanStarted", aggregateType: "Plan", aggregateId: planId, aggregateVersion: 1, lenderId: row.lender_id, payload, correlationId }, now)]);
    return { offer: accepted, planId };
  });
}

/**
 * Withdraws every open offer (DRAFT, PENDING_APPROVAL, PROPOSED) of the case, by the system, each
 * with OfferWithdrawn: when one was accepted, or the case went to legal action. The caller holds
 * the case lock.
 */
export async function withdrawOpenOffers(tx: EntityManager, caseId: string, now: Date, correlationId: string | null): Promise<number> {
  const open: Array<Record<string, any>> = await tx.query(
    "SELECT * FROM offer WHERE case_id = $1 AND status IN ('DRAFT', 'PENDING_APPROVAL', 'PROPOSED') ORDER BY id FOR UPDATE",
    [caseId],
  );
  for (const row of open) await decide(tx, row, "WITHDRAWN", "OfferWithdrawn", "system", null, now, correlationId);
  return open.length;
}

/**
 * The "expire-offers" job: every open offer (DRAFT, PENDING_APPROVAL, PROPOSED) whose expiresAt
 * has come is EXPIRED, its version raised, with OfferExpired. Acceptance already refuses an
 * offer from its expiresAt on, whether or not this has run. Returns how many it expired.
 */
export async function expireOffers(ds: DataSource, clock: Clock): Promise<number> {
  const now = clock.now();
  const due: Array<{ id: string }> = await ds.query(
    "SELECT id FROM offer WHERE status = ANY($1::text[]) AND expires_at <= $2 ORDER BY expires_at, id",
    [OPEN_OFFER_STATUSES, now],
  );
  let n = 0;
  for (const { id } of due) {
    await ds.transaction(async (tx) => {
      const row = await lockedOffer(tx, id, () => true);
      // Answered (or withdrawn) since it was read: nothing to expire.
      if (!OPEN_OFFER_STATUSES.includes(row.status) || !lapsed(row, now)) return;
      await decide(tx, row, "EXPIRED", "OfferExpired", "system", null, now, `job:expire-offers:${now.toISOString()}`);
      n++;
    });
  }
  return n;
}
