import type { EntityManager } from "typeorm";
import { caseEventPayloadSchema } from "@concord/schema";
import type { EventEnvelope } from "@concord/service-kit";
import type { CaseFigures } from "../offers/schedule";

/** Durable consumer name: each case's money, from the loans subgraph's case events. */
export const CASE_FIGURES_CONSUMER = "restructuring.case-figures";

const CASE_EVENTS = new Set(["CaseOpened", "CaseUpdated", "CaseResolved"]);

/**
 * Keeps `case_figures` true to the loans subgraph's case events: the balance, the amount
 * overdue, the rate and what is left of the schedule, which offers are calculated from. An event
 * applies only when its aggregateVersion is newer than the row's (bus order, never wall clocks),
 * so one delivered late or twice changes nothing. A field absent from an event (one written
 * before it was carried) keeps the value the row had; `nextDueDate: null` is a value (none left).
 */
export function caseFiguresHandler() {
  return async (event: EventEnvelope, tx: EntityManager): Promise<void> => {
    if (event.aggregateType !== "CollectionCase" || !CASE_EVENTS.has(event.type)) return;
    const p = caseEventPayloadSchema.parse(event.payload);
    await tx.query(
      `INSERT INTO case_figures (case_id, lender_id, version, status, days_past_due, outstanding_minor, overdue_minor, currency,
         annual_rate_bps, remaining_instalments, next_due_date, lender_timezone, as_of, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)
       ON CONFLICT (case_id) DO UPDATE SET
         version = EXCLUDED.version, status = EXCLUDED.status, days_past_due = EXCLUDED.days_past_due,
         outstanding_minor = EXCLUDED.outstanding_minor, overdue_minor = EXCLUDED.overdue_minor, currency = EXCLUDED.currency,
         annual_rate_bps = COALESCE(EXCLUDED.annual_rate_bps, case_figures.annual_rate_bps),
         remaining_instalments = COALESCE(EXCLUDED.remaining_instalments, case_figures.remaining_instalments),
         next_due_date = CASE WHEN $15 THEN EXCLUDED.next_due_date ELSE case_figures.next_due_date END,
         lender_timezone = COALESCE(EXCLUDED.lender_timezone, case_figures.lender_timezone),
         as_of = EXCLUDED.as_of, updated_at = EXCLUDED.updated_at
       WHERE case_figures.version < EXCLUDED.version`,
      [
        p.caseId,
        event.lenderId,
        event.aggregateVersion ?? 1,
        p.status,
        p.daysPastDue,
        p.outstandingBalanceMinor,
        p.amountOverdueMinor,
        p.currency,
        p.annualRateBps ?? null,
        p.remainingInstalments ?? null,
        p.nextDueDate ?? null,
        p.lenderTimezone ?? null,
        p.asOf,
        event.occurredAt,
        p.nextDueDate !== undefined,
      ],
    );
  };
}

/** What the schedule calculation needs of a case, with the lender's time zone; null for a case no event has told of. */
export interface KnownFigures {
  figures: CaseFigures;
  /** The lender's IANA time zone; null while no event carrying it has been applied. */
  lenderTimezone: string | null;
  /** The lender's business date the figures are for. */
  asOf: string;
}

export async function caseFigures(tx: EntityManager, caseId: string): Promise<KnownFigures | null> {
  const [r] = await tx.query("SELECT * FROM case_figures WHERE case_id = $1", [caseId]);
  if (!r) return null;
  return {
    figures: {
      outstandingMinor: BigInt(r.outstanding_minor),
      overdueMinor: BigInt(r.overdue_minor),
      currency: r.currency.trim(),
      annualRateBps: r.annual_rate_bps ?? 0,
      remainingInstalments: r.remaining_instalments ?? 0,
      nextDueDate: r.next_due_date ?? null,
    },
    lenderTimezone: r.lender_timezone ?? null,
    asOf: r.as_of,
  };
}
