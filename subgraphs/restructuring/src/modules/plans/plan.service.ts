import type { DataSource, EntityManager } from "typeorm";
import { paymentRecordedPayloadSchema, type PlanUpdatedPayload } from "@concord/schema";
import { appendToOutbox, newEvent, type Clock, type EventEnvelope } from "@concord/service-kit";
import { lockCase } from "../offers/offer.service";
import { DEFAULT_GRACE_DAYS, planState, type PlanInstalment, type PlanPayment, type PlanState } from "./plan-ledger";

/** Durable consumer name: loans' payments tracked against the case's ACTIVE plan. */
export const PLAN_PAYMENTS_CONSUMER = "restructuring.plan-payments";

/** A time zone for a plan whose case's figures never carried the lender's (events from before it was carried). */
const FALLBACK_ZONE = "UTC";

/**
 * The grace days a lender's plan instalments have past their due dates: its restructuring terms'
 * `planGraceDays` (setRestructuringTerms), DEFAULT_GRACE_DAYS while it set none.
 */
export async function planGraceDaysOf(tx: EntityManager, lenderId: string): Promise<number> {
  const [row] = await tx.query("SELECT plan_grace_days FROM lender_terms WHERE lender_id = $1", [lenderId]);
  return row?.plan_grace_days ?? DEFAULT_GRACE_DAYS;
}

export type PlanChange = PlanUpdatedPayload["change"];

/** The plan `row` as the ledger says it stands at `now`, from its instalments and every payment recorded on its case. */
async function derive(tx: EntityManager, row: Record<string, any>, now: Date): Promise<PlanState> {
  const instalments: PlanInstalment[] = (
    await tx.query("SELECT sequence, due_date::text AS due_date, amount_minor::text AS amount_minor FROM plan_instalment WHERE plan_id = $1 ORDER BY sequence", [row.id])
  ).map((i: Record<string, any>) => ({ sequence: Number(i.sequence), dueDate: i.due_date, amountMinor: BigInt(i.amount_minor) }));
  const payments: PlanPayment[] = (
    await tx.query("SELECT payment_id, amount_minor::text AS amount_minor, currency, received_at FROM plan_payment WHERE case_id = $1", [row.case_id])
  ).map((p: Record<string, any>) => ({ paymentId: p.payment_id, amountMinor: BigInt(p.amount_minor), currency: String(p.currency).trim(), receivedAt: new Date(p.received_at) }));
  const [figures] = await tx.query("SELECT lender_timezone FROM case_figures WHERE case_id = $1", [row.case_id]);
  const terms = {
    currency: String(row.currency).trim(),
    zone: figures?.lender_timezone ?? FALLBACK_ZONE,
    graceDays: await planGraceDaysOf(tx, row.lender_id),
    startedAt: new Date(row.started_at),
  };
  return planState(instalments, payments, terms, now);
}

/**
 * Persists what the ledger says of an ACTIVE plan, when it says something new: the instalments
 * (paid, status, paidAt), the plan (status, paidMinor, completedAt/brokenAt, version + 1), a
 * plan_event row and PlanUpdated, in `tx`. `only` restricts which changes are written (the grace
 * job writes BROKEN only). Returns the change written, or null when nothing changed.
 */
async function apply(
  tx: EntityManager,
  row: Record<string, any>,
  now: Date,
  trigger: { paymentId: string | null; correlationId: string | null; only?: PlanChange[] },
): Promise<PlanChange | null> {
  const s = await derive(tx, row, now);
  const change: PlanChange | null =
    s.status === "COMPLETED" ? "COMPLETED" : s.status === "BROKEN" ? "BROKEN" : s.paidMinor !== BigInt(row.paid_minor) ? "PAYMENT" : null;
  if (!change || (trigger.only && !trigger.only.includes(change))) return null;
  for (const i of s.instalments) {
    await tx.query("UPDATE plan_instalment SET paid_minor = $3, status = $4, paid_at = $5 WHERE plan_id = $1 AND sequence = $2", [
      row.id, i.sequence, i.paidMinor.toString(), i.status, i.paidAt,
    ]);
  }
  const [[updated]] = await tx.query(
    `UPDATE plan SET status = $2, paid_minor = $3, completed_at = $4, broken_at = $5, version = version + 1 WHERE id = $1 AND status = 'ACTIVE' RETURNING *`,
    [row.id, s.status, s.paidMinor.toString(), s.completedAt, s.brokenAt],
  );
  const paymentId = trigger.paymentId && s.counted.includes(trigger.paymentId) ? trigger.paymentId : null;
  const version = Number(updated.version);
  await tx.query("INSERT INTO plan_event (plan_id, version, at, change, status, paid_minor, payment_id) VALUES ($1, $2, $3, $4, $5, $6, $7)", [
    row.id, version, now, change, s.status, s.paidMinor.toString(), paymentId,
  ]);
  const [offer] = await tx.query("SELECT kind FROM offer WHERE id = $1", [row.offer_id]);
  const next = s.status === "ACTIVE" ? s.instalments.find((i) => i.status !== "PAID") : undefined;
  const payload: PlanUpdatedPayload = {
    planId: row.id,
    offerId: row.offer_id,
    caseId: row.case_id,
    borrowerId: row.borrower_id ?? null,
    kind: offer.kind,
    status: s.status,
    change,
    paidMinor: s.paidMinor.toString(),
    totalPayableMinor: String(row.total_payable_minor),
    totalForgivenMinor: String(row.total_forgiven_minor),
    currency: String(row.currency).trim(),
    nextDueDate: next?.dueDate ?? null,
    paymentId,
  };
  await appendToOutbox(tx, [
    newEvent({ type: "PlanUpdated", aggregateType: "Plan", aggregateId: row.id, aggregateVersion: version, lenderId: row.lender_id, payload, correlationId: trigger.correlationId }, now),
  ]);
  return change;
}

/**
 * The `restructuring.plan-payments` handler: records each `Loan.PaymentRecorded` of a case once
 * (by paymentId: a redelivery changes nothing), then re-derives the case's ACTIVE plan at the
 * clock's now and, when that changed it (a payment of its currency counted; the last instalment
 * filled; or a grace that already ran out), persists it with PlanUpdated. A payment of no case is
 * not restructuring's; a payload that does not fit its schema throws (retried, then dead-lettered).
 */
export function planPaymentsHandler(clock: Clock) {
  return async (event: EventEnvelope, tx: EntityManager): Promise<void> => {
    if (event.type !== "PaymentRecorded" || event.aggregateType !== "Loan") return;
    const p = paymentRecordedPayloadSchema.parse(event.payload);
    if (!p.caseId) return;
    const now = clock.now();
    // The offers' case lock: an acceptance and a payment of one case take turns.
    await lockCase(tx, p.caseId);
    const [inserted] = await tx.query(
      `INSERT INTO plan_payment (payment_id, case_id, loan_id, amount_minor, currency, received_at, recorded_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (payment_id) DO NOTHING RETURNING payment_id`,
      [p.paymentId, p.caseId, p.loanId, p.amountMinor, p.currency, p.receivedAt, now],
    );
    if (!inserted) return;
    const [plan] = await tx.query("SELECT * FROM plan WHERE case_id = $1 AND status = 'ACTIVE' FOR UPDATE", [p.caseId]);
    if (!plan) return;
    await apply(tx, plan, now, { paymentId: p.paymentId, correlationId: event.id });
  };
}

/**
 * The `plan-grace` job: every ACTIVE plan with an instalment still unpaid when its grace ended
 * (the end of its due date plus the lender's grace days, in the lender's time zone) is BROKEN,
 * with PlanUpdated (change BROKEN), once. Returns how many it broke.
 */
export async function breakPlansPastGrace(ds: DataSource, clock: Clock): Promise<number> {
  const now = clock.now();
  // Candidates: an unpaid instalment due by tomorrow in UTC (every zone's today); the ledger decides.
  const due: Array<{ id: string; case_id: string }> = await ds.query(
    `SELECT p.id, p.case_id FROM plan p WHERE p.status = 'ACTIVE'
       AND EXISTS (SELECT 1 FROM plan_instalment i WHERE i.plan_id = p.id AND i.status <> 'PAID' AND i.due_date <= ($1::timestamptz AT TIME ZONE 'UTC')::date + 1)
     ORDER BY p.started_at, p.id`,
    [now],
  );
  let n = 0;
  for (const { id, case_id } of due) {
    await ds.transaction(async (tx) => {
      await lockCase(tx, case_id);
      const [plan] = await tx.query("SELECT * FROM plan WHERE id = $1 AND status = 'ACTIVE' FOR UPDATE", [id]);
      if (!plan) return;
      if (await apply(tx, plan, now, { paymentId: null, correlationId: `job:plan-grace:${now.toISOString()}`, only: ["BROKEN"] })) n++;
    });
  }
  return n;
}
