import type { DataSource, EntityManager } from "typeorm";
import { CLOSED_CASE_STATUSES, CONTACT_CHANNELS, type PlacementEndedPayload, type PlacementStartedPayload, type Principal } from "@concord/schema";
import { appendToOutbox, badInput, conflict, isUuid, localDate, newEvent, notFound, uuidv7, type Clock, refusedAsNotFound } from "@concord/service-kit";
import { isLapsed, placementFromRow, type Placement } from "./placement.type";
import { cancelOpenVisits } from "../home-visit/home-visit.service";

/** A case in one of these is not placed: it is over, or the borrower asked to be left alone. */
const UNPLACEABLE = new Set([...CLOSED_CASE_STATUSES, "CEASED"]);

export interface PlaceCaseInput {
  caseId: string;
  agencyId: string;
  expiresAt: Date;
  commissionBps: number;
  maxDiscountBps: number;
  maxInstalments: number;
}

/**
 * PlacementStarted for a placement row just written: its expiry, delegated authority and the
 * agency's contact channels now (version 1). A channel the event vocabulary does not know is
 * left out rather than making the event one no directory could apply.
 */
export function placementStarted(row: Record<string, any>, agencyChannels: readonly string[], at: Date, correlationId: string | null) {
  const known: readonly string[] = CONTACT_CHANNELS;
  const payload: PlacementStartedPayload = {
    placementId: row.id,
    caseId: row.case_id,
    agencyId: row.agency_id,
    placedAt: new Date(row.placed_at).toISOString(),
    expiresAt: new Date(row.expires_at).toISOString(),
    maxDiscountBps: row.max_discount_bps,
    maxInstalments: row.max_instalments,
    channels: agencyChannels.filter((c): c is (typeof CONTACT_CHANNELS)[number] => known.includes(c)),
  };
  return newEvent(
    { type: "PlacementStarted", aggregateType: "Placement", aggregateId: row.id, aggregateVersion: 1, lenderId: row.lender_id, payload, correlationId },
    at,
  );
}

function ended(row: Record<string, any>, at: Date, correlationId: string | null) {
  const payload: PlacementEndedPayload = {
    placementId: row.id,
    caseId: row.case_id,
    agencyId: row.agency_id,
    status: row.status,
    endedAt: new Date(row.ended_at).toISOString(),
  };
  // A placement starts (version 1) and ends once (version 2).
  return newEvent(
    { type: "PlacementEnded", aggregateType: "Placement", aggregateId: row.id, aggregateVersion: 2, lenderId: row.lender_id, payload, correlationId },
    at,
  );
}

function checkTerms(i: PlaceCaseInput, now: Date): void {
  if (Number.isNaN(i.expiresAt.getTime()) || i.expiresAt.getTime() <= now.getTime()) throw badInput("expiresAt must be in the future", "expiresAt");
  if (i.expiresAt.getTime() - now.getTime() > 366 * 86_400_000) throw badInput("A placement lasts at most a year", "expiresAt");
  if (!Number.isInteger(i.commissionBps) || i.commissionBps < 0 || i.commissionBps > 10_000) throw badInput("commissionBps must be 0 to 10000", "commissionBps");
  if (!Number.isInteger(i.maxDiscountBps) || i.maxDiscountBps < 0 || i.maxDiscountBps > 10_000) throw badInput("maxDiscountBps must be 0 to 10000", "maxDiscountBps");
  if (!Number.isInteger(i.maxInstalments) || i.maxInstalments < 1 || i.maxInstalments > 120) throw badInput("maxInstalments must be 1 to 120", "maxInstalments");
}

/**
 * Places a lender's open case with an active agency that has room. At most one ACTIVE placement
 * per case (a unique partial index decides races: the loser gets CONFLICT); an agency's
 * capacity is checked under a lock on its row. Placing the same case with the same agency on
 * the same terms again returns the existing placement.
 */
export async function placeCase(ds: DataSource, clock: Clock, principal: Principal, input: PlaceCaseInput, correlationId: string | null): Promise<Placement> {
  const now = clock.now();
  checkTerms(input, now);
  if (!isUuid(input.caseId)) throw notFound("CollectionCase", input.caseId);
  if (!isUuid(input.agencyId)) throw notFound("Agency", input.agencyId);
  const caseId = input.caseId.toLowerCase();
  const agencyId = input.agencyId.toLowerCase();
  try {
    return await ds.transaction(async (tx) => {
      // FOR SHARE: a CaseResolved being applied now waits for this placement, then completes it.
      const [fact] = await tx.query("SELECT * FROM case_directory WHERE case_id = $1 FOR SHARE", [caseId]);
      if (!fact) throw notFound("CollectionCase", input.caseId);
      // Another lender's case is, to this lender, no case at all.
      if (principal.role !== "lender" || fact.lender_id !== principal.lenderId) throw refusedAsNotFound("CollectionCase", input.caseId, caseId);
      if (UNPLACEABLE.has(fact.status)) throw badInput(`The case is ${fact.status}; only open cases are placed`, "caseId");
      const [agency] = await tx.query("SELECT * FROM agency WHERE id = $1 FOR UPDATE", [agencyId]);
      if (!agency) throw notFound("Agency", agencyId);
      if (agency.status !== "ACTIVE" || agency.licence_review_due < localDate(now, "UTC")) {
        throw badInput("The agency is suspended (or its licence review is overdue) and takes no new placements", "agencyId");
      }
      let [existing] = await tx.query("SELECT * FROM placement WHERE case_id = $1 AND status = 'ACTIVE' FOR UPDATE", [caseId]);
      // Past its expiry it is over, whether or not the job has said so yet: say so now.
      if (existing && isLapsed(existing, now)) {
        await endPlacement(tx, clock, existing.id, EXPIRY, correlationId);
        existing = undefined;
      }
      if (existing) {
        const same =
          existing.agency_id === agencyId &&
          new Date(existing.expires_at).getTime() === input.expiresAt.getTime() &&
          existing.commission_bps === input.commissionBps &&
          existing.max_discount_bps === input.maxDiscountBps &&
          existing.max_instalments === input.maxInstalments;
        if (same) return placementFromRow(existing);
        throw conflict("The case already has an ACTIVE placement");
      }
      const [{ n }] = await tx.query("SELECT count(*)::int AS n FROM placement WHERE agency_id = $1 AND status = 'ACTIVE' AND expires_at > $2", [
        agencyId,
        now,
      ]);
      if (n >= agency.capacity) throw conflict(`The agency is at capacity (${agency.capacity} active placements)`);
      const [row] = await tx.query(
        `INSERT INTO placement (id, case_id, agency_id, lender_id, placed_at, expires_at, status, commission_bps, max_discount_bps, max_instalments)
         VALUES ($1, $2, $3, $4, $5, $6, 'ACTIVE', $7, $8, $9) RETURNING *`,
        [uuidv7(now.getTime()), caseId, agencyId, fact.lender_id, now, input.expiresAt, input.commissionBps, input.maxDiscountBps, input.maxInstalments],
      );
      await appendToOutbox(tx, [placementStarted(row, agency.channels, now, correlationId)]);
      return placementFromRow(row);
    });
  } catch (err) {
    // Another placement of the case committed first.
    if ((err as { driverError?: { code?: string } }).driverError?.code === "23505") throw conflict("The case already has an ACTIVE placement");
    throw err;
  }
}

/** How the expiry of a placement is recorded. */
export const EXPIRY = { status: "EXPIRED", reason: "The placement reached its expiry", by: "system" } as const;

/**
 * Ends an ACTIVE placement (recalled by its lender, returned by its agency, expired, completed),
 * and cancels the home visits of it that have not happened, in the same transaction.
 */
export async function endPlacement(
  db: DataSource | EntityManager,
  clock: Clock,
  placementId: string,
  how: { status: "RECALLED" | "RETURNED" | "EXPIRED" | "COMPLETED"; reason: string; by: string; allowed?: (row: Record<string, any>) => boolean },
  correlationId: string | null,
): Promise<Placement> {
  if (!isUuid(placementId)) throw notFound("Placement", placementId);
  const reason = how.reason.trim();
  if (!reason || reason.length > 500) throw badInput("A reason of 1 to 500 characters is required", "reason");
  const work = async (tx: EntityManager) => {
    const now = clock.now();
    const [row] = await tx.query("SELECT * FROM placement WHERE id = $1 FOR UPDATE", [placementId.toLowerCase()]);
    if (!row) throw notFound("Placement", placementId);
    // Someone else's placement is, to this caller, no placement at all.
    if (how.allowed && !how.allowed(row)) throw refusedAsNotFound("Placement", placementId, row.id);
    if (row.status !== "ACTIVE") throw conflict(`The placement has already ended (${row.status})`);
    const expiresAt = new Date(row.expires_at);
    const lapsed = isLapsed(row, now);
    if (lapsed && how.status !== "EXPIRED") throw conflict("The placement has already ended (EXPIRED)");
    // (TypeORM answers an UPDATE with [rows, count]; read the row back instead.)
    await tx.query("UPDATE placement SET status = $2, ended_at = $3, end_reason = $4, ended_by = $5 WHERE id = $1", [
      row.id, how.status, lapsed ? expiresAt : now, reason, how.by,
    ]);
    const [after] = await tx.query("SELECT * FROM placement WHERE id = $1", [row.id]);
    await appendToOutbox(tx, [ended(after, now, correlationId)]);
    // Its visits end with it: an approved visit's window closes in every directory at once.
    await cancelOpenVisits(tx, after.case_id, after.agency_id, now, correlationId);
    return placementFromRow(after);
  };
  return "transaction" in db && typeof (db as DataSource).createQueryRunner === "function"
    ? (db as DataSource).transaction(work)
    : work(db as EntityManager);
}
