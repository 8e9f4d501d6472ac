import DataLoader from "dataloader";
import type { DataSource } from "typeorm";
import { isUuid, type Clock } from "@concord/service-kit";
import { agencyFromRow, agentFromRow, type Agency, type Agent } from "./modules/agency/agency.type";
import { placementFromRow, type Placement } from "./modules/placement/placement.type";

/** Per-request batching of every entity reference and list field. */
export interface Loaders {
  agency: DataLoader<string, Agency | null>;
  agentsByAgency: DataLoader<string, Agent[]>;
  placement: DataLoader<string, Placement | null>;
  placementsByCase: DataLoader<string, Placement[]>;
}

async function rowsFor(ds: DataSource, sql: string, keys: readonly string[]): Promise<Record<string, any>[]> {
  const valid = keys.filter(isUuid).map((k) => k.toLowerCase());
  return valid.length ? ds.query(sql, [valid]) : [];
}

/** Placements are read as of `clock`'s now: one past its expiry shows EXPIRED, job or no job. */
export function createLoaders(ds: DataSource, clock: Clock): Loaders {
  const placement = (r: Record<string, any>) => placementFromRow(r, clock.now());
  const byId = <T>(sql: string, map: (r: Record<string, any>) => T, key = "id") =>
    new DataLoader<string, T | null>(async (ids) => {
      const found = new Map((await rowsFor(ds, sql, ids)).map((r) => [r[key] as string, map(r)]));
      return ids.map((id) => found.get(id.toLowerCase()) ?? null);
    });
  const grouped = <T>(sql: string, key: string, map: (r: Record<string, any>) => T) =>
    new DataLoader<string, T[]>(async (keys) => {
      const groups = new Map<string, T[]>();
      for (const r of await rowsFor(ds, sql, keys)) groups.set(r[key], [...(groups.get(r[key]) ?? []), map(r)]);
      return keys.map((k) => groups.get(k.toLowerCase()) ?? []);
    });
  return {
    agency: byId("SELECT * FROM agency WHERE id = ANY($1::uuid[])", agencyFromRow),
    agentsByAgency: grouped("SELECT * FROM agent WHERE agency_id = ANY($1::uuid[]) ORDER BY agency_id, employee_number", "agency_id", agentFromRow),
    placement: byId("SELECT * FROM placement WHERE id = ANY($1::uuid[])", placement),
    placementsByCase: grouped("SELECT * FROM placement WHERE case_id = ANY($1::uuid[]) ORDER BY case_id, placed_at, id", "case_id", placement),
  };
}
