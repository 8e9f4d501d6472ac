import DataLoader from "dataloader";
import type { DataSource } from "typeorm";
import type { Principal } from "@concord/schema";
import { isUuid } from "../ids";
import type { RequestAudit } from "./audit-sink";
import type { AccessContext } from "./policy";

/** How a subgraph answers the two agency questions its policies ask. */
export interface AgencyAccessQueries {
  /** SQL returning `case_id` rows for $1 = agency id, $2 = uuid[] of case ids, held ACTIVE by the agency. */
  heldCasesSql: string;
  /** Whether the agency has an approved home-visit window open now for one of the cases. */
  visitWindowOpen?: (agencyId: string, caseIds: string[]) => Promise<boolean>;
}

/**
 * The `access` part of a subgraph's request context: which cases the calling agency holds
 * (batched per request), open visit windows, and the request's audit of refusals and reveals.
 */
export function createAccess(ds: DataSource, principal: Principal, audit: RequestAudit, q: AgencyAccessQueries): AccessContext["access"] {
  const agencyId = principal.role === "agency" && isUuid(principal.agencyId ?? "") ? principal.agencyId! : undefined;
  const held = new DataLoader<string, boolean>(async (caseIds) => {
    if (!agencyId) return caseIds.map(() => false);
    const rows: Array<{ case_id: string }> = await ds.query(q.heldCasesSql, [agencyId, caseIds.filter(isUuid)]);
    const set = new Set(rows.map((r) => r.case_id));
    return caseIds.map((id) => set.has(id));
  });
  return {
    agencyHoldsAny: async (caseIds) => (caseIds.length ? (await held.loadMany(caseIds)).some((v) => v === true) : false),
    visitWindowOpen: async (caseIds) =>
      !!agencyId && caseIds.length > 0 && !!q.visitWindowOpen && q.visitWindowOpen(agencyId, caseIds.filter(isUuid)),
    recordForbidden: (e) => audit.forbidden(e),
    recordReveal: (e) => audit.reveal(e),
  };
}
