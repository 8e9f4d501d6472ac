import type { EntityManager } from "typeorm";
import type { HomeVisitApprovedPayload, HomeVisitClosedPayload, PlacementEndedPayload, PlacementStartedPayload } from "@concord/schema";
import type { EventEnvelope } from "@concord/service-kit";

/** Durable consumer name of the loans subgraph's access read model. */
export const ACCESS_CONSUMER = "loans.case-access";

/**
 * Applies placement events to `case_access`. An event older than the one that last changed a
 * placement changes nothing, so a redelivered PlacementStarted never reopens an ended placement.
 */
export async function applyPlacementEvent(event: EventEnvelope, tx: EntityManager): Promise<void> {
  if (event.type === "PlacementStarted") {
    const p = event.payload as PlacementStartedPayload;
    await tx.query(
      `INSERT INTO case_access (placement_id, case_id, agency_id, active, started_at, last_event_at)
       VALUES ($1, $2, $3, true, $4, $5)
       ON CONFLICT (placement_id) DO NOTHING`,
      [p.placementId, p.caseId, p.agencyId, p.placedAt, event.occurredAt],
    );
  } else if (event.type === "HomeVisitApproved") {
    const v = event.payload as HomeVisitApprovedPayload;
    await tx.query(
      `INSERT INTO visit_window (visit_id, case_id, agency_id, window_start, window_end, open, last_event_at)
       VALUES ($1, $2, $3, $4, $5, true, $6) ON CONFLICT (visit_id) DO NOTHING`,
      [v.visitId, v.caseId, v.agencyId, v.windowStart, v.windowEnd, event.occurredAt],
    );
  } else if (event.type === "HomeVisitCompleted" || event.type === "HomeVisitCancelled") {
    const v = event.payload as HomeVisitClosedPayload;
    await tx.query(
      `UPDATE visit_window SET open = false, last_event_at = $2 WHERE visit_id = $1 AND last_event_at <= $2`,
      [v.visitId, event.occurredAt],
    );
  } else if (event.type === "PlacementEnded") {
    const p = event.payload as PlacementEndedPayload;
    await tx.query(
      `INSERT INTO case_access (placement_id, case_id, agency_id, active, started_at, ended_at, last_event_at)
       VALUES ($1, $2, $3, false, $4, $4, $5)
       ON CONFLICT (placement_id) DO UPDATE SET active = false, ended_at = EXCLUDED.ended_at, last_event_at = EXCLUDED.last_event_at
       WHERE case_access.last_event_at <= EXCLUDED.last_event_at`,
      [p.placementId, p.caseId, p.agencyId, p.endedAt, event.occurredAt],
    );
  }
}
