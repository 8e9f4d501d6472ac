import { auditTrailSchema } from "@concord/service-kit";

/**
 * The audit trail as loans, its host, declares it: `AuditEntryPage`, whose entries merge every
 * registered subgraph's audit log (see auditTrailSchema in the service kit).
 */
export const auditTrail = auditTrailSchema("loans");

export const AuditEntryPage = auditTrail.pageType;
