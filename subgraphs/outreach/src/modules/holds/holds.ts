import type { EntityManager } from "typeorm";
import type { ContactHoldLiftedPayload, ContactHoldPlacedPayload } from "@concord/schema";
import { appendToOutbox, newEvent, uuidv7, type Channel, type HoldKind } from "@concord/service-kit";

/**
 * The holds outreach places on a case's contact: a cease request, an opt-out, an open dispute, a
 * hardship... Each is a row of `contact_hold` (what placed it, for the source's own lifecycle)
 * and a ContactHoldPlaced event in the same transaction, which every subgraph's case directory
 * applies (this one's at once, through the outbox), so `contactPolicy`, `reportActivity` and
 * loans' `revealContact` all hold to it. Lifting is final: ContactHoldLifted.
 */

/** What places a hold. */
export interface HoldRequest {
  caseId: string;
  lenderId: string;
  kind: HoldKind;
  /** Empty: every channel. */
  channels: Channel[];
  startsAt: Date;
  /** Null: until lifted. */
  endsAt: Date | null;
  /** What placed it: "dispute", "cease", "preference"... and that record's id. */
  source: { type: string; id: string };
}

/** Places a hold in `tx` and emits ContactHoldPlaced; returns the hold's id. */
export async function placeHold(tx: EntityManager, h: HoldRequest, at: Date, correlationId: string | null): Promise<string> {
  const holdId = uuidv7(at.getTime());
  await tx.query(
    `INSERT INTO contact_hold (id, case_id, lender_id, kind, channels, starts_at, ends_at, source_type, source_id, placed_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
    [holdId, h.caseId, h.lenderId, h.kind, h.channels, h.startsAt, h.endsAt, h.source.type, h.source.id, at],
  );
  const payload: ContactHoldPlacedPayload = {
    holdId, caseId: h.caseId, kind: h.kind, channels: h.channels, startsAt: h.startsAt.toISOString(), endsAt: h.endsAt?.toISOString() ?? null,
  };
  await appendToOutbox(tx, [newEvent({ type: "ContactHoldPlaced", aggregateType: "ContactHold", aggregateId: holdId, aggregateVersion: 1, lenderId: h.lenderId, payload, correlationId }, at)]);
  return holdId;
}

/**
 * Lifts the holds `source` placed that are not lifted yet, at `at`, each with ContactHoldLifted;
 * returns how many. Lifting twice changes nothing.
 */
export async function liftHolds(tx: EntityManager, source: { type: string; id: string }, at: Date, correlationId: string | null): Promise<number> {
  // TypeORM answers an UPDATE ... RETURNING with [rows, affected count], not the rows alone.
  const [rows]: [Array<{ id: string; case_id: string; lender_id: string }>, number] = await tx.query(
    `UPDATE contact_hold SET lifted_at = $3 WHERE source_type = $1 AND source_id = $2 AND lifted_at IS NULL RETURNING id, case_id, lender_id`,
    [source.type, source.id, at],
  );
  if (rows.length) {
    await appendToOutbox(
      tx,
      rows.map((r) => {
        const payload: ContactHoldLiftedPayload = { holdId: r.id, caseId: r.case_id, liftedAt: at.toISOString() };
        return newEvent({ type: "ContactHoldLifted", aggregateType: "ContactHold", aggregateId: r.id, aggregateVersion: 2, lenderId: r.lender_id, payload, correlationId }, at);
      }),
    );
  }
  return rows.length;
}
