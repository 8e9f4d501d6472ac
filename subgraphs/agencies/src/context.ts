import DataLoader from "dataloader";
import type { DataSource } from "typeorm";
import type { Principal } from "@concord/schema";
import { isUuid, type AccessContext, type AuditEntry, type Clock, type Logger } from "@concord/service-kit";
import { createLoaders, type Loaders } from "./loaders";

export interface AgenciesContext extends AccessContext {
  requestId: string;
  logger: Logger;
  ds: DataSource;
  clock: Clock;
  loaders: Loaders;
  principal: Principal;
  audit: AuditEntry[];
}

export function createContext(base: { ds: DataSource; clock: Clock }, requestId: string, logger: Logger, principal: Principal): AgenciesContext {
  const audit: AuditEntry[] = [];
  // The agencies subgraph owns placements, so an agency's hold on a case is read directly.
  const held = new DataLoader<string, boolean>(async (caseIds) => {
    if (principal.role !== "agency" || !isUuid(principal.agencyId ?? "")) return caseIds.map(() => false);
    const rows: Array<{ case_id: string }> = await base.ds.query(
      "SELECT case_id FROM placement WHERE agency_id = $1 AND status = 'ACTIVE' AND case_id = ANY($2::uuid[])",
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
      visitWindowOpen: async () => false,
      recordForbidden: (e) => audit.push({ action: "FORBIDDEN", type: e.type, field: e.field, objectId: e.objectId, path: e.path }),
    },
  };
}
