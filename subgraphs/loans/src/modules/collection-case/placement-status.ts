import type { EntityManager } from "typeorm";
import { placementEndedPayloadSchema, placementStartedPayloadSchema, subjectOf } from "@concord/schema";
import { applyToCaseDirectory, systemClock, type Clock, type EventEnvelope } from "@concord/service-kit";
import { CaseSynchroniser, type LoanRef } from "./collection-case.service";

/** Durable consumer name: a case's status follows its placements (PLACED / OPEN). */
export const PLACEMENT_STATUS_CONSUMER = "loans.case-placement-status";

const PAYLOADS = {
  "Placement.PlacementStarted": { schema: placementStartedPayloadSchema, reason: "PLACEMENT_STARTED" },
  "Placement.PlacementEnded": { schema: placementEndedPayloadSchema, reason: "PLACEMENT_ENDED" },
} as const;

/**
 * SQL: whether case `$1` has an ACTIVE placement at `$2`, by the case directory: started, not
 * ended, and not past its expiry.
 */
const IN_FORCE = `SELECT EXISTS (SELECT 1 FROM case_directory_placement
  WHERE case_id = $1 AND ended_at IS NULL AND placed_at IS NOT NULL AND expires_at > $2) AS placed`;

/**
 * Keeps a case's status true to its placements, from the agencies subgraph's PlacementStarted
 * and PlacementEnded: PLACED while an ACTIVE placement of it exists, OPEN again when none does
 * (see CaseSynchroniser.followPlacement), each move with a history row and CaseUpdated.
 *
 * The case directory's own consumer applies the same events on its own schedule; this one
 * applies each to the directory first (its rules are monotonic, so applying an event twice is
 * applying it once), then decides from every placement the directory knows of the case. So the
 * answer does not depend on which consumer runs first, an end delivered before its start leaves
 * the case OPEN, and a recall followed at once by a new placement ends PLACED.
 *
 * A placement that lapses by the clock (its `expiresAt` passes before the agencies subgraph's
 * expiry job has ended it) keeps the case PLACED until that job's PlacementEnded arrives: the
 * status moves only by events, in bus order, each with its history row, never by a wall clock
 * read at some later instant. Access does not wait for it (the directory ends it at
 * `expiresAt`), and neither does the `placed` filter of collectionCases, which reads the
 * directory at the request's instant.
 */
export function placementStatusHandler(clock: Clock = systemClock) {
  return async (event: EventEnvelope, tx: EntityManager): Promise<void> => {
    const subject = subjectOf(event);
    if (subject !== "Placement.PlacementStarted" && subject !== "Placement.PlacementEnded") return;
    const { schema, reason } = PAYLOADS[subject];
    const { caseId } = schema.parse(event.payload);
    await applyToCaseDirectory(tx, event);
    const [open] = await tx.query(
      `SELECT c.*, b.region, b.timezone AS borrower_timezone FROM collection_case c JOIN borrower b ON b.id = c.borrower_id WHERE c.id = $1 FOR UPDATE OF c`,
      [caseId],
    );
    // A case this lender's loans never had: nothing to keep.
    if (!open) return;
    const [{ placed }] = await tx.query(IN_FORCE, [caseId, clock.now()]);
    const loan: LoanRef = {
      id: open.loan_id,
      lenderId: open.lender_id,
      borrowerId: open.borrower_id,
      region: open.region,
      timezone: open.borrower_timezone,
      currency: open.currency.trim(),
      // Read only to keep the loan's own status, which a placement never moves.
      status: "",
    };
    const sync = new CaseSynchroniser(tx, clock.now(), event.correlationId, undefined, event.id);
    if (await sync.followPlacement(open, loan, placed, reason)) await sync.flush();
  };
}
