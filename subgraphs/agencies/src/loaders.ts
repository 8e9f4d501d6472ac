import DataLoader from "dataloader";
import type { DataSource } from "typeorm";
import { byIdLoader, groupedLoader } from "@concord/service-kit";
import { agencyFromRow, agentFromRow, type Agency, type Agent } from "./modules/agency/agency.type";
import { placementFromRow, type Placement } from "./modules/placement/placement.type";

/** Per-request batching of every entity reference and list field. */
export interface Loaders {
  agency: DataLoader<string, Agency | null>;
  agentsByAgency: DataLoader<string, Agent[]>;
  placement: DataLoader<string, Placement | null>;
  placementsByCase: DataLoader<string, Placement[]>;
  caseFact: DataLoader<string, Record<string, any> | null>;
}

export function createLoaders(ds: DataSource): Loaders {
  return {
    agency: byIdLoader(ds, "SELECT * FROM agency WHERE id = ANY($1::uuid[])", agencyFromRow),
    agentsByAgency: groupedLoader(ds, "SELECT * FROM agent WHERE agency_id = ANY($1::uuid[]) ORDER BY agency_id, employee_number", "agency_id", agentFromRow),
    placement: byIdLoader(ds, "SELECT * FROM placement WHERE id = ANY($1::uuid[])", placementFromRow),
    placementsByCase: groupedLoader(ds, "SELECT * FROM placement WHERE case_id = ANY($1::uuid[]) ORDER BY case_id, placed_at, id", "case_id", placementFromRow),
    caseFact: byIdLoader(ds, "SELECT * FROM case_fact WHERE case_id = ANY($1::uuid[])", (r) => r, "case_id"),
  };
}
