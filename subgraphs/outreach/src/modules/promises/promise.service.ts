import type { DataSource, EntityManager } from "typeorm";
import { paymentRecordedPayloadSchema, type PromiseBrokenPayload, type PromiseKeptPayload, type PromiseMadePayload, type Principal } from "@concord/schema";
import {
  appendToOutbox,
  badInput,
  daysBetween,
  isCurrency,
  isIsoDate,
  keepingAmount,
  newEvent,
  uuidv7,
  type CaseEntry,
  type Clock,
  type EventEnvelope,
  type Outcome,
} from "@concord/service-kit";
import { liftHolds, placeHold } from "../holds/holds";
import { readPromiseTerms } from "../profile/profile.service";
import { endOfLocalDay, graceEndOf, zoneOfCase } from "./promise-dates";
import type { PromiseInput } from "./promise.inputs";

/** What placed a promise's hold (contact_hold.source_type). */
const SOURCE = "promise";
/** The longest period promiseStats reads, in days. */
const MAX_STATS_DAYS = 366;

/** A promise as reportActivity checked it (its hash covers exactly this). */
export interface PromiseAsked {
  amountMinor: bigint;
  currency: string;
  dueDate: string;
}

/**
 * The promise a report carries, checked: required with outcome PROMISE_TO_PAY, refused with any
 * other; an amount above 0, a currency ISO 4217 knows, a date YYYY-MM-DD. (The due date's window
 * needs the borrower's zone: see {@link checkDueDate}.)
 */
export function checkPromise(outcome: Outcome, p: PromiseInput | null | undefined): PromiseAsked | null {
  if (outcome !== "PROMISE_TO_PAY") {
    if (p != null) throw badInput("promise is only for outcome PROMISE_TO_PAY", "promise");
    return null;
  }
  if (p == null) throw badInput("outcome PROMISE_TO_PAY needs the promise (amountMinor, currency, dueDate)", "promise");
  const amountMinor = typeof p.amountMinor === "bigint" ? p.amountMinor : BigInt(String(p.amountMinor));
  if (amountMinor <= 0n) throw badInput("promise.amountMinor must be more than 0", "promise.amountMinor");
  const currency = p.currency?.trim() ?? "";
  if (!isCurrency(currency)) throw badInput("promise.currency must be an ISO 4217 code, for example GBP", "promise.currency");
  if (!isIsoDate(p.dueDate)) throw badInput("promise.dueDate must be a date YYYY-MM-DD", "promise.dueDate");
  return { amountMinor, currency, dueDate: p.dueDate };
}

/** A case's promises and payments take turns (a promise made while a payment arrives sees it). */
const lockCase = (tx: EntityManager, caseId: string) => tx.query("SELECT pg_advisory_xact_lock(hashtextextended($1, 29))", [caseId]);

const facts = (r: Record<string, any>) => ({
  promiseId: r.id as string,
  caseId: r.case_id as string,
  activityId: r.activity_id as string,
  agencyId: (r.agency_id ?? null) as string | null,
  amountMinor: String(r.amount_minor),
  currency: r.currency as string,
  dueDate: r.due_date as string,
});

/**
 * Makes the promise of a reported activity, in the report's transaction (its idempotency covers
 * it): the row, with the lender's terms as they stand; a PROMISE hold on CALL from `now` until
 * the end of the due date in the borrower's zone (none when that is past); PromiseMade; and, for
 * a contact reported late, the payments already recorded since it are counted at once.
 */
export async function makePromise(
  tx: EntityManager,
  entry: CaseEntry,
  activity: Record<string, any>,
  promise: PromiseAsked,
  now: Date,
  correlationId: string | null,
): Promise<Record<string, any>> {
  await lockCase(tx, entry.caseId);
  const zone = zoneOfCase(entry);
  const terms = await readPromiseTerms(tx, entry.lenderId);
  const dueEndsAt = endOfLocalDay(promise.dueDate, zone);
  const graceEndsAt = graceEndOf(promise.dueDate, terms.promiseGraceDays, zone);
  const id = uuidv7(now.getTime());
  const [row] = await tx.query(
    `INSERT INTO promise_to_pay (id, case_id, lender_id, borrower_id, agency_id, activity_id, amount_minor, currency, due_date, made_at,
       due_ends_at, grace_ends_at, threshold_bps, grace_days, status, reported_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, 'PENDING', $15) RETURNING *`,
    [
      id, entry.caseId, entry.lenderId, entry.borrowerId, activity.agency_id ?? null, activity.id, promise.amountMinor.toString(), promise.currency,
      promise.dueDate, activity.occurred_at, dueEndsAt, graceEndsAt, terms.promiseKeptThresholdBps, terms.promiseGraceDays, now,
    ],
  );
  if (dueEndsAt.getTime() > now.getTime()) {
    await placeHold(tx, { caseId: entry.caseId, lenderId: entry.lenderId, kind: "PROMISE", channels: ["CALL"], startsAt: now, endsAt: dueEndsAt, source: { type: SOURCE, id } }, now, correlationId);
  }
  const payload: PromiseMadePayload = { ...facts(row), graceEndsAt: graceEndsAt.toISOString() };
  await appendToOutbox(tx, [newEvent({ type: "PromiseMade", aggregateType: "PromiseToPay", aggregateId: id, aggregateVersion: 1, lenderId: entry.lenderId, payload, correlationId }, now)]);
  const [settled] = await settle(tx, row.case_id, row.currency, new Set([row.id]), now, correlationId);
  return settled ?? row;
}

/**
 * Settles the promises of `caseId` in `currency` against its payments, each payment counted once
 * across them: the promises in the order they were made each take, from the payments received
 * from their contact until their grace end, what is left of those payments up to the amount that
 * keeps them (one payment never keeps two promises; a payment larger than a promise needs is left
 * to the next). A PENDING or BROKEN promise that reaches its threshold is KEPT now, its hold
 * lifted and PromiseKept emitted, once. A BROKEN one is open to a payment received before its
 * grace ended and heard of only after the job broke it (the bus was behind): receipt is what
 * counts, so it is KEPT after all, PromiseKept (version 3) superseding its PromiseBroken. Returns
 * the promises of `only` (ids) as they now stand.
 */
async function settle(tx: EntityManager, caseId: string, currency: string, only: ReadonlySet<string>, now: Date, correlationId: string | null): Promise<Array<Record<string, any>>> {
  const promises: Array<Record<string, any>> = await tx.query("SELECT * FROM promise_to_pay WHERE case_id = $1 AND currency = $2 ORDER BY made_at, id", [caseId, currency]);
  const payments: Array<{ amount_minor: string; received_at: Date }> = await tx.query(
    "SELECT amount_minor, received_at FROM case_payment WHERE case_id = $1 AND currency = $2 ORDER BY received_at, payment_id",
    [caseId, currency],
  );
  const left = payments.map((q) => BigInt(q.amount_minor));
  const out: Array<Record<string, any>> = [];
  for (const r of promises) {
    const need = keepingAmount(BigInt(r.amount_minor), Number(r.threshold_bps));
    let got = 0n;
    payments.forEach((q, i) => {
      const at = new Date(q.received_at).getTime();
      if (got >= need || left[i]! === 0n || at < new Date(r.made_at).getTime() || at >= new Date(r.grace_ends_at).getTime()) return;
      const take = left[i]! < need - got ? left[i]! : need - got;
      left[i]! -= take;
      got += take;
    });
    if (r.status === "KEPT" || BigInt(r.paid_minor) === got && got < need) {
      if (only.has(r.id)) out.push(r);
      continue;
    }
    const kept = got >= need;
    const [[row]] = await tx.query(
      `UPDATE promise_to_pay SET paid_minor = $2, status = CASE WHEN $3 THEN 'KEPT' ELSE status END, kept_at = CASE WHEN $3 THEN $4::timestamptz ELSE kept_at END
        WHERE id = $1 AND status IN ('PENDING', 'BROKEN') RETURNING *`,
      [r.id, got.toString(), kept, now],
    );
    if (!row) continue;
    if (only.has(row.id)) out.push(row);
    if (row.status !== "KEPT") continue;
    await liftHolds(tx, { type: SOURCE, id: row.id }, now, correlationId);
    const payload: PromiseKeptPayload = { ...facts(row), paidMinor: String(row.paid_minor), keptAt: now.toISOString() };
    // Made (1), then kept (2); or made, broken (2), then kept after all (3).
    const version = row.broken_at ? 3 : 2;
    await appendToOutbox(tx, [newEvent({ type: "PromiseKept", aggregateType: "PromiseToPay", aggregateId: row.id, aggregateVersion: version, lenderId: row.lender_id, payload, correlationId }, now)]);
  }
  return out;
}

/** Durable consumer name: payments loans records keep promises to pay. */
export const PAYMENTS_CONSUMER = "outreach.payments";

/**
 * Records each `Loan.PaymentRecorded` of a case once (by paymentId: a redelivery, or the same
 * payment emitted again, counts nothing more) and settles the case's PENDING promises in its
 * currency. A payment of no case is not this subgraph's. A payload that does not fit its schema
 * throws (retried, then dead-lettered with the reason).
 */
export function paymentsHandler(clock: Clock) {
  return async (event: EventEnvelope, tx: EntityManager): Promise<void> => {
    if (event.type !== "PaymentRecorded" || event.aggregateType !== "Loan") return;
    const p = paymentRecordedPayloadSchema.parse(event.payload);
    if (!p.caseId) return;
    const now = clock.now();
    await lockCase(tx, p.caseId);
    const [inserted] = await tx.query(
      `INSERT INTO case_payment (payment_id, case_id, loan_id, amount_minor, currency, received_at, recorded_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (payment_id) DO NOTHING RETURNING payment_id`,
      [p.paymentId, p.caseId, p.loanId, p.amountMinor, p.currency, p.receivedAt, now],
    );
    if (!inserted) return;
    await settle(tx, p.caseId, p.currency, new Set(), now, event.id);
  };
}

/** How many promises one transaction of the job breaks. */
const BREAK_BATCH = 200;

/**
 * The `break-promises` job: every PENDING promise whose grace has ended (graceEndsAt <= now) is
 * BROKEN now, any hold it still has lifted, PromiseBroken emitted, once each. Returns how many.
 */
export async function breakPromises(ds: DataSource, clock: Clock): Promise<number> {
  const now = clock.now();
  let total = 0;
  for (;;) {
    const n = await ds.transaction(async (tx) => {
      const [rows]: [Array<Record<string, any>>, number] = await tx.query(
        `UPDATE promise_to_pay SET status = 'BROKEN', broken_at = $1
          WHERE id IN (SELECT id FROM promise_to_pay WHERE status = 'PENDING' AND grace_ends_at <= $1 ORDER BY grace_ends_at, id LIMIT $2 FOR UPDATE SKIP LOCKED)
            AND status = 'PENDING'
          RETURNING *`,
        [now, BREAK_BATCH],
      );
      for (const row of rows) {
        await liftHolds(tx, { type: SOURCE, id: row.id }, now, null);
        const payload: PromiseBrokenPayload = { ...facts(row), paidMinor: String(row.paid_minor), brokenAt: now.toISOString() };
        await appendToOutbox(tx, [newEvent({ type: "PromiseBroken", aggregateType: "PromiseToPay", aggregateId: row.id, aggregateVersion: 2, lenderId: row.lender_id, payload, correlationId: null }, now)]);
      }
      return rows.length;
    });
    total += n;
    if (n < BREAK_BATCH) return total;
  }
}

/** One row of promiseStats. */
export interface PromiseStatsRow {
  agencyId: string | null;
  made: number;
  kept: number;
  broken: number;
  pending: number;
  keptRate: number | null;
}

/**
 * Promises due from `from` to `to` (local dates, inclusive), per agency that took them (null:
 * the lender's own collectors), of what the caller may see: a lender its own cases', an agency
 * its own promises, a borrower its own, an auditor every lender's.
 */
export async function promiseStats(ds: DataSource, p: Principal, from: string, to: string): Promise<PromiseStatsRow[]> {
  if (!isIsoDate(from)) throw badInput("from must be a date YYYY-MM-DD", "from");
  if (!isIsoDate(to)) throw badInput("to must be a date YYYY-MM-DD", "to");
  const span = daysBetween(from, to);
  if (span < 0) throw badInput("to may not be before from", "to");
  if (span >= MAX_STATS_DAYS) throw badInput(`A period is at most ${MAX_STATS_DAYS} days`, "to");
  const params: unknown[] = [from, to];
  let who: string;
  if (p.role === "lender") who = `lender_id = $${params.push(p.lenderId ?? null)}`;
  else if (p.role === "agency") who = `agency_id = $${params.push(p.agencyId ?? null)}`;
  else if (p.role === "borrower") who = `borrower_id = $${params.push(p.borrowerId ?? null)}`;
  else if (p.role === "auditor") who = "true";
  else return [];
  const rows: Array<Record<string, any>> = await ds.query(
    `SELECT agency_id, count(*)::int AS made,
            count(*) FILTER (WHERE status = 'KEPT')::int AS kept,
            count(*) FILTER (WHERE status = 'BROKEN')::int AS broken,
            count(*) FILTER (WHERE status = 'PENDING')::int AS pending
       FROM promise_to_pay WHERE due_date BETWEEN $1 AND $2 AND ${who}
      GROUP BY agency_id ORDER BY agency_id NULLS FIRST`,
    params,
  );
  return rows.map((r) => ({
    agencyId: r.agency_id ?? null,
    made: r.made,
    kept: r.kept,
    broken: r.broken,
    pending: r.pending,
    keptRate: r.kept + r.broken > 0 ? r.kept / (r.kept + r.broken) : null,
  }));
}
