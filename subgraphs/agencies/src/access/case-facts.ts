import type { EntityManager } from "typeorm";
import type { CaseEventPayload } from "@concord/schema";
import { systemClock, type Clock, type EventEnvelope } from "@concord/service-kit";
import { endPlacement } from "../modules/placement/placement.service";

/** Durable consumer name of the agencies subgraph's case facts. */
export const CASE_FACTS_CONSUMER = "agencies.case-facts";

/**
 * Keeps what agencies need of each case (lender, region, bucket, status) from the loans
 * subgraph's case events, never by calling loans; a resolved case completes its placement.
 */
export function caseFactsHandler(clock: Clock = systemClock) {
  return async (event: EventEnvelope, tx: EntityManager): Promise<void> => {
    if (!["CaseOpened", "CaseUpdated", "CaseResolved"].includes(event.type) || !event.lenderId) return;
    const c = event.payload as CaseEventPayload;
    await tx.query(
      `INSERT INTO case_fact (case_id, lender_id, region, bucket, status, days_past_due, last_event_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7)
       ON CONFLICT (case_id) DO UPDATE SET region = EXCLUDED.region, bucket = EXCLUDED.bucket, status = EXCLUDED.status,
         days_past_due = EXCLUDED.days_past_due, last_event_at = EXCLUDED.last_event_at
       WHERE case_fact.last_event_at <= EXCLUDED.last_event_at`,
      [c.caseId, event.lenderId, c.region ?? "unknown", c.bucket, c.status, c.daysPastDue, event.occurredAt],
    );
    if (event.type === "CaseResolved") {
      const active = await tx.query("SELECT id FROM placement WHERE case_id = $1 AND status = 'ACTIVE'", [c.caseId]);
      for (const p of active) {
        await endPlacement(tx, clock, p.id, { status: "COMPLETED", reason: "The case was resolved", by: "system" }, event.id);
      }
    }
  };
}
