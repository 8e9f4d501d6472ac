import type { DataSource } from "typeorm";
import type { Principal } from "@concord/schema";
import { createAccess, RequestAudit, type AccessContext, type Clock, type Logger } from "@concord/service-kit";
import { createLoaders, type Loaders } from "./loaders";

/** What every resolver of the loans subgraph receives. */
export interface LoansContext extends AccessContext {
  requestId: string;
  logger: Logger;
  ds: DataSource;
  clock: Clock;
  /** Fresh for every request. */
  loaders: Loaders;
  /** The caller, from the gateway's internal token. */
  principal: Principal;
  /** Refusals and reveals gathered during the request, appended to the audit log when it ends. */
  audit: RequestAudit;
}

export function createContext(
  base: { ds: DataSource; clock: Clock },
  requestId: string,
  logger: Logger,
  principal: Principal,
): LoansContext {
  const audit = new RequestAudit();
  return {
    ...base,
    requestId,
    logger,
    principal,
    audit,
    loaders: createLoaders(base.ds),
    // Who holds which case comes from the agencies subgraph's events, kept in case_access.
    access: createAccess(base.ds, principal, audit, {
      heldCasesSql: "SELECT case_id FROM case_access WHERE agency_id = $1 AND active AND case_id = ANY($2::uuid[])",
      // An approved visit whose window is open now, by an agency that still holds the case.
      visitWindowOpen: async (agencyId, caseIds) =>
        (
          await base.ds.query(
            `SELECT 1 FROM visit_window v
              WHERE v.agency_id = $1 AND v.case_id = ANY($2::uuid[]) AND v.open AND v.window_start <= $3 AND $3 < v.window_end
                AND EXISTS (SELECT 1 FROM case_access a WHERE a.agency_id = v.agency_id AND a.case_id = v.case_id AND a.active)
              LIMIT 1`,
            [agencyId, caseIds, base.clock.now()],
          )
        ).length > 0,
    }),
  };
}
