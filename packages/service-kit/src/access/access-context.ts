import type { Principal } from "@concord/schema";
import type { CaseDirectory } from "../directory/directory";
import type { AuditEntry } from "./audit-log";
import type { AccessContext } from "./policy";

/**
 * The `access` part of a subgraph's request context: every relationship check asks the case
 * directory (which cases the calling agency holds now, open visit windows), and refusals go to
 * the request's audit sink.
 */
export function createAccess(directory: CaseDirectory, principal: Principal, audit: AuditEntry[]): AccessContext["access"] {
  const agencyId = principal.role === "agency" ? principal.agencyId : undefined;
  return {
    agencyHoldsAny: async (caseIds) => !!agencyId && directory.agencyHoldsAny(agencyId, caseIds),
    visitWindowOpen: async (caseIds) => !!agencyId && directory.visitWindowOpen(agencyId, caseIds),
    recordForbidden: (e) => audit.push({ action: "FORBIDDEN", type: e.type, field: e.field, objectId: e.objectId, path: e.path }),
  };
}
