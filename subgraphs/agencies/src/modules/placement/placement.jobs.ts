import type { DataSource } from "typeorm";
import { localDate, type Clock } from "@concord/service-kit";
import { endPlacement } from "./placement.service";

/**
 * Ends every ACTIVE placement whose expiry has passed (status EXPIRED, PlacementEnded emitted),
 * one transaction each, so a failure leaves the rest to the next run.
 */
export async function expirePlacements(ds: DataSource, clock: Clock): Promise<number> {
  const due: Array<{ id: string }> = await ds.query(
    "SELECT id FROM placement WHERE status = 'ACTIVE' AND expires_at <= $1 ORDER BY expires_at LIMIT 500",
    [clock.now()],
  );
  let ended = 0;
  for (const { id } of due) {
    try {
      await endPlacement(ds, clock, id, { status: "EXPIRED", reason: "The placement reached its expiry", by: "system" }, null);
      ended++;
    } catch {
      // Ended meanwhile by a recall or return: nothing to do.
    }
  }
  return ended;
}

/** Suspends every ACTIVE agency whose licence review is overdue; it then takes no new placements. */
export async function suspendOverdueAgencies(ds: DataSource, clock: Clock): Promise<number> {
  const rows = await ds.query(
    `UPDATE agency SET status = 'SUSPENDED', suspended_reason = 'Licence review overdue'
      WHERE status = 'ACTIVE' AND licence_review_due < $1 RETURNING id`,
    [localDate(clock.now(), "UTC")],
  );
  // TypeORM answers an UPDATE ... RETURNING with [rows, count].
  return Array.isArray(rows[0]) ? rows[0].length : rows.length;
}
