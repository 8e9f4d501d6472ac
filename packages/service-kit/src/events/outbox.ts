import type { EntityManager } from "typeorm";
import { applyToCaseDirectory } from "../directory/apply";
import type { EventEnvelope } from "./envelope";

/** NOTIFY channel that wakes a subgraph's relay when its outbox gains rows. */
export const OUTBOX_CHANNEL = "concord_outbox";

/**
 * Writes `events` to the outbox inside the caller's transaction: they exist exactly when the
 * change that caused them commits. The NOTIFY is delivered at commit too. The writer's own case
 * directory takes the events it keeps in the same transaction, so a subgraph's checks see its
 * own changes at once (the copy that comes back over the bus then changes nothing); an event
 * whose payload does not fit its schema fails the transaction.
 */
export async function appendToOutbox(tx: EntityManager, events: EventEnvelope[]): Promise<void> {
  if (events.length === 0) return;
  await tx.query(
    `INSERT INTO outbox (id, aggregate_type, aggregate_id, type, envelope)
     SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[])`,
    [
      events.map((e) => e.id),
      events.map((e) => e.aggregateType),
      events.map((e) => e.aggregateId),
      events.map((e) => e.type),
      events.map((e) => JSON.stringify(e)),
    ],
  );
  await tx.query(`NOTIFY ${OUTBOX_CHANNEL}`);
  await applyToCaseDirectory(tx, events);
}
