import type { DataSource } from "typeorm";
import { localDate, type Clock } from "@concord/service-kit";
import { endPlacement, EXPIRY } from "./placement.service";
import { isLapsed } from "./placement.type";

/** Placements ended per transaction by the jobs below. */
const BATCH = 500;

/**
 * Ends every ACTIVE placement whose expiry has passed (status EXPIRED, PlacementEnded emitted),
 * a batch per transaction, until none is left: one run clears the whole backlog. (Access ended
 * at `expiresAt` already: the case directory compares it with the clock; this writes it down.)
 */
export async function expirePlacements(ds: DataSource, clock: Clock): Promise<number> {
  let ended = 0;
  for (;;) {
    const done = await ds.transaction(async (tx) => {
      // SKIP LOCKED: a recall or return holding one of them now decides it; the next run sees the rest.
      const due: Array<{ id: string }> = await tx.query(
        "SELECT id FROM placement WHERE status = 'ACTIVE' AND expires_at <= $1 ORDER BY expires_at, id LIMIT $2 FOR UPDATE SKIP LOCKED",
        [clock.now(), BATCH],
      );
      for (const { id } of due) await endPlacement(tx, clock, id, EXPIRY, null);
      return due.length;
    });
    ended += done;
    if (done < BATCH) return ended;
  }
}

/**
 * Suspends every ACTIVE agency whose licence review is overdue: it takes no new placements, and
 * every placement it holds ends (RECALLED by the system, PlacementEnded emitted) in the same
 * transaction, so its access to those cases ends with the suspension.
 */
export async function suspendOverdueAgencies(ds: DataSource, clock: Clock): Promise<number> {
  const due: Array<{ id: string }> = await ds.query(
    "SELECT id FROM agency WHERE status = 'ACTIVE' AND licence_review_due < $1 ORDER BY id",
    [localDate(clock.now(), "UTC")],
  );
  for (const { id } of due) await suspendAgency(ds, clock, id, "Licence review overdue");
  return due.length;
}

/** Suspends one agency and ends the placements it holds, in one transaction. */
export async function suspendAgency(ds: DataSource, clock: Clock, agencyId: string, reason: string): Promise<number> {
  return ds.transaction(async (tx) => {
    // The agency row lock orders this after any placement of a case with it that is under way.
    const [agency] = await tx.query("SELECT status FROM agency WHERE id = $1 FOR UPDATE", [agencyId]);
    if (!agency || agency.status !== "ACTIVE") return 0;
    await tx.query("UPDATE agency SET status = 'SUSPENDED', suspended_reason = $2 WHERE id = $1", [agencyId, reason]);
    const held: Array<{ id: string; status: string; expires_at: Date }> = await tx.query(
      "SELECT id, status, expires_at FROM placement WHERE agency_id = $1 AND status = 'ACTIVE' ORDER BY id FOR UPDATE",
      [agencyId],
    );
    const recall = { status: "RECALLED" as const, reason: `The agency was suspended: ${reason}`, by: "system" };
    for (const p of held) await endPlacement(tx, clock, p.id, isLapsed(p, clock.now()) ? EXPIRY : recall, null);
    return 1;
  });
}
