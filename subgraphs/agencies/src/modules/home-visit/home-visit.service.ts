import type { DataSource, EntityManager } from "typeorm";
import type { HomeVisitApprovedPayload, HomeVisitClosedPayload, Principal } from "@concord/schema";
import {
  appendToOutbox,
  badInput,
  CaseDirectory,
  ConcordError,
  conflict,
  forbidden,
  formatContactHours,
  insideContactHours,
  isTimeZone,
  isUuid,
  newEvent,
  notFound,
  refusedAsNotFound,
  uuidv7,
  windowInsideContactHours,
  type Clock,
} from "@concord/service-kit";

const DAY_MS = 86_400_000;

export interface HomeVisitRequestInput {
  caseId: string;
  agentId: string;
  reason: string;
  windowStart: Date;
  windowEnd: Date;
}

function emitFor(row: Record<string, any>, type: "HomeVisitApproved" | "HomeVisitCompleted" | "HomeVisitCancelled", at: Date, correlationId: string | null) {
  const payload: HomeVisitApprovedPayload | HomeVisitClosedPayload =
    type === "HomeVisitApproved"
      ? { visitId: row.id, caseId: row.case_id, agencyId: row.agency_id, windowStart: new Date(row.window_start).toISOString(), windowEnd: new Date(row.window_end).toISOString() }
      : { visitId: row.id, caseId: row.case_id, agencyId: row.agency_id };
  return newEvent({ type, aggregateType: "HomeVisitRequest", aggregateId: row.id, lenderId: row.lender_id, payload, correlationId }, at);
}

async function lockVisit(tx: EntityManager, id: string): Promise<Record<string, any>> {
  if (!isUuid(id)) throw notFound("HomeVisitRequest", id);
  const [row] = await tx.query("SELECT * FROM home_visit WHERE id = $1 FOR UPDATE", [id.toLowerCase()]);
  if (!row) throw notFound("HomeVisitRequest", id);
  return row;
}

const reread = async (tx: EntityManager, id: string) => (await tx.query("SELECT * FROM home_visit WHERE id = $1", [id]))[0];

/** An agent of the agency holding the case asks the lender for a visit in a window of at most a day. */
export async function requestHomeVisit(ds: DataSource, clock: Clock, p: Principal, i: HomeVisitRequestInput): Promise<Record<string, any>> {
  const now = clock.now();
  if (p.role !== "agency" || !p.agencyId) throw forbidden("home-visit requests");
  if (!isUuid(i.caseId)) throw notFound("CollectionCase", i.caseId);
  if (!isUuid(i.agentId)) throw notFound("Agent", i.agentId);
  if (i.windowStart.getTime() <= now.getTime()) throw badInput("The visit window must start in the future", "windowStart");
  if (i.windowEnd.getTime() <= i.windowStart.getTime()) throw badInput("The window must end after it starts", "windowEnd");
  if (i.windowEnd.getTime() - i.windowStart.getTime() > DAY_MS) throw badInput("A visit window lasts at most a day", "windowEnd");
  const reason = i.reason.trim();
  if (!reason || reason.length > 1000) throw badInput("A reason of 1 to 1000 characters is required", "reason");
  const agencyId = p.agencyId;
  return ds.transaction(async (tx) => {
    const directory = new CaseDirectory(tx, clock);
    // Held now: ACTIVE and not past its expiry (the expiry job may not have run yet).
    const [placement] = await tx.query(
      "SELECT * FROM placement WHERE case_id = $1 AND agency_id = $2 AND status = 'ACTIVE' AND expires_at > $3 FOR SHARE",
      [i.caseId.toLowerCase(), agencyId, now],
    );
    // The directory may know more than the placement row: a resolved case ends access at once,
    // before the consumer that completes its placement has run.
    if (!placement || !(await directory.agencyHoldsAny(placement.agency_id, [placement.case_id]))) {
      // A case the agency held once it knows exists: say why. Any other is no case at all to it.
      if (await directory.heldEver(agencyId, [i.caseId])) throw forbidden("a visit for a case your agency does not hold", i.caseId);
      throw (await directory.entry(i.caseId)) ? refusedAsNotFound("CollectionCase", i.caseId) : notFound("CollectionCase", i.caseId);
    }
    // The borrower's time zone reaches this subgraph only on the loans subgraph's case events.
    const timeZone = (await directory.entry(placement.case_id))?.timezone;
    if (!timeZone || !isTimeZone(timeZone)) {
      throw conflict("The borrower's time zone is not known here yet (the case has not changed since time zones were carried); ask again after its next update");
    }
    if (!windowInsideContactHours(i.windowStart, i.windowEnd, timeZone)) {
      const field = insideContactHours(i.windowStart, timeZone) ? "windowEnd" : "windowStart";
      throw badInput(`The visit window must sit inside contact hours (${formatContactHours()} on one day in the borrower's time zone, ${timeZone})`, field);
    }
    const [agent] = await tx.query("SELECT * FROM agent WHERE id = $1 AND agency_id = $2 AND active", [i.agentId.toLowerCase(), agencyId]);
    if (!agent) throw badInput("The agent is not an active agent of your agency", "agentId");
    const [agency] = await tx.query("SELECT channels FROM agency WHERE id = $1", [agencyId]);
    if (!agency.channels.includes("VISIT")) throw badInput("Your agency is not allowed home visits", "caseId");
    const [row] = await tx.query(
      `INSERT INTO home_visit (id, case_id, agency_id, agent_id, lender_id, reason, window_start, window_end, status, requested_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'REQUESTED', $9) RETURNING *`,
      [uuidv7(now.getTime()), placement.case_id, agencyId, agent.id, placement.lender_id, reason, i.windowStart, i.windowEnd, now],
    );
    return row;
  });
}

/**
 * Whether the agency of the visit still holds its case at the clock's now, by the case
 * directory: a visit is only ever approved, confirmed or reported while its placement is ACTIVE.
 */
const placementInForce = (tx: EntityManager, clock: Clock, row: Record<string, any>) =>
  new CaseDirectory(tx, clock).agencyHoldsAny(row.agency_id, [row.case_id]);

/** The rules an agency can break with a visit; each attempt is kept in visit_violation. */
const VIOLATIONS = {
  VISIT_WITHOUT_APPROVAL: "The visit has no approval",
  VISIT_OUTSIDE_WINDOW: "The visit is outside its approved window",
  VISIT_AFTER_PLACEMENT_ENDED: "Your agency's placement of the case has ended",
} as const;
type Violation = { rule: keyof typeof VIOLATIONS; row: Record<string, any> };

/**
 * Keeps the attempt (after the refused transaction, so that it stays) and returns the FORBIDDEN
 * error that refuses it, naming the rule.
 */
async function violated(ds: DataSource, v: Violation, at: Date): Promise<ConcordError> {
  await ds.query(
    "INSERT INTO visit_violation (id, visit_id, case_id, agency_id, lender_id, rule, attempted_at, detail) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    [uuidv7(at.getTime()), v.row.id, v.row.case_id, v.row.agency_id, v.row.lender_id, v.rule, at, `status ${v.row.status}`],
  );
  return new ConcordError("FORBIDDEN", VIOLATIONS[v.rule], { rule: v.rule });
}

/**
 * The case's lender approves or rejects a requested visit whose window has not begun; an
 * approval needs the placement still in force.
 */
export async function decideHomeVisit(ds: DataSource, clock: Clock, p: Principal, id: string, approve: boolean, note: string | null, correlationId: string | null) {
  return ds.transaction(async (tx) => {
    const now = clock.now();
    const row = await lockVisit(tx, id);
    // Another lender's visit is, to this lender, no visit at all.
    if (p.role !== "lender" || row.lender_id !== p.lenderId) throw refusedAsNotFound("HomeVisitRequest", id, row.id);
    if (row.status !== "REQUESTED") throw conflict(`The request was already ${row.status}`);
    if (approve && new Date(row.window_start).getTime() <= now.getTime()) throw badInput("The window has already begun; ask for a new one", "visitId");
    if (approve && !(await placementInForce(tx, clock, row))) {
      throw new ConcordError("FORBIDDEN", "The agency's placement of the case has ended; the visit cannot be approved", { rule: "PLACEMENT_ENDED" });
    }
    await tx.query("UPDATE home_visit SET status = $2, decided_by = $3, decided_at = $4, decision_note = $5 WHERE id = $1", [
      row.id, approve ? "APPROVED" : "REJECTED", p.sub, now, note,
    ]);
    const after = await reread(tx, row.id);
    if (approve) await appendToOutbox(tx, [emitFor(after, "HomeVisitApproved", now, correlationId)]);
    return after;
  });
}

/**
 * The agency's own visit, locked, and whether its placement is still in force (the agency may act
 * on a visit only while it holds the case). Another agency's visit is, to this one, no visit.
 */
async function lockAgencyVisit(tx: EntityManager, clock: Clock, p: Principal, id: string): Promise<Record<string, any> & { inForce: boolean }> {
  const row = await lockVisit(tx, id);
  if (p.role !== "agency" || row.agency_id !== p.agencyId) throw refusedAsNotFound("HomeVisitRequest", id, row.id);
  return Object.assign(row, { inForce: await placementInForce(tx, clock, row) });
}

/**
 * The agency confirms the appointment with the borrower, while its placement is in force; an
 * attempt after it ended is refused and kept as a violation.
 */
export async function confirmHomeVisit(ds: DataSource, clock: Clock, p: Principal, id: string) {
  const now = clock.now();
  let violation: Violation | undefined;
  const done = await ds.transaction(async (tx) => {
    const row = await lockAgencyVisit(tx, clock, p, id);
    if (!row.inForce) {
      violation = { rule: "VISIT_AFTER_PLACEMENT_ENDED", row };
      return null;
    }
    if (row.status !== "APPROVED") throw conflict(`Only an APPROVED visit is scheduled (it is ${row.status})`);
    await tx.query("UPDATE home_visit SET status = 'SCHEDULED', appointment_confirmed_at = $2 WHERE id = $1", [row.id, now]);
    return reread(tx, row.id);
  });
  if (violation) throw await violated(ds, violation, now);
  return done!;
}

/**
 * The agency reports the visit, with the recording. A report after the placement ended, without
 * an approval, or outside the approved window, is refused, and the attempt is recorded as a
 * violation all the same.
 */
export async function completeHomeVisit(
  ds: DataSource, clock: Clock, p: Principal, id: string, report: string, recordingReference: string, correlationId: string | null,
) {
  const now = clock.now();
  if (!report.trim() || !recordingReference.trim()) throw badInput("A report and a recording reference are required", "report");
  let violation: Violation | undefined;
  const done = await ds.transaction(async (tx) => {
    const row = await lockAgencyVisit(tx, clock, p, id);
    if (!row.inForce) {
      violation = { rule: "VISIT_AFTER_PLACEMENT_ENDED", row };
      return null;
    }
    if (row.status === "COMPLETED") throw conflict("The visit was already reported");
    if (row.status !== "APPROVED" && row.status !== "SCHEDULED") {
      violation = { rule: "VISIT_WITHOUT_APPROVAL", row };
      return null;
    }
    if (now < new Date(row.window_start) || now >= new Date(row.window_end)) {
      violation = { rule: "VISIT_OUTSIDE_WINDOW", row };
      return null;
    }
    await tx.query("UPDATE home_visit SET status = 'COMPLETED', report = $2, recording_reference = $3, completed_at = $4 WHERE id = $1", [
      row.id, report.trim(), recordingReference.trim(), now,
    ]);
    const after = await reread(tx, row.id);
    await appendToOutbox(tx, [emitFor(after, "HomeVisitCompleted", now, correlationId)]);
    return after;
  });
  if (violation) throw await violated(ds, violation, now);
  return done!;
}

/** A visit that has not happened yet. */
const OPEN_VISIT = ["REQUESTED", "APPROVED", "SCHEDULED"];

/** Either party cancels a visit that has not happened. */
export async function cancelHomeVisit(ds: DataSource, clock: Clock, p: Principal, id: string, correlationId: string | null) {
  return ds.transaction(async (tx) => {
    const now = clock.now();
    const row = await lockVisit(tx, id);
    const mine = (p.role === "agency" && row.agency_id === p.agencyId) || (p.role === "lender" && row.lender_id === p.lenderId);
    // Someone else's visit is, to this caller, no visit at all.
    if (!mine) throw refusedAsNotFound("HomeVisitRequest", id, row.id);
    if (!OPEN_VISIT.includes(row.status)) throw conflict(`The visit is ${row.status}`);
    await tx.query("UPDATE home_visit SET status = 'CANCELLED' WHERE id = $1", [row.id]);
    const after = await reread(tx, row.id);
    await appendToOutbox(tx, cancelled([row], now, correlationId));
    return after;
  });
}

/**
 * HomeVisitCancelled for the visits among `rows` (as they were before cancelling) that were
 * approved: only those opened an address window, which the event closes in every directory.
 */
function cancelled(rows: Array<Record<string, any>>, at: Date, correlationId: string | null) {
  return rows.filter((r) => r.status !== "REQUESTED").map((r) => emitFor(r, "HomeVisitCancelled", at, correlationId));
}

/**
 * Cancels, inside `tx`, every visit of `caseId` by `agencyId` that has not happened: its
 * placement has ended (see endPlacement). Returns how many.
 */
export async function cancelOpenVisits(tx: EntityManager, caseId: string, agencyId: string, at: Date, correlationId: string | null): Promise<number> {
  const open: Array<Record<string, any>> = await tx.query(
    "SELECT * FROM home_visit WHERE case_id = $1 AND agency_id = $2 AND status = ANY($3::text[]) ORDER BY id FOR UPDATE",
    [caseId, agencyId, OPEN_VISIT],
  );
  if (open.length === 0) return 0;
  await tx.query("UPDATE home_visit SET status = 'CANCELLED' WHERE id = ANY($1::uuid[])", [open.map((r) => r.id)]);
  await appendToOutbox(tx, cancelled(open, at, correlationId));
  return open.length;
}
