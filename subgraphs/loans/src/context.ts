import DataLoader from "dataloader";
import type { DataSource } from "typeorm";
import type { Principal } from "@concord/schema";
import { isUuid, type AccessContext, type AuditEntry, type Clock, type Logger } from "@concord/service-kit";
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
  /** Audit entries gathered during the request, appended to the audit log when it ends. */
  audit: AuditEntry[];
}

export function createContext(
  base: { ds: DataSource; clock: Clock },
  requestId: string,
  logger: Logger,
  principal: Principal,
): LoansContext {
  const audit: AuditEntry[] = [];
  // Which of the asked cases the calling agency holds an ACTIVE placement of: one query a tick.
  const held = new DataLoader<string, boolean>(async (caseIds) => {
    if (principal.role !== "agency" || !principal.agencyId || !isUuid(principal.agencyId)) return caseIds.map(() => false);
    const rows: Array<{ case_id: string }> = await base.ds.query(
      "SELECT case_id FROM case_access WHERE agency_id = $1 AND active AND case_id = ANY($2::uuid[])",
      [principal.agencyId, caseIds.filter(isUuid)],
    );
    const set = new Set(rows.map((r) => r.case_id));
    return caseIds.map((id) => set.has(id));
  });
  return {
    ...base,
    requestId,
    logger,
    principal,
    audit,
    loaders: createLoaders(base.ds),
    access: {
      agencyHoldsAny: async (caseIds) => (caseIds.length ? (await held.loadMany(caseIds)).some((v) => v === true) : false),
      // An approved visit whose window is open now, by an agency that still holds the case.
      visitWindowOpen: async (caseIds) => {
        if (principal.role !== "agency" || !principal.agencyId || !isUuid(principal.agencyId) || caseIds.length === 0) return false;
        const rows = await base.ds.query(
          `SELECT 1 FROM visit_window v
            WHERE v.agency_id = $1 AND v.case_id = ANY($2::uuid[]) AND v.open AND v.window_start <= $3 AND $3 < v.window_end
              AND EXISTS (SELECT 1 FROM case_access a WHERE a.agency_id = v.agency_id AND a.case_id = v.case_id AND a.active)
            LIMIT 1`,
          [principal.agencyId, caseIds.filter(isUuid), base.clock.now()],
        );
        return rows.length > 0;
      },
      recordForbidden: (e) => audit.push({ action: "FORBIDDEN", type: e.type, field: e.field, objectId: e.objectId, path: e.path }),
    },
  };
}
