import type { DataSource } from "typeorm";
import type { Principal } from "@concord/schema";
import { createAccess, RequestAudit, type AccessContext, type Clock, type Logger } from "@concord/service-kit";
import { createLoaders, type Loaders } from "./loaders";

export interface AgenciesContext extends AccessContext {
  requestId: string;
  logger: Logger;
  ds: DataSource;
  clock: Clock;
  loaders: Loaders;
  principal: Principal;
  audit: RequestAudit;
}

export function createContext(base: { ds: DataSource; clock: Clock }, requestId: string, logger: Logger, principal: Principal): AgenciesContext {
  const audit = new RequestAudit();
  return {
    ...base,
    requestId,
    logger,
    principal,
    audit,
    loaders: createLoaders(base.ds),
    // The agencies subgraph owns placements, so an agency's hold on a case is read directly.
    access: createAccess(base.ds, principal, audit, {
      heldCasesSql: "SELECT case_id FROM placement WHERE agency_id = $1 AND status = 'ACTIVE' AND case_id = ANY($2::uuid[])",
    }),
  };
}
