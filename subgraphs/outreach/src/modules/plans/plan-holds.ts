import type { EntityManager } from "typeorm";
import { planStartedPayloadSchema, planUpdatedPayloadSchema, subjectOf } from "@concord/schema";
import { systemClock, type Channel, type Clock, type EventEnvelope } from "@concord/service-kit";
import { liftHolds, placeHold } from "../holds/holds";

/** Durable consumer name: a plan in good standing holds collection contact (the ARRANGEMENT hold). */
export const PLANS_CONSUMER = "outreach.plans";

/** What placed an ARRANGEMENT hold: the plan, by its id. */
const SOURCE = "plan";

/**
 * The channels an arrangement in good standing pauses: collection calls and visits. "Collection
 * contact stops; reminders before due dates only": SMS, EMAIL, LETTER and PUSH stay open for the
 * plan's reminders (each still under every other rule of the lender's profile).
 */
export const ARRANGEMENT_HOLD_CHANNELS: readonly Channel[] = ["CALL", "VISIT"];

/**
 * The outreach.plans consumer: restructuring's `Plan.PlanStarted` places an ARRANGEMENT hold on
 * the case's calls and visits ({@link ARRANGEMENT_HOLD_CHANNELS}), from now until lifted;
 * `Plan.PlanUpdated` with status COMPLETED or BROKEN lifts it (ContactHoldLifted). The hold's
 * source is the plan, so each plan places at most one. Events apply in each plan's version order
 * (`plan_standing`): one delivered twice or late changes nothing, an end that overtook its
 * start leaves no hold to place, and a PlanUpdated still ACTIVE that overtook its start places
 * the hold as the start would have. A payload that does not fit its schema throws (retried,
 * then dead-lettered with the reason).
 */
export function plansHandler(clock: Clock = systemClock) {
  return async (event: EventEnvelope, tx: EntityManager): Promise<void> => {
    const subject = subjectOf(event);
    if (subject !== "Plan.PlanStarted" && subject !== "Plan.PlanUpdated") return;
    const p = (subject === "Plan.PlanStarted" ? planStartedPayloadSchema : planUpdatedPayloadSchema).parse(event.payload);
    const now = clock.now();
    // TypeORM answers an INSERT ... RETURNING with its rows: none when the upsert changed nothing.
    const applied: Array<{ status: string }> = await tx.query(
      `INSERT INTO plan_standing (plan_id, case_id, version, status) VALUES ($1, $2, $3, $4)
       ON CONFLICT (plan_id) DO UPDATE SET version = EXCLUDED.version, status = EXCLUDED.status
         WHERE plan_standing.version < EXCLUDED.version AND plan_standing.status = 'ACTIVE'
       RETURNING status`,
      [p.planId, p.caseId, event.aggregateVersion ?? 1, p.status],
    );
    if (applied.length === 0) return;
    const source = { type: SOURCE, id: p.planId };
    if (p.status !== "ACTIVE") {
      await liftHolds(tx, source, now, event.correlationId ?? event.id);
      return;
    }
    const [placed] = await tx.query("SELECT 1 FROM contact_hold WHERE source_type = $1 AND source_id = $2 LIMIT 1", [source.type, source.id]);
    if (placed) return;
    // The plan's lender: the event's, else the case's as the directory knows it; a case of no known lender is none of outreach's.
    const lenderId = event.lenderId ?? (await tx.query("SELECT lender_id FROM case_directory WHERE case_id = $1", [p.caseId]))[0]?.lender_id;
    if (!lenderId) return;
    await placeHold(
      tx,
      { caseId: p.caseId, lenderId, kind: "ARRANGEMENT", channels: [...ARRANGEMENT_HOLD_CHANNELS], startsAt: now, endsAt: null, source },
      now,
      event.correlationId ?? event.id,
    );
  };
}
