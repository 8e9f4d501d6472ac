import type { Principal } from "@concord/schema";
import type { CaseDirectory } from "../directory/directory";
import type { RequestAudit } from "./audit-sink";
import type { AccessContext } from "./policy";

/**
 * The `access` part of a subgraph's request context: every relationship check asks the case
 * directory (which cases the calling agency holds now, open visit windows), and refusals and
 * reveals go to the request's audit.
 */
export function createAccess(directory: CaseDirectory, principal: Principal, audit: RequestAudit): AccessContext["access"] {
  const agencyId = principal.role === "agency" ? principal.agencyId : undefined;
  return {
    agencyHoldsAny: async (caseIds) => !!agencyId && directory.agencyHoldsAny(agencyId, caseIds),
    visitWindowOpen: async (caseIds) => !!agencyId && directory.visitWindowOpen(agencyId, caseIds),
    recordForbidden: (e) => audit.forbidden(e),
    recordReveal: (e) => audit.reveal(e),
  };
}
