import DataLoader from "dataloader";
import type { DataSource } from "typeorm";
import { byIdLoader, groupedLoader, type Clock } from "@concord/service-kit";
import { agencyFromRow, agentFromRow, type Agency, type Agent } from "./modules/agency/agency.type";
import { placementFromRow, type Placement } from "./modules/placement/placement.type";

/** Per-request batching of every entity reference and list field. */
export interface Loaders {
  agency: DataLoader<string, Agency | null>;
  agentsByAgency: DataLoader<string, Agent[]>;
  placement: DataLoader<string, Placement | null>;
  placementsByCase: DataLoader<string, Placement[]>;
}

/** Placements are read as of `clock`'s now: one past its expiry shows EXPIRED, job or no job. */
export function createLoaders(ds: DataSource, clock: Clock): Loaders {
  const placement = (r: Record<string, any>) => placementFromRow(r, clock.now());
  return {
    agency: byIdLoader(ds, "SELECT * FROM agency WHERE id = ANY($1::uuid[])", agencyFromRow),
    agentsByAgency: groupedLoader(ds, "SELECT * FROM agent WHERE agency_id = ANY($1::uuid[]) ORDER BY agency_id, employee_number", "agency_id", agentFromRow),
    placement: byIdLoader(ds, "SELECT * FROM placement WHERE id = ANY($1::uuid[])", placement),
    placementsByCase: groupedLoader(ds, "SELECT * FROM placement WHERE case_id = ANY($1::uuid[]) ORDER BY case_id, placed_at, id", "case_id", placement),
  };
}
