import type { EntityManager } from "typeorm";
import { complianceViolationPayloadSchema } from "@concord/schema";
import type { EventEnvelope } from "@concord/service-kit";

/** Durable consumer name: contact violations outreach records join the violations list. */
export const COMPLIANCE_VIOLATIONS_CONSUMER = "agencies.compliance-violations";

/**
 * Records each `Activity.ComplianceViolation` in `visit_violation` as a CONTACT violation of the
 * envelope's lender, under the violation's own id: a redelivery (or the same violation emitted
 * again) inserts nothing. A payload that does not fit its schema throws, so the consumer
 * retries it and then dead-letters it, with the reason.
 */
export function complianceViolationsHandler() {
  return async (event: EventEnvelope, tx: EntityManager): Promise<void> => {
    if (event.type !== "ComplianceViolation" || event.aggregateType !== "Activity") return;
    const v = complianceViolationPayloadSchema.parse(event.payload);
    // lender_id null (an envelope naming no lender) keeps the record for auditors; no lender lists it.
    await tx.query(
      `INSERT INTO visit_violation (id, kind, activity_id, case_id, agency_id, lender_id, rule, attempted_at, limit_text, observed, detail)
       VALUES ($1, 'CONTACT', $2, $3, $4, $5, $6, $7, $8, $9, $10)
       ON CONFLICT (id) DO NOTHING`,
      [v.violationId, v.activityId, v.caseId, v.agencyId, event.lenderId, v.rule, v.occurredAt, v.limit, v.observed, `reported by the ${v.reporterRole}`],
    );
  };
}
