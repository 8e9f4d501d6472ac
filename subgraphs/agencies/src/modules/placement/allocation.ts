import type { DataSource } from "typeorm";
import type { Principal } from "@concord/schema";
import { appendToOutbox, badInput, forbidden, localDate, uuidv7, type Clock } from "@concord/service-kit";
import { placementStarted } from "./placement.service";

export interface AllocationRequest {
  /** Only cases in this bucket (all buckets when omitted). */
  bucket?: string | null;
  /** Only cases in these regions (all when omitted). */
  regions?: string[] | null;
  expiresAt: Date;
  commissionBps: number;
  maxDiscountBps: number;
  maxInstalments: number;
}

export type UnplacedReason = "NO_AGENCY_FOR_REGION" | "CAPACITY_EXHAUSTED" | "ALREADY_PLACED";

export interface AllocationOutcome {
  placed: Array<{ caseId: string; agencyId: string; placementId: string }>;
  unplaced: Array<{ caseId: string; reason: UnplacedReason }>;
  byAgency: Array<{ agencyId: string; placed: number; activeAfter: number; capacity: number }>;
}

/**
 * Places the lender's open, unplaced cases that match the request across the active agencies
 * serving each case's region, never past an agency's capacity. Deterministic (cases in id
 * order, ties broken by agency id) and balanced (each case goes to the eligible agency with the
 * lowest share of its capacity in use). Agencies are locked for the run, so concurrent runs
 * take turns; the unique index still has the last word on one ACTIVE placement per case.
 */
export async function allocateCases(
  ds: DataSource,
  clock: Clock,
  principal: Principal,
  req: AllocationRequest,
  correlationId: string | null,
): Promise<AllocationOutcome> {
  if (principal.role !== "lender" || !principal.lenderId) throw forbidden("allocation");
  const now = clock.now();
  if (Number.isNaN(req.expiresAt.getTime()) || req.expiresAt <= now) throw badInput("expiresAt must be in the future", "expiresAt");
  for (const [field, v, max] of [["commissionBps", req.commissionBps, 10_000], ["maxDiscountBps", req.maxDiscountBps, 10_000], ["maxInstalments", req.maxInstalments, 120]] as const) {
    if (!Number.isInteger(v) || v < (field === "maxInstalments" ? 1 : 0) || v > max) throw badInput(`${field} is out of range`, field);
  }
  return ds.transaction(async (tx) => {
    // Lock first, count after: a statement that waited for the locks would still count with the
    // snapshot it started with, before a concurrent run's placements committed.
    await tx.query("SELECT id FROM agency WHERE status = 'ACTIVE' ORDER BY id FOR UPDATE");
    const agencies: Array<{ id: string; regions: string[]; channels: string[]; capacity: number; active: number }> = await tx.query(
      `SELECT a.id, a.regions, a.channels, a.capacity,
              (SELECT count(*)::int FROM placement p WHERE p.agency_id = a.id AND p.status = 'ACTIVE' AND p.expires_at > $2) AS active
         FROM agency a WHERE a.status = 'ACTIVE' AND a.licence_review_due >= $1 ORDER BY a.id`,
      [localDate(now, "UTC"), now],
    );
    const params: unknown[] = [principal.lenderId];
    // PLACED too: a case whose placement has just ended is OPEN again only once loans' CaseUpdated
    // comes back over the bus; this subgraph's own placements say whether an agency holds it.
    const conds = [
      "f.lender_id = $1",
      "f.status IN ('OPEN', 'PLACED')",
      "NOT EXISTS (SELECT 1 FROM placement p WHERE p.case_id = f.case_id AND p.status = 'ACTIVE')",
    ];
    if (req.bucket) conds.push(`f.bucket = $${params.push(req.bucket)}`);
    if (req.regions?.length) conds.push(`f.region = ANY($${params.push(req.regions)}::text[])`);
    const cases: Array<{ case_id: string; region: string }> = await tx.query(
      `SELECT f.case_id, f.region FROM case_directory f WHERE ${conds.join(" AND ")} ORDER BY f.case_id`,
      params,
    );
    const load = new Map(agencies.map((a) => [a.id, a.active]));
    const byRegion = new Map<string, typeof agencies>();
    for (const a of agencies) for (const r of a.regions) byRegion.set(r, [...(byRegion.get(r) ?? []), a]);
    const planned: Array<{ caseId: string; agencyId: string; id: string }> = [];
    const unplaced: AllocationOutcome["unplaced"] = [];
    for (const c of cases) {
      const eligible = byRegion.get(c.region) ?? [];
      if (eligible.length === 0) {
        unplaced.push({ caseId: c.case_id, reason: "NO_AGENCY_FOR_REGION" });
        continue;
      }
      let best: (typeof agencies)[number] | undefined;
      for (const a of eligible) {
        const used = load.get(a.id)!;
        if (used >= a.capacity) continue;
        if (!best || used / a.capacity < load.get(best.id)! / best.capacity) best = a;
      }
      if (!best) {
        unplaced.push({ caseId: c.case_id, reason: "CAPACITY_EXHAUSTED" });
        continue;
      }
      load.set(best.id, load.get(best.id)! + 1);
      planned.push({ caseId: c.case_id, agencyId: best.id, id: uuidv7(now.getTime()) });
    }
    const inserted: Array<Record<string, any>> = planned.length
      ? await tx.query(
          `INSERT INTO placement (id, case_id, agency_id, lender_id, placed_at, expires_at, status, commission_bps, max_discount_bps, max_instalments)
           SELECT id, case_id, agency_id, $4, $5, $6, 'ACTIVE', $7, $8, $9
             FROM unnest($1::uuid[], $2::uuid[], $3::uuid[]) AS t(id, case_id, agency_id)
           ON CONFLICT (case_id) WHERE status = 'ACTIVE' DO NOTHING
           RETURNING *`,
          [planned.map((p) => p.id), planned.map((p) => p.caseId), planned.map((p) => p.agencyId), principal.lenderId, now,
            req.expiresAt, req.commissionBps, req.maxDiscountBps, req.maxInstalments],
        )
      : [];
    const done = new Set(inserted.map((r) => r.id));
    for (const p of planned) if (!done.has(p.id)) unplaced.push({ caseId: p.caseId, reason: "ALREADY_PLACED" });
    const channelsOf = new Map(agencies.map((a) => [a.id, a.channels]));
    await appendToOutbox(tx, inserted.map((r) => placementStarted(r, channelsOf.get(r.agency_id) ?? [], now, correlationId)));
    const placedBy = new Map<string, number>();
    for (const r of inserted) placedBy.set(r.agency_id, (placedBy.get(r.agency_id) ?? 0) + 1);
    return {
      placed: planned.filter((p) => done.has(p.id)).map((p) => ({ caseId: p.caseId, agencyId: p.agencyId, placementId: p.id })),
      unplaced,
      byAgency: agencies.map((a) => ({ agencyId: a.id, placed: placedBy.get(a.id) ?? 0, activeAfter: a.active + (placedBy.get(a.id) ?? 0), capacity: a.capacity })),
    };
  });
}
