import type { DataSource } from "typeorm";
import { CLOSED_CASE_STATUSES, ERROR_CODES, type CaseEscalatedToLegalPayload, type Principal } from "@concord/schema";
import {
  appendAudit,
  appendToOutbox,
  badInput,
  CaseDirectory,
  ConcordError,
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
} from "@concord/service-kit";
import { lockCase, withdrawOpenOffers } from "../offers/offer.service";
import { restructuringTermsOf } from "./legal-terms";

/** The rules escalateToLegal checks, in this order; a refusal names the first that fails (extensions.rule). */
export const LEGAL_RULES = ["DAYS_PAST_DUE", "LEGAL_WARNING", "NO_DISPUTE", "NO_HARDSHIP_HOLD", "NO_ACTIVE_PLAN", "TIME_BARRED"] as const;
export type LegalRule = (typeof LEGAL_RULES)[number];

export const MAX_OPINION_REFERENCE = 500;
export const MAX_REASON = 2000;

/** Hold kinds that bar a legal step while in force: an open dispute; a hardship hold or a breathing space. */
const DISPUTE_HOLDS = new Set(["DISPUTE"]);
const HARDSHIP_HOLDS = new Set(["HARDSHIP", "BREATHING_SPACE"]);

const refused = (rule: LegalRule, message: string) => new ConcordError(ERROR_CODES.BAD_USER_INPUT, message, { rule });

/** `at` plus `months` calendar months (UTC; a 31st becomes the month's last day), the time of day kept. */
export function addMonths(at: Date, months: number): Date {
  const y = at.getUTCFullYear();
  const m = at.getUTCMonth() + months;
  const last = new Date(Date.UTC(y, m + 1, 0)).getUTCDate();
  const d = new Date(at.getTime());
  d.setUTCFullYear(y, m, Math.min(at.getUTCDate(), last));
  return d;
}

function required(v: string | null | undefined, max: number, field: string): string {
  const t = v?.trim() ?? "";
  if (t.length < 1 || t.length > max) throw badInput(`${field} must be 1 to ${max} characters`, field);
  return t;
}


/**
 * The lender escalates its own case to legal action, once every rule holds now, in the order of
 * LEGAL_RULES: days past due at least its legalMinDaysPastDue; a LEGAL_WARNING notice sent whose
 * earliestLegalStepAt has come; no DISPUTE hold and no HARDSHIP or BREATHING_SPACE hold in force;
 * no ACTIVE plan; the debt not time-barred (the last payment on the loan, or the case's opening
 * when none was made, plus limitationPeriodMonths is after now). A refusal is BAD_USER_INPUT with
 * extensions.rule and writes nothing. A case already escalated returns its escalation as it is.
 * Success writes the escalation, CaseEscalatedToLegal (outbox) and a LEGAL_ESCALATION audit
 * record, in one transaction.
 */
export async function escalateToLegal(
  ds: DataSource,
  clock: Clock,
  p: Principal,
  input: { caseId: string; legalOpinionReference: string; reason: string },
  correlationId: string | null,
): Promise<Record<string, any>> {
  if (p.role !== "lender" || !p.lenderId || !isUuid(p.lenderId)) throw forbidden("escalating a case to legal action");
  const now = clock.now();
  return ds.transaction(async (tx) => {
    const directory = new CaseDirectory(tx, clock);
    const entry = isUuid(input.caseId) ? await directory.entry(input.caseId) : null;
    if (!entry) throw notFound("CollectionCase", input.caseId);
    if (entry.lenderId !== p.lenderId!.toLowerCase()) throw refusedAsNotFound("CollectionCase", input.caseId, entry.caseId);
    const reference = required(input.legalOpinionReference, MAX_OPINION_REFERENCE, "legalOpinionReference");
    const reason = required(input.reason, MAX_REASON, "reason");
    await lockCase(tx, entry.caseId);
    const [done] = await tx.query("SELECT * FROM legal_escalation WHERE case_id = $1", [entry.caseId]);
    if (done) return done;
    if (CLOSED_CASE_STATUSES.includes(entry.status)) throw conflict(`The case is ${entry.status}: there is nothing to take to court`);

    const terms = await restructuringTermsOf(tx, entry.lenderId);
    const [figures] = await tx.query("SELECT days_past_due FROM case_figures WHERE case_id = $1", [entry.caseId]);
    if (!figures) throw conflict("The case's figures have not reached restructuring yet; retry shortly");
    if (figures.days_past_due < terms.legalMinDaysPastDue) {
      throw refused("DAYS_PAST_DUE", `The case is ${figures.days_past_due} days past due; the lender's terms ask at least ${terms.legalMinDaysPastDue} before a legal step`);
    }

    const [warning] = await tx.query(
      "SELECT min(earliest_legal_step_at) AS earliest, count(*)::int AS sent FROM legal_warning_notice WHERE case_id = $1 AND earliest_legal_step_at IS NOT NULL",
      [entry.caseId],
    );
    if (!warning.earliest) throw refused("LEGAL_WARNING", "No LEGAL_WARNING notice has been sent on the case (outreach's sendNotice)");
    if (new Date(warning.earliest).getTime() > now.getTime()) {
      throw refused("LEGAL_WARNING", `The LEGAL_WARNING notice allows a legal step from ${new Date(warning.earliest).toISOString()}, not before`);
    }

    const rules = await directory.contactRules(entry.caseId, now, profileOf(DEFAULT_JURISDICTION));
    const inForce = (rules?.holds ?? []).filter((h) => h.startsAt.getTime() <= now.getTime() && (h.endsAt === null || h.endsAt.getTime() > now.getTime()));
    // The directory's consumer stopped: holds queued behind it are unknown, so none is ruled out.
    if (inForce.some((h) => DISPUTE_HOLDS.has(h.kind) || h.holdId === "directory-stopped")) {
      throw refused("NO_DISPUTE", "A dispute is open on the case (a DISPUTE hold is in force), or the case directory is behind: no legal step until it is resolved");
    }
    if (inForce.some((h) => HARDSHIP_HOLDS.has(h.kind))) {
      throw refused("NO_HARDSHIP_HOLD", "A hardship hold or breathing space is in force on the case: no legal step until it ends");
    }

    const [plan] = await tx.query("SELECT id FROM plan WHERE case_id = $1 AND status = 'ACTIVE'", [entry.caseId]);
    if (plan) throw refused("NO_ACTIVE_PLAN", `The case has an ACTIVE plan (${plan.id}): no legal step while it runs`);

    const [since] = await tx.query(
      `SELECT coalesce((SELECT received_at FROM loan_last_payment WHERE loan_id = coalesce($2::uuid, (SELECT loan_id FROM case_opening WHERE case_id = $1))),
                       (SELECT opened_at FROM case_opening WHERE case_id = $1)) AS runs_from`,
      [entry.caseId, entry.loanId],
    );
    if (!since?.runs_from) throw refused("TIME_BARRED", "Neither a payment on the loan nor the case's opening has reached restructuring: the limitation period cannot be checked");
    const runsFrom = new Date(since.runs_from);
    const barredAt = addMonths(runsFrom, terms.limitationPeriodMonths);
    if (barredAt.getTime() <= now.getTime()) {
      throw refused(
        "TIME_BARRED",
        `The debt is time-barred since ${barredAt.toISOString()} (${terms.limitationPeriodMonths} months from ${runsFrom.toISOString()}): no suit on it (US_REG_F: 12 CFR 1006.26(b))`,
      );
    }

    const id = uuidv7(now.getTime());
    const [row] = await tx.query(
      `INSERT INTO legal_escalation (id, case_id, lender_id, escalated_by, legal_opinion_reference, reason, escalated_at, days_past_due, limitation_runs_from, limitation_period_months)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING *`,
      [id, entry.caseId, entry.lenderId, p.sub, reference, reason, now, figures.days_past_due, runsFrom, terms.limitationPeriodMonths],
    );
    const payload: CaseEscalatedToLegalPayload = { escalationId: id, caseId: entry.caseId, escalatedAt: now.toISOString() };
    await appendToOutbox(tx, [
      newEvent({ type: "CaseEscalatedToLegal", aggregateType: "LegalEscalation", aggregateId: id, aggregateVersion: 1, lenderId: entry.lenderId, payload, correlationId }, now),
    ]);
    // Negotiation is over: the case's open offers are withdrawn (none may be accepted after this).
    await withdrawOpenOffers(tx, entry.caseId, now, correlationId);
    await appendAudit(
      tx,
      p,
      correlationId,
      [{ action: "LEGAL_ESCALATION", type: "Mutation", field: "escalateToLegal", objectId: id, path: "escalateToLegal", detail: { caseId: entry.caseId, daysPastDue: figures.days_past_due } }],
      now,
    );
    return row;
  });
}
