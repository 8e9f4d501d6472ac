import type { DataSource, EntityManager } from "typeorm";
import type { HardshipDecidedPayload, HardshipDeclaredPayload, HardshipHoldEndedPayload, Principal } from "@concord/schema";
import {
  appendToOutbox,
  badInput,
  CaseDirectory,
  conflict,
  DEFAULT_JURISDICTION,
  forbidden,
  isUuid,
  newEvent,
  notFound,
  profileOf,
  refusedAsNotFound,
  uuidv7,
  type CaseEntry,
  type Clock,
  type HoldKind,
} from "@concord/service-kit";
import { ownCase } from "../collection-case/own-case";
import { liftHolds, placeHold } from "../holds/holds";
import { AFTER_END_HOLD_DAYS, approvedHold, PENDING_HOLD_DAYS, plusDays } from "./hardship-hold";
import { HardshipKind } from "./hardship.type";

/** What places and lifts a hardship's holds (contact_hold.source_type). */
const SOURCE = "hardship";
/** An evidence reference names a document held elsewhere; a note is the gist of a decision. */
const MAX_REFERENCE = 500;
const MAX_NOTE = 2000;

const text = (v: string | null | undefined, field: string, max: number): string | null => {
  const t = v?.trim() ?? "";
  if (t.length > max) throw badInput(`${field} is at most ${max} characters`, field);
  return t.length ? t : null;
};

/** A case's hardships (declaring, deciding, ending) take turns, so a case never has two open at once. */
const lockCase = (tx: EntityManager, caseId: string) => tx.query("SELECT pg_advisory_xact_lock(hashtextextended($1, 17))", [caseId]);

/** Who opens a hardship, and from what. */
export interface HardshipOpening {
  declaredByRole: "borrower" | "lender" | "agency";
  /** The principal's `sub`. */
  declaredBy: string;
  kind: HardshipKind;
  evidenceReference: string | null;
  /** The reported activity (outcome HARDSHIP_DECLARED) that opened it. */
  activityId: string | null;
}

/**
 * Opens a hardship of `entry`'s case in `tx`: the row, a HARDSHIP hold on every channel from
 * `now` for 14 days while the lender decides, and HardshipDeclared, together. While the case has
 * an open hardship (DECLARED, or APPROVED with its hold still running), that one is returned and
 * nothing is written: declaring again is declaring once.
 */
export async function openHardship(tx: EntityManager, entry: CaseEntry, o: HardshipOpening, now: Date, correlationId: string | null): Promise<Record<string, any>> {
  await lockCase(tx, entry.caseId);
  const [open] = await tx.query(
    `SELECT * FROM hardship WHERE case_id = $1 AND (status = 'DECLARED' OR (status = 'APPROVED' AND (hold_until IS NULL OR hold_until > $2)))
      ORDER BY declared_at DESC, id DESC LIMIT 1`,
    [entry.caseId, now],
  );
  if (open) return open;
  const id = uuidv7(now.getTime());
  const holdUntil = plusDays(now, PENDING_HOLD_DAYS);
  const [row] = await tx.query(
    `INSERT INTO hardship (id, case_id, lender_id, borrower_id, kind, evidence_reference, declared_by_role, declared_by, status, declared_at, hold_until, activity_id)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'DECLARED', $9, $10, $11) RETURNING *`,
    [id, entry.caseId, entry.lenderId, entry.borrowerId, o.kind, o.evidenceReference, o.declaredByRole, o.declaredBy, now, holdUntil, o.activityId],
  );
  await placeHold(tx, { caseId: entry.caseId, lenderId: entry.lenderId, kind: "HARDSHIP", channels: [], startsAt: now, endsAt: holdUntil, source: { type: SOURCE, id } }, now, correlationId);
  // Ids, the status and the hold's end only: the kind and the evidence may be health data.
  const payload: HardshipDeclaredPayload = { hardshipId: id, caseId: entry.caseId, activityId: o.activityId, status: "DECLARED", holdUntil: holdUntil.toISOString() };
  await appendToOutbox(tx, [newEvent({ type: "HardshipDeclared", aggregateType: "Hardship", aggregateId: id, aggregateVersion: 1, lenderId: entry.lenderId, payload, correlationId }, now)]);
  return row;
}

/**
 * The borrower declares a hardship on its own case, or the case's lender records one it received
 * in writing: contact is held on every channel from now for 14 days while the lender decides.
 * Another borrower's or lender's case is NOT_FOUND, as an unknown one is.
 */
export async function declareHardship(
  ds: DataSource,
  clock: Clock,
  p: Principal,
  caseId: string,
  kind: HardshipKind,
  evidenceReference: string | null | undefined,
  correlationId: string | null,
): Promise<Record<string, any>> {
  if (p.role !== "borrower" && p.role !== "lender") throw forbidden("hardship declarations");
  if (!isUuid(caseId)) throw notFound("CollectionCase", caseId);
  if (!Object.values(HardshipKind).includes(kind)) throw badInput("Unknown hardship kind", "kind");
  const reference = text(evidenceReference, "evidenceReference", MAX_REFERENCE);
  const now = clock.now();
  return ds.transaction(async (tx) => {
    const entry = await ownCase(new CaseDirectory(tx, clock), p, caseId, "hardship declarations");
    const opening: HardshipOpening = { declaredByRole: p.role as "borrower" | "lender", declaredBy: p.sub, kind, evidenceReference: reference, activityId: null };
    return openHardship(tx, entry, opening, now, correlationId);
  });
}

/** The lender's own hardship, locked for its case's turn; another lender's is NOT_FOUND. */
async function ownHardship(tx: EntityManager, p: Principal, hardshipId: string): Promise<Record<string, any>> {
  const [found] = await tx.query("SELECT * FROM hardship WHERE id = $1", [hardshipId.toLowerCase()]);
  if (!found) throw notFound("Hardship", hardshipId);
  if (found.lender_id !== p.lenderId) throw refusedAsNotFound("Hardship", hardshipId, found.id);
  await lockCase(tx, found.case_id);
  return found;
}

const holdUntilOf = (row: Record<string, any>): string | null => (row.hold_until ? new Date(row.hold_until).toISOString() : null);

/** HardshipDecided for `row` as it now stands (its version already raised by the UPDATE). */
const decided = async (tx: EntityManager, row: Record<string, any>, now: Date, correlationId: string | null) => {
  const payload: HardshipDecidedPayload = { hardshipId: row.id, caseId: row.case_id, status: row.status, holdUntil: holdUntilOf(row) };
  await appendToOutbox(tx, [newEvent({ type: "HardshipDecided", aggregateType: "Hardship", aggregateId: row.id, aggregateVersion: row.version, lenderId: row.lender_id, payload, correlationId }, now)]);
};

/**
 * The case's lender decides a DECLARED hardship. Rejected: the pending hold is lifted now.
 * Approved: the pending hold is lifted and the approved one placed from now (BREATHING_SPACE
 * under UK_FCA, else HARDSHIP; `holdDays` long, default 60; open-ended for a mental-health
 * crisis). Deciding twice is CONFLICT; another lender's hardship NOT_FOUND.
 */
export async function decideHardship(
  ds: DataSource,
  clock: Clock,
  p: Principal,
  hardshipId: string,
  approve: boolean,
  holdDays: number | null | undefined,
  note: string | null | undefined,
  correlationId: string | null,
): Promise<Record<string, any>> {
  if (p.role !== "lender" || !p.lenderId) throw forbidden("hardship decisions");
  if (!isUuid(hardshipId)) throw notFound("Hardship", hardshipId);
  const decisionNote = text(note, "note", MAX_NOTE);
  const now = clock.now();
  return ds.transaction(async (tx) => {
    const found = await ownHardship(tx, p, hardshipId);
    const profile = await new CaseDirectory(tx, clock).lenderProfile(found.lender_id, profileOf(DEFAULT_JURISDICTION));
    const hold = approve ? approvedHold(found.kind, profile.jurisdiction, holdDays, now) : null;
    // An UPDATE ... RETURNING answers [rows, affected count].
    const [[row]] = await tx.query(
      `UPDATE hardship SET status = $2, decided_at = $3, decided_by = $4, decision_note = $5, hold_until = $6, version = version + 1
        WHERE id = $1 AND status = 'DECLARED' RETURNING *`,
      [found.id, approve ? "APPROVED" : "REJECTED", now, p.sub, decisionNote, hold?.endsAt ?? null],
    );
    if (!row) throw conflict("This hardship is already decided");
    await liftHolds(tx, { type: SOURCE, id: row.id }, now, correlationId);
    if (hold) {
      await placeHold(tx, { caseId: row.case_id, lenderId: row.lender_id, kind: hold.kind, channels: [], startsAt: now, endsAt: hold.endsAt, source: { type: SOURCE, id: row.id } }, now, correlationId);
    }
    await decided(tx, row, now, correlationId);
    return row;
  });
}

/**
 * The case's lender ends an approved open-ended hardship (a mental-health crisis): its hold is
 * replaced by one of the same kind ending 30 days from now. Anything else is CONFLICT.
 */
export async function endHardship(ds: DataSource, clock: Clock, p: Principal, hardshipId: string, correlationId: string | null): Promise<Record<string, any>> {
  if (p.role !== "lender" || !p.lenderId) throw forbidden("hardship decisions");
  if (!isUuid(hardshipId)) throw notFound("Hardship", hardshipId);
  const now = clock.now();
  const holdUntil = plusDays(now, AFTER_END_HOLD_DAYS);
  return ds.transaction(async (tx) => {
    const found = await ownHardship(tx, p, hardshipId);
    const [[row]] = await tx.query(
      `UPDATE hardship SET status = 'ENDED', ended_at = $2, hold_until = $3, version = version + 1
        WHERE id = $1 AND status = 'APPROVED' AND hold_until IS NULL RETURNING *`,
      [found.id, now, holdUntil],
    );
    if (!row) throw conflict("Only an approved hardship without an end can be ended");
    // The tail keeps the kind the approval chose (BREATHING_SPACE or HARDSHIP).
    const [open] = await tx.query("SELECT kind FROM contact_hold WHERE source_type = $1 AND source_id = $2 AND lifted_at IS NULL LIMIT 1", [SOURCE, row.id]);
    const kind: HoldKind = open?.kind ?? "HARDSHIP";
    await liftHolds(tx, { type: SOURCE, id: row.id }, now, correlationId);
    await placeHold(tx, { caseId: row.case_id, lenderId: row.lender_id, kind, channels: [], startsAt: now, endsAt: holdUntil, source: { type: SOURCE, id: row.id } }, now, correlationId);
    await decided(tx, row, now, correlationId);
    return row;
  });
}

/** Hardship holds announced per transaction by the job below. */
const BATCH = 500;

/**
 * Announces every hardship hold that has run out by the clock (a pending one after its 14 days, an
 * approved one after its `holdDays`, an ended one after its 30 days): HardshipHoldEnded, once per
 * hold end, with the hardship's next version. Contact was allowed again at `hold_until` already
 * (the hold's own end); this tells the loans subgraph, whose case status follows by events only.
 * A batch per transaction, until none is left.
 */
export async function announceEndedHardshipHolds(ds: DataSource, clock: Clock): Promise<number> {
  let announced = 0;
  for (;;) {
    const done = await ds.transaction(async (tx) => {
      const now = clock.now();
      // SKIP LOCKED: a decision holding one of them now decides it; the next run sees the rest.
      // An UPDATE ... RETURNING answers [rows, affected count].
      const [due]: [Array<Record<string, any>>, number] = await tx.query(
        `UPDATE hardship SET version = version + 1, hold_end_announced = hold_until
          WHERE id IN (SELECT id FROM hardship WHERE hold_until IS NOT NULL AND hold_until <= $1 AND hold_end_announced IS DISTINCT FROM hold_until
                        ORDER BY hold_until, id LIMIT $2 FOR UPDATE SKIP LOCKED)
          RETURNING *`,
        [now, BATCH],
      );
      const events = due.map((row) => {
        const payload: HardshipHoldEndedPayload = { hardshipId: row.id, caseId: row.case_id, status: row.status, holdUntil: holdUntilOf(row)! };
        return newEvent({ type: "HardshipHoldEnded", aggregateType: "Hardship", aggregateId: row.id, aggregateVersion: row.version, lenderId: row.lender_id, payload, correlationId: null }, now);
      });
      if (events.length) await appendToOutbox(tx, events);
      return due.length;
    });
    announced += done;
    if (done < BATCH) return announced;
  }
}
