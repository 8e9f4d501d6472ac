import { newEvent, subjectOf, uuidv7, type Clock } from "@concord/service-kit";
import type { Federation } from "./federation";

/** A placement as the agencies subgraph announces it; only the case, its lender and the agency are required. */
export interface PlacementAnnouncement {
  caseId: string;
  lenderId: string;
  agencyId: string;
  /** @default the clock's now */
  placedAt?: Date;
  /** @default 2027-01-01T00:00:00Z */
  expiresAt?: string;
  /** @default 500 */
  maxDiscountBps?: number;
  /** @default 6 */
  maxInstalments?: number;
}

/**
 * Publishes a PlacementStarted of the case on the federation's bus, as the agencies subgraph
 * would after `placeCase`, so every subgraph's case directory learns that the agency holds it
 * (the caller waits for the directory it needs). Returns the placement's id.
 */
export async function announcePlacement(fed: Federation, clock: Clock, p: PlacementAnnouncement): Promise<string> {
  const placementId = uuidv7();
  const e = newEvent(
    {
      type: "PlacementStarted", aggregateType: "Placement", aggregateId: placementId, aggregateVersion: 1, lenderId: p.lenderId,
      payload: {
        placementId, caseId: p.caseId, agencyId: p.agencyId, placedAt: (p.placedAt ?? clock.now()).toISOString(),
        expiresAt: p.expiresAt ?? "2027-01-01T00:00:00Z", maxDiscountBps: p.maxDiscountBps ?? 500, maxInstalments: p.maxInstalments ?? 6,
      },
    },
    clock.now(),
  );
  await fed.bus.publish([{ id: e.id, subject: subjectOf(e), data: JSON.stringify(e) }]);
  return placementId;
}
