import type { EntityManager } from "typeorm";
import { caseEscalatedToLegalPayloadSchema } from "@concord/schema";
import { systemClock, type Clock, type EventEnvelope } from "@concord/service-kit";
import { endPlacement, EXPIRY } from "./placement.service";
import { isLapsed } from "./placement.type";

/** Durable consumer name: a case escalated to legal action is recalled from its agency. */
export const LEGAL_ESCALATION_CONSUMER = "agencies.legal-escalation";

/** How a placement ends when its case goes to legal action. */
export const LEGAL_RECALL = { status: "RECALLED", reason: "The case was escalated to legal action", by: "system" } as const;

/**
 * Recalls the ACTIVE placement of a case restructuring escalated to legal action
 * (`LegalEscalation.CaseEscalatedToLegal`): RECALLED with {@link LEGAL_RECALL}'s reason and
 * PlacementEnded, as suspendAgency recalls. One that had lapsed by then expired, not recalled.
 * Idempotent: a redelivery finds no ACTIVE placement and changes nothing; a placement started
 * after the escalation is not this event's to end.
 */
export function legalEscalationHandler(clock: Clock = systemClock) {
  return async (event: EventEnvelope, tx: EntityManager): Promise<void> => {
    if (event.type !== "CaseEscalatedToLegal" || event.aggregateType !== "LegalEscalation") return;
    const { caseId, escalatedAt } = caseEscalatedToLegalPayloadSchema.parse(event.payload);
    const active: Array<{ id: string; status: string; expires_at: Date }> = await tx.query(
      "SELECT id, status, expires_at FROM placement WHERE case_id = $1 AND status = 'ACTIVE' AND placed_at <= $2 ORDER BY id FOR UPDATE",
      [caseId, escalatedAt],
    );
    for (const p of active) await endPlacement(tx, clock, p.id, isLapsed(p, clock.now()) ? EXPIRY : LEGAL_RECALL, event.id);
  };
}
