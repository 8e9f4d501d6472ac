import { auditTrailSchema } from "@concord/service-kit";

/**
 * This subgraph's slice of the audit trail: `AuditEntryPage.restructuringAudit`, its own audit
 * log's entries for a page of `auditEntries`, which the loans subgraph merges with every other's.
 */
export const auditTrail = auditTrailSchema("restructuring");
