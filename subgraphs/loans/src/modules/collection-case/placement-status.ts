import type { EntityManager } from "typeorm";
import {
  caseEscalatedToLegalPayloadSchema,
  disputeRaisedPayloadSchema,
  disputeResolvedPayloadSchema,
  hardshipDecidedPayloadSchema,
  hardshipDeclaredPayloadSchema,
  hardshipHoldEndedPayloadSchema,
  placementEndedPayloadSchema,
  placementStartedPayloadSchema,
  planStartedPayloadSchema,
  planUpdatedPayloadSchema,
  subjectOf,
} from "@concord/schema";
import { applyToCaseDirectory, systemClock, type Clock, type EventEnvelope } from "@concord/service-kit";
import { CaseSynchroniser, type FollowReason, type LoanRef } from "./collection-case.service";

/**
 * Durable consumer name: a case's status follows its placements (PLACED / OPEN), disputes
 * (DISPUTED), hardships (HARDSHIP) and plans (ARRANGEMENT; a completed settlement resolves it),
 * and goes to LEGAL on escalation.
 */
export const PLACEMENT_STATUS_CONSUMER = "loans.case-placement-status";

const PLACEMENTS = {
  "Placement.PlacementStarted": { schema: placementStartedPayloadSchema, reason: "PLACEMENT_STARTED" },
  "Placement.PlacementEnded": { schema: placementEndedPayloadSchema, reason: "PLACEMENT_ENDED" },
} as const;

/**
 * SQL: whether case `$1` has an ACTIVE placement at `$2`, by the case directory: started, not
 * ended, and not past its expiry.
 */
const IN_FORCE = `SELECT EXISTS (SELECT 1 FROM case_directory_placement
  WHERE case_id = $1 AND ended_at IS NULL AND placed_at IS NOT NULL AND expires_at > $2) AS placed`;

/** SQL: whether case `$1` has a dispute outreach raised and has not resolved. */
const DISPUTED = "SELECT EXISTS (SELECT 1 FROM case_dispute WHERE case_id = $1 AND NOT resolved) AS disputed";

/** SQL: whether a hardship holds case `$1`, as the newest of each hardship's events said. */
const HARDSHIP = "SELECT EXISTS (SELECT 1 FROM case_hardship WHERE case_id = $1 AND holding) AS hardship";

/** SQL: whether case `$1` has an ACTIVE plan, as the newest of each plan's events said. */
const ARRANGED = "SELECT EXISTS (SELECT 1 FROM case_plan WHERE case_id = $1 AND status = 'ACTIVE') AS arranged";

/** What a plan event did to `case_plan`, and what it asks of the case. */
interface PlanOutcome {
  caseId: string;
  reason: FollowReason;
  /** A plan that forgave something (a SETTLEMENT's discount, an INTEREST_WAIVER's waiver) newly COMPLETED by this event: what it forgave (else null). */
  settledForgivenMinor: string | null;
}

/**
 * Applies a plan event to `case_plan`: the newest version of each plan decides its status, and
 * COMPLETED or BROKEN is final, so one delivered late or twice changes nothing (PlanStarted is
 * version 1). A PlanUpdated still ACTIVE (a payment counted) is an ACTIVE plan too, so one that
 * overtakes its PlanStarted already makes the case ARRANGEMENT (reason PLAN_STARTED).
 */
async function applyPlan(tx: EntityManager, started: boolean, event: EventEnvelope): Promise<PlanOutcome> {
  const p = started ? { ...planStartedPayloadSchema.parse(event.payload), totalForgivenMinor: "0" } : planUpdatedPayloadSchema.parse(event.payload);
  // TypeORM answers an INSERT ... RETURNING with the rows alone (an upsert that changed nothing: none).
  const applied: unknown[] = await tx.query(
    `INSERT INTO case_plan (plan_id, case_id, version, status) VALUES ($1, $2, $3, $4)
     ON CONFLICT (plan_id) DO UPDATE SET version = EXCLUDED.version, status = EXCLUDED.status
       WHERE case_plan.version < EXCLUDED.version AND case_plan.status = 'ACTIVE'
     RETURNING plan_id`,
    [p.planId, p.caseId, event.aggregateVersion ?? 1, p.status],
  );
  const reason: FollowReason = p.status === "COMPLETED" ? "PLAN_COMPLETED" : p.status === "BROKEN" ? "PLAN_BROKEN" : "PLAN_STARTED";
  // The agreed sum paid and the rest forgiven: nothing more is owed, whatever the kind (a
  // completed plan that forgave nothing leaves the case to its payments, as any other does).
  const settled = applied.length > 0 && p.status === "COMPLETED" && BigInt(p.totalForgivenMinor) > 0n;
  return { caseId: p.caseId, reason, settledForgivenMinor: settled ? String(p.totalForgivenMinor) : null };
}

/**
 * Applies a dispute event to `case_dispute`; returns its case. A resolution is final: a raise
 * delivered after it (or twice) changes nothing.
 */
async function applyDispute(tx: EntityManager, raised: boolean, event: EventEnvelope): Promise<string> {
  const { disputeId, caseId } = (raised ? disputeRaisedPayloadSchema : disputeResolvedPayloadSchema).parse(event.payload);
  await tx.query(
    `INSERT INTO case_dispute (dispute_id, case_id, resolved) VALUES ($1, $2, $3)
     ON CONFLICT (dispute_id) DO UPDATE SET resolved = case_dispute.resolved OR EXCLUDED.resolved`,
    [disputeId, caseId, !raised],
  );
  return caseId;
}

/** The hardship events: whether each leaves the hardship holding contact, and why the case moves. */
const HARDSHIPS = {
  "Hardship.HardshipDeclared": { parse: (p: unknown) => ({ ...hardshipDeclaredPayloadSchema.parse(p), holding: true }), reason: "HARDSHIP_DECLARED" },
  // Approved (or ended, its 30 days running) holds; rejected does not.
  "Hardship.HardshipDecided": { parse: (p: unknown) => { const d = hardshipDecidedPayloadSchema.parse(p); return { ...d, holding: d.status !== "REJECTED" }; }, reason: "HARDSHIP_DECIDED" },
  "Hardship.HardshipHoldEnded": { parse: (p: unknown) => ({ ...hardshipHoldEndedPayloadSchema.parse(p), holding: false }), reason: "HARDSHIP_HOLD_ENDED" },
} as const;

/**
 * Applies a hardship event to `case_hardship`: the newest version of each hardship decides
 * whether it holds the case, so one delivered late or twice changes nothing (events written
 * without a version count as version 1). Returns its case.
 */
async function applyHardship(tx: EntityManager, h: { hardshipId: string; caseId: string; holding: boolean }, event: EventEnvelope): Promise<string> {
  await tx.query(
    `INSERT INTO case_hardship (hardship_id, case_id, version, holding) VALUES ($1, $2, $3, $4)
     ON CONFLICT (hardship_id) DO UPDATE SET version = EXCLUDED.version, holding = EXCLUDED.holding WHERE case_hardship.version < EXCLUDED.version`,
    [h.hardshipId, h.caseId, event.aggregateVersion ?? 1, h.holding],
  );
  return h.caseId;
}

/**
 * Keeps a case's status true to its disputes, hardships, plans and placements, from outreach's
 * DisputeRaised, DisputeResolved, HardshipDeclared, HardshipDecided and HardshipHoldEnded,
 * restructuring's PlanStarted and PlanUpdated and the agencies subgraph's PlacementStarted and
 * PlacementEnded: DISPUTED while a dispute is open, else HARDSHIP while a hardship holds contact,
 * else ARRANGEMENT while an ACTIVE plan exists, else PLACED while an ACTIVE placement of it
 * exists, else OPEN (see FOLLOWS_PLACEMENT for why in that order, and
 * CaseSynchroniser.followPlacement), each move with a history row and CaseUpdated. A plan
 * COMPLETED of kind SETTLEMENT resolves the case instead (RESOLVED, reason SETTLED, the forgiven
 * amount recorded, CaseResolved). Restructuring's CaseEscalatedToLegal moves the case to LEGAL,
 * which none of the others move afterwards. A placement
 * starting or ending while the case is DISPUTED leaves it DISPUTED; the resolution then finds it
 * PLACED or OPEN as its placements are.
 *
 * The case directory's own consumer applies the placement events on its own schedule; this one
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
    let caseId: string;
    let reason: FollowReason;
    let settledForgivenMinor: string | null = null;
    if (subject === "Placement.PlacementStarted" || subject === "Placement.PlacementEnded") {
      const p = PLACEMENTS[subject];
      caseId = p.schema.parse(event.payload).caseId;
      reason = p.reason;
      await applyToCaseDirectory(tx, event);
    } else if (subject === "Dispute.DisputeRaised" || subject === "Dispute.DisputeResolved") {
      const raised = subject === "Dispute.DisputeRaised";
      caseId = await applyDispute(tx, raised, event);
      reason = raised ? "DISPUTE_RAISED" : "DISPUTE_RESOLVED";
    } else if (subject in HARDSHIPS) {
      const h = HARDSHIPS[subject as keyof typeof HARDSHIPS];
      caseId = await applyHardship(tx, h.parse(event.payload), event);
      reason = h.reason;
    } else if (subject === "Plan.PlanStarted" || subject === "Plan.PlanUpdated") {
      ({ caseId, reason, settledForgivenMinor } = await applyPlan(tx, subject === "Plan.PlanStarted", event));
    } else if (subject === "LegalEscalation.CaseEscalatedToLegal") {
      caseId = caseEscalatedToLegalPayloadSchema.parse(event.payload).caseId;
      reason = "LEGAL_ESCALATION";
    } else return;
    const [open] = await tx.query(
      `SELECT c.*, b.region, b.timezone AS borrower_timezone, l.annual_rate_bps, le.timezone AS lender_timezone
         FROM collection_case c JOIN borrower b ON b.id = c.borrower_id JOIN loan l ON l.id = c.loan_id JOIN lender le ON le.id = c.lender_id
        WHERE c.id = $1 FOR UPDATE OF c`,
      [caseId],
    );
    // A case this lender's loans never had: nothing to keep.
    if (!open) return;
    const [{ placed }] = await tx.query(IN_FORCE, [caseId, clock.now()]);
    const [{ disputed }] = await tx.query(DISPUTED, [caseId]);
    const [{ hardship }] = await tx.query(HARDSHIP, [caseId]);
    const [{ arranged }] = await tx.query(ARRANGED, [caseId]);
    const loan: LoanRef = {
      id: open.loan_id,
      lenderId: open.lender_id,
      borrowerId: open.borrower_id,
      region: open.region,
      timezone: open.borrower_timezone,
      currency: open.currency.trim(),
      // Read only to keep the loan's own status, which a placement never moves.
      status: "",
      annualRateBps: open.annual_rate_bps,
      lenderTimezone: open.lender_timezone,
    };
    const sync = new CaseSynchroniser(tx, clock.now(), event.correlationId, undefined, event.id);
    const changed =
      reason === "LEGAL_ESCALATION"
        ? await sync.escalateToLegal(open, loan)
        : settledForgivenMinor !== null
          ? await sync.settle(open, loan, settledForgivenMinor)
          : await sync.followPlacement(open, loan, { placed, disputed, hardship, arranged }, reason);
    if (changed) await sync.flush();
  };
}
