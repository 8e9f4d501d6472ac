import type { EntityManager } from "typeorm";
import { caseEventPayloadSchema, type EventEnvelope } from "@concord/schema";

/** Durable consumer name: what each case has overdue, for the notices. */
export const CASE_BALANCE_CONSUMER = "outreach.case-balance";

const CASE_EVENTS = new Set(["CaseOpened", "CaseUpdated", "CaseResolved"]);

/**
 * Keeps case_balance from the loans subgraph's case events: the amount overdue, its currency,
 * days past due and the assessment date. A row moves only to a newer aggregate version (version 0
 * marks events from before versions were kept, applied in bus order among themselves), so an
 * event delivered twice or late leaves it right, as the case directory does.
 */
export async function applyCaseBalance(tx: EntityManager, event: EventEnvelope): Promise<void> {
  if (event.aggregateType !== "CollectionCase" || !CASE_EVENTS.has(event.type)) return;
  const p = caseEventPayloadSchema.parse(event.payload);
  if (!event.lenderId) throw new Error(`${event.type} ${event.id} names no lender`);
  await tx.query(
    `INSERT INTO case_balance (case_id, lender_id, amount_overdue_minor, currency, days_past_due, as_of, version, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, now())
     ON CONFLICT (case_id) DO UPDATE SET lender_id = EXCLUDED.lender_id, amount_overdue_minor = EXCLUDED.amount_overdue_minor,
       currency = EXCLUDED.currency, days_past_due = EXCLUDED.days_past_due, as_of = EXCLUDED.as_of, version = EXCLUDED.version, updated_at = now()
     WHERE case_balance.version < EXCLUDED.version OR (EXCLUDED.version = 0 AND case_balance.version = 0)`,
    [p.caseId, event.lenderId, p.amountOverdueMinor, p.currency, p.daysPastDue, p.asOf.slice(0, 10), event.aggregateVersion ?? 0],
  );
}

/** What a case has overdue, as the last case event said. */
export interface CaseBalance {
  amountOverdueMinor: bigint;
  currency: string;
  daysPastDue: number;
  /** YYYY-MM-DD */
  asOf: string;
  /**
   * The oldest unpaid due date: loans counts days past due from the day after it (delinquency.ts
   * `assess`: daysPastDue = asOf - oldest unpaid due date), so it is asOf minus daysPastDue. Null
   * when nothing is overdue.
   */
  dueDate: string | null;
}

/** asOf (YYYY-MM-DD) minus `days` calendar days. */
export function daysBefore(asOf: string, days: number): string {
  const d = new Date(`${asOf}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() - days);
  return d.toISOString().slice(0, 10);
}

export async function caseBalance(db: EntityManager | { query: EntityManager["query"] }, caseId: string): Promise<CaseBalance | null> {
  const [r] = await db.query("SELECT amount_overdue_minor::text AS amount, currency, days_past_due, to_char(as_of, 'YYYY-MM-DD') AS as_of FROM case_balance WHERE case_id = $1", [caseId]);
  if (!r) return null;
  const dpd = Number(r.days_past_due);
  return { amountOverdueMinor: BigInt(r.amount), currency: r.currency, daysPastDue: dpd, asOf: r.as_of, dueDate: dpd > 0 ? daysBefore(r.as_of, dpd) : null };
}
