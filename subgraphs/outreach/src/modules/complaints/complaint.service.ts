import type { DataSource, EntityManager } from "typeorm";
import type { ComplaintFiledPayload, ComplaintMarkedComplexPayload, ComplaintOverduePayload, ComplaintRespondedPayload, Principal } from "@concord/schema";
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
  type Clock,
  type Jurisdiction,
} from "@concord/service-kit";
import { ownCase } from "../collection-case/own-case";
import { complaintDeadlines, deadlineZone } from "./complaint-deadlines";
import { ComplaintCategory, ComplaintStage, ComplaintStatus, respondByOf } from "./complaint.type";

/** Free text a borrower or lender may write: a letter's worth, not a document store. */
const MAX_TEXT = 5000;
const MAX_KEY = 200;
/** Overdue stages reported per transaction by the deadline job. */
const BATCH = 500;

const text = (v: string | null | undefined, field: string): string => {
  const t = v?.trim() ?? "";
  if (t.length > MAX_TEXT) throw badInput(`${field} is at most ${MAX_TEXT} characters`, field);
  if (!t.length) throw badInput(`${field} is required`, field);
  return t;
};

const iso = (v: unknown): string | null => (v ? new Date(v as string).toISOString() : null);

/**
 * The borrower files a complaint about its own case, or the case's lender records one it received
 * in writing: received now, with the deadlines of the lender's contact profile (US_REG_F when it
 * has none) counted in the borrower's time zone (UTC when unknown), and ComplaintFiled, together.
 * A retry with the same `idempotencyKey` (per borrower, or per lender) returns the first complaint
 * and writes nothing; the same key with another case, category or description is CONFLICT.
 * Another borrower's or lender's case is NOT_FOUND, as an unknown one is.
 */
export async function fileComplaint(
  ds: DataSource,
  clock: Clock,
  p: Principal,
  caseId: string,
  category: ComplaintCategory,
  description: string,
  idempotencyKey: string | null | undefined,
  correlationId: string | null,
): Promise<Record<string, any>> {
  if (p.role !== "borrower" && p.role !== "lender") throw forbidden("complaints");
  if (!Object.values(ComplaintCategory).includes(category)) throw badInput("Unknown complaint category", "category");
  const what = text(description, "description");
  const key = idempotencyKey ?? null;
  if (key !== null && (key.length === 0 || key.length > MAX_KEY)) throw badInput(`idempotencyKey is 1 to ${MAX_KEY} characters`, "idempotencyKey");
  const scope = p.role === "borrower" ? `borrower:${p.borrowerId ?? p.sub}` : `lender:${p.lenderId ?? p.sub}`;
  const now = clock.now();
  return ds.transaction(async (tx) => {
    const entry = await ownCase(new CaseDirectory(tx, clock), p, caseId, "complaints");
    if (key !== null) {
      // Retries of one key take turns, so only the first of them files.
      await tx.query("SELECT pg_advisory_xact_lock(hashtextextended($1, 19))", [`${scope}|${key}`]);
      const [first] = await tx.query("SELECT * FROM complaint WHERE idempotency_scope = $1 AND idempotency_key = $2", [scope, key]);
      if (first) {
        if (first.case_id !== entry.caseId || first.category !== category || first.description !== what) {
          throw conflict("This idempotencyKey was used for another complaint");
        }
        return first;
      }
    } else {
      // Without a key, a retry is the same complaint still open: the same filer, case, category
      // and words (a borrower's app resending after a dropped answer files once).
      await tx.query("SELECT pg_advisory_xact_lock(hashtextextended($1, 19))", [`${scope}|${entry.caseId}`]);
      const [same] = await tx.query(
        `SELECT * FROM complaint WHERE idempotency_scope = $1 AND idempotency_key IS NULL AND case_id = $2 AND category = $3 AND description = $4 AND status <> 'CLOSED'
          ORDER BY received_at LIMIT 1`,
        [scope, entry.caseId, category, what],
      );
      if (same) return same;
    }
    const profile = await new CaseDirectory(tx, clock).lenderProfile(entry.lenderId, profileOf(DEFAULT_JURISDICTION));
    const zone = deadlineZone(entry.timezone);
    const due = complaintDeadlines(profile.jurisdiction, now, zone, false);
    const id = uuidv7(now.getTime());
    const [row] = await tx.query(
      `INSERT INTO complaint (id, case_id, lender_id, borrower_id, category, description, filed_by_role, filed_by, idempotency_scope, idempotency_key,
                              status, received_at, jurisdiction, deadline_zone, first_response_due_at, final_response_due_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 'OPEN', $11, $12, $13, $14, $15) RETURNING *`,
      [id, entry.caseId, entry.lenderId, entry.borrowerId, category, what, p.role, p.sub, scope, key, now, profile.jurisdiction, zone, due.firstResponseDueAt, due.finalResponseDueAt],
    );
    await tx.query(
      `INSERT INTO complaint_deadline (complaint_id, stage, deadline)
       SELECT $1, s.stage, s.deadline FROM (VALUES ('FIRST_RESPONSE', $2::timestamptz), ('FINAL_RESPONSE', $3::timestamptz)) AS s(stage, deadline) WHERE s.deadline IS NOT NULL`,
      [id, due.firstResponseDueAt, due.finalResponseDueAt],
    );
    // Ids, the category and the deadlines: the description is free text and may hold PII.
    const payload: ComplaintFiledPayload = {
      complaintId: id,
      caseId: entry.caseId,
      category,
      filedByRole: p.role as "borrower" | "lender",
      status: "OPEN",
      receivedAt: now.toISOString(),
      firstResponseDueAt: iso(due.firstResponseDueAt),
      finalResponseDueAt: due.finalResponseDueAt.toISOString(),
    };
    await appendToOutbox(tx, [newEvent({ type: "ComplaintFiled", aggregateType: "Complaint", aggregateId: id, aggregateVersion: 1, lenderId: entry.lenderId, payload, correlationId }, now)]);
    return row;
  });
}

/** The lender's own complaint, its row locked; another lender's is NOT_FOUND, as an unknown one is. */
async function ownComplaint(tx: EntityManager, p: Principal, complaintId: string, what: string): Promise<Record<string, any>> {
  if (p.role !== "lender" || !p.lenderId) throw forbidden(what);
  if (!isUuid(complaintId)) throw notFound("Complaint", complaintId);
  const [found] = await tx.query("SELECT * FROM complaint WHERE id = $1 FOR UPDATE", [complaintId.toLowerCase()]);
  if (!found) throw notFound("Complaint", complaintId);
  if (found.lender_id !== p.lenderId) throw refusedAsNotFound("Complaint", complaintId, found.id);
  return found;
}

/**
 * The case's lender responds to a complaint. Any response meets the first-response deadline; a
 * final one also meets the final deadline and closes the complaint. Sending again exactly the
 * latest response (same text, same `final`) returns the complaint and writes nothing (a retry);
 * any other response to a CLOSED complaint is CONFLICT. Another lender's complaint is NOT_FOUND.
 */
export async function respondToComplaint(
  ds: DataSource,
  clock: Clock,
  p: Principal,
  complaintId: string,
  response: string,
  final: boolean,
  correlationId: string | null,
): Promise<Record<string, any>> {
  const answer = text(response, "response");
  return ds.transaction(async (tx) => {
    const found = await ownComplaint(tx, p, complaintId, "complaint responses");
    // Read once the row is ours: the deadline job may have held it, and the response is as late as its instant.
    const now = clock.now();
    const [latest] = await tx.query("SELECT response, final FROM complaint_response WHERE complaint_id = $1 ORDER BY responded_at DESC, id DESC LIMIT 1", [found.id]);
    if (latest && latest.response === answer && latest.final === final) return found;
    if (found.status === ComplaintStatus.CLOSED) throw conflict("This complaint is closed: its final response was given");
    await tx.query("INSERT INTO complaint_response (id, complaint_id, response, final, responded_at, responded_by) VALUES ($1, $2, $3, $4, $5, $6)", [
      uuidv7(now.getTime()),
      found.id,
      answer,
      final,
      now,
      p.sub,
    ]);
    // The stages this response meets in time are no longer watched; one met late stays for the job to report.
    await tx.query("DELETE FROM complaint_deadline WHERE complaint_id = $1 AND deadline > $2 AND (stage = 'FIRST_RESPONSE' OR $3)", [found.id, now, final]);
    const [[row]] = await tx.query(
      `UPDATE complaint SET status = $2, first_responded_at = coalesce(first_responded_at, $3), closed_at = $4, version = version + 1 WHERE id = $1 RETURNING *`,
      [found.id, final ? ComplaintStatus.CLOSED : ComplaintStatus.RESPONDED, now, final ? now : null],
    );
    const payload: ComplaintRespondedPayload = { complaintId: row.id, caseId: row.case_id, final, status: row.status, respondBy: iso(respondByOf(row)) };
    await appendToOutbox(tx, [newEvent({ type: "ComplaintResponded", aggregateType: "Complaint", aggregateId: row.id, aggregateVersion: row.version, lenderId: row.lender_id, payload, correlationId }, now)]);
    return row;
  });
}

/**
 * The case's lender marks a complaint complex. Under CN_NIFA (the profile it was received under)
 * its one deadline becomes 30 days from receipt instead of 15; elsewhere only the flag is recorded.
 * Marking it again returns it unchanged; a CLOSED one, or a CN_NIFA one whose 15-day deadline has
 * passed, is CONFLICT. Another lender's complaint is NOT_FOUND.
 */
export async function markComplaintComplex(ds: DataSource, clock: Clock, p: Principal, complaintId: string, correlationId: string | null = null): Promise<Record<string, any>> {
  return ds.transaction(async (tx) => {
    const found = await ownComplaint(tx, p, complaintId, "complaint handling");
    const now = clock.now();
    if (found.complex) return found;
    if (found.status === ComplaintStatus.CLOSED) throw conflict("This complaint is closed");
    const jurisdiction = found.jurisdiction as Jurisdiction;
    // Past its deadline, or already reported overdue by the job (which held this row before us).
    const [watched] = await tx.query("SELECT 1 FROM complaint_deadline WHERE complaint_id = $1 AND stage = 'FINAL_RESPONSE'", [found.id]);
    if (jurisdiction === "CN_NIFA" && (new Date(found.final_response_due_at).getTime() <= now.getTime() || !watched)) {
      throw conflict("This complaint's deadline has passed: it can no longer be extended as complex");
    }
    const due = complaintDeadlines(jurisdiction, new Date(found.received_at), found.deadline_zone, true);
    const [[row]] = await tx.query("UPDATE complaint SET complex = true, final_response_due_at = $2, version = version + 1 WHERE id = $1 RETURNING *", [found.id, due.finalResponseDueAt]);
    await tx.query("UPDATE complaint_deadline SET deadline = $2 WHERE complaint_id = $1 AND stage = 'FINAL_RESPONSE'", [found.id, due.finalResponseDueAt]);
    const payload: ComplaintMarkedComplexPayload = { complaintId: row.id, caseId: row.case_id, finalResponseDueAt: new Date(row.final_response_due_at).toISOString() };
    await appendToOutbox(tx, [newEvent({ type: "ComplaintMarkedComplex", aggregateType: "Complaint", aggregateId: row.id, aggregateVersion: row.version, lenderId: row.lender_id, payload, correlationId }, now)]);
    return row;
  });
}

/** The stages of `row` overdue at `now`: the deadline has passed (at it or later) and no response of that stage was given yet. */
export function overdueStages(row: { firstResponseDueAt: Date | null; finalResponseDueAt: Date; firstRespondedAt: Date | null; closedAt: Date | null }, now: Date): ComplaintStage[] {
  const out: ComplaintStage[] = [];
  if (row.firstResponseDueAt && !row.firstRespondedAt && row.firstResponseDueAt.getTime() <= now.getTime()) out.push(ComplaintStage.FIRST_RESPONSE);
  if (!row.closedAt && row.finalResponseDueAt.getTime() <= now.getTime()) out.push(ComplaintStage.FINAL_RESPONSE);
  return out;
}

/**
 * The `complaint-deadlines` job: emits ComplaintOverdue once per complaint and stage whose
 * deadline is at or before the clock's now with no response of that stage before the deadline
 * (a first response meets FIRST_RESPONSE, a final one both; one given at the deadline or later is
 * late, so a stage answered late between two runs is still reported). A batch per transaction,
 * until none is left; says how many it reported.
 */
export async function reportOverdueComplaints(ds: DataSource, clock: Clock): Promise<number> {
  let reported = 0;
  for (;;) {
    const now = clock.now();
    const done = await ds.transaction(async (tx) => {
      // The complaint and its deadline rows locked (SKIP LOCKED): a response under way decides
      // first, and a deadline it met in time is gone by the time this could lock it.
      const due: Array<{ id: string; case_id: string; lender_id: string; stage: ComplaintStage; deadline: Date }> = await tx.query(
        `SELECT c.id, c.case_id, c.lender_id, d.stage, d.deadline
           FROM complaint_deadline d JOIN complaint c ON c.id = d.complaint_id
          WHERE d.deadline <= $1
          ORDER BY d.deadline, c.id, d.stage
          LIMIT $2
          FOR UPDATE OF c, d SKIP LOCKED`,
        [now, BATCH],
      );
      for (const d of due) {
        const [[row]] = await tx.query("UPDATE complaint SET version = version + 1 WHERE id = $1 RETURNING version", [d.id]);
        await tx.query("DELETE FROM complaint_deadline WHERE complaint_id = $1 AND stage = $2", [d.id, d.stage]);
        await tx.query("INSERT INTO complaint_overdue (complaint_id, stage, deadline, reported_at) VALUES ($1, $2, $3, $4)", [d.id, d.stage, d.deadline, now]);
        const payload: ComplaintOverduePayload = { complaintId: d.id, caseId: d.case_id, stage: d.stage, deadline: new Date(d.deadline).toISOString() };
        await appendToOutbox(tx, [
          newEvent({ type: "ComplaintOverdue", aggregateType: "Complaint", aggregateId: d.id, aggregateVersion: row.version, lenderId: d.lender_id, payload, correlationId: null }, now),
        ]);
      }
      return due.length;
    });
    reported += done;
    if (done < BATCH) return reported;
  }
}
