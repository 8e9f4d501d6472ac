import type { EntityManager } from "typeorm";
import { caseEventPayloadSchema } from "@concord/schema";
import { systemClock, type Clock, type EventEnvelope } from "@concord/service-kit";
import { endPlacement, EXPIRY } from "../modules/placement/placement.service";
import { isLapsed } from "../modules/placement/placement.type";

/** Durable consumer name: a resolved case completes its placement. */
export const CASE_RESOLVED_CONSUMER = "agencies.case-resolved";

/**
 * Completes the ACTIVE placement of a case the loans subgraph resolved (the case directory has
 * already ended the agency's access by then; this ends the placement itself, with its event).
 */
export function caseResolvedHandler(clock: Clock = systemClock) {
  return async (event: EventEnvelope, tx: EntityManager): Promise<void> => {
    if (event.type !== "CaseResolved" || event.aggregateType !== "CollectionCase") return;
    const { caseId } = caseEventPayloadSchema.parse(event.payload);
    const active = await tx.query("SELECT id, status, expires_at FROM placement WHERE case_id = $1 AND status = 'ACTIVE'", [caseId]);
    for (const p of active) {
      // One that lapsed before the resolution expired then, not completed.
      const how = isLapsed(p, clock.now()) ? EXPIRY : ({ status: "COMPLETED", reason: "The case was resolved", by: "system" } as const);
      await endPlacement(tx, clock, p.id, how, event.id);
    }
  };
}
