import type { DataSource, EntityManager } from "typeorm";
import { CLOSED_CASE_STATUSES, type DisputeRaisedPayload, type DisputeResolvedPayload, type Principal } from "@concord/schema";
import {
  appendToOutbox,
  badInput,
  CaseDirectory,
  conflict,
  forbidden,
  isUuid,
  newEvent,
  notFound,
  refusedAsNotFound,
  uuidv7,
  type CaseEntry,
  type Clock,
} from "@concord/service-kit";
import { ownCase } from "../collection-case/own-case";
import { liftHolds, placeHold } from "../holds/holds";
import { DisputeResolution } from "./dispute.type";

/** What places and lifts a dispute's hold (contact_hold.source_type). */
const SOURCE = "dispute";
/** Free text a borrower or lender may write: enough for a letter's gist, not a document store. */
const MAX_TEXT = 2000;

const text = (v: string | null | undefined, field: string, required: boolean): string | null => {
  const t = v?.trim() ?? "";
  if (t.length > MAX_TEXT) throw badInput(`${field} is at most ${MAX_TEXT} characters`, field);
  if (required && !t.length) throw badInput(`${field} is required`, field);
  return t.length ? t : null;
};

/** A case's disputes (raising, resolving) take turns, so a case never has two open at once. */
const lockCase = (tx: EntityManager, caseId: string) => tx.query("SELECT pg_advisory_xact_lock(hashtextextended($1, 13))", [caseId]);

/** Who opens a dispute, and from what. */
export interface DisputeOpening {
  raisedByRole: "borrower" | "lender" | "agency";
  /** The principal's `sub`. */
  raisedBy: string;
  reason: string | null;
  /** The reported activity (outcome DISPUTE_RAISED) that opened it. */
  activityId: string | null;
}

/**
 * Opens a dispute of `entry`'s case in `tx`: the row, a DISPUTE hold on every channel from `now`
 * until lifted, and DisputeRaised, together. While the case has an open dispute, that one is
 * returned and nothing is written: raising it again is raising it once.
 */
export async function openDispute(tx: EntityManager, entry: CaseEntry, o: DisputeOpening, now: Date, correlationId: string | null): Promise<Record<string, any>> {
  await lockCase(tx, entry.caseId);
  const [open] = await tx.query("SELECT * FROM dispute WHERE case_id = $1 AND status = 'OPEN'", [entry.caseId]);
  if (open) return open;
  const id = uuidv7(now.getTime());
  const [row] = await tx.query(
    `INSERT INTO dispute (id, case_id, lender_id, borrower_id, raised_by_role, raised_by, reason, status, raised_at, activity_id)
     VALUES ($1, $2, $3, $4, $5, $6, $7, 'OPEN', $8, $9) RETURNING *`,
    [id, entry.caseId, entry.lenderId, entry.borrowerId, o.raisedByRole, o.raisedBy, o.reason, now, o.activityId],
  );
  await placeHold(tx, { caseId: entry.caseId, lenderId: entry.lenderId, kind: "DISPUTE", channels: [], startsAt: now, endsAt: null, source: { type: SOURCE, id } }, now, correlationId);
  // Ids and the status only: the reason is free text and may hold PII.
  const payload: DisputeRaisedPayload = { disputeId: id, caseId: entry.caseId, activityId: o.activityId, status: "OPEN" };
  await appendToOutbox(tx, [newEvent({ type: "DisputeRaised", aggregateType: "Dispute", aggregateId: id, aggregateVersion: 1, lenderId: entry.lenderId, payload, correlationId }, now)]);
  return row;
}

/**
 * The borrower disputes its own case, or the case's lender records a dispute it received in
 * writing: contact on the case is held on every channel from now until the lender resolves it.
 * Another borrower's or lender's case is NOT_FOUND, as an unknown one is.
 */
export async function raiseDispute(ds: DataSource, clock: Clock, p: Principal, caseId: string, reason: string, correlationId: string | null): Promise<Record<string, any>> {
  if (p.role !== "borrower" && p.role !== "lender") throw forbidden("disputes");
  if (!isUuid(caseId)) throw notFound("CollectionCase", caseId);
  const why = text(reason, "reason", true);
  const now = clock.now();
  return ds.transaction(async (tx) => {
    const entry = await ownCase(new CaseDirectory(tx, clock), p, caseId, "disputes");
    // Nobody collects on a closed case: there is no collection contact a dispute could pause.
    if (CLOSED_CASE_STATUSES.includes(entry.status)) throw conflict(`The case is ${entry.status}: a dispute pauses collection, and none goes on`);
    return openDispute(tx, entry, { raisedByRole: p.role as "borrower" | "lender", raisedBy: p.sub, reason: why, activityId: null }, now, correlationId);
  });
}

/**
 * The case's lender resolves an open dispute (UPHELD, REJECTED or VERIFIED): its hold is lifted
 * now (contact is allowed again from this instant) and DisputeResolved emitted, together.
 * Resolving one already resolved is CONFLICT; another lender's is NOT_FOUND.
 */
export async function resolveDispute(
  ds: DataSource,
  clock: Clock,
  p: Principal,
  disputeId: string,
  resolution: DisputeResolution,
  note: string | null | undefined,
  correlationId: string | null,
): Promise<Record<string, any>> {
  if (p.role !== "lender" || !p.lenderId) throw forbidden("dispute resolutions");
  if (!isUuid(disputeId)) throw notFound("Dispute", disputeId);
  if (!Object.values(DisputeResolution).includes(resolution)) throw badInput("Unknown resolution", "resolution");
  const resolutionNote = text(note, "note", false);
  const now = clock.now();
  return ds.transaction(async (tx) => {
    const [found] = await tx.query("SELECT * FROM dispute WHERE id = $1", [disputeId.toLowerCase()]);
    if (!found) throw notFound("Dispute", disputeId);
    if (found.lender_id !== p.lenderId) throw refusedAsNotFound("Dispute", disputeId, found.id);
    await lockCase(tx, found.case_id);
    // An UPDATE ... RETURNING answers [rows, affected count].
    const [[row]] = await tx.query(
      `UPDATE dispute SET status = $2, resolution_note = $3, resolved_at = $4, resolved_by = $5 WHERE id = $1 AND status = 'OPEN' RETURNING *`,
      [found.id, resolution, resolutionNote, now, p.sub],
    );
    if (!row) throw conflict("This dispute is already resolved");
    await liftHolds(tx, { type: SOURCE, id: row.id }, now, correlationId);
    const payload: DisputeResolvedPayload = { disputeId: row.id, caseId: row.case_id, status: resolution };
    await appendToOutbox(tx, [newEvent({ type: "DisputeResolved", aggregateType: "Dispute", aggregateId: row.id, aggregateVersion: 2, lenderId: row.lender_id, payload, correlationId }, now)]);
    return row;
  });
}
