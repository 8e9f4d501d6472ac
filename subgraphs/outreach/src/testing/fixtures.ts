import { applyToCaseDirectory, createLogger, newEvent, uuidv7, type Clock } from "@concord/service-kit";
import { createTestDatabase, TEST_GATEWAY_KEYS, type TestDatabase } from "@concord/test-kit";
import { start, type OutreachService } from "../index";
import { applyCaseBalance } from "../modules/notices/case-balance";

/** An outreach subgraph on a fresh database of its own, at `clock`. */
export async function startOutreach(label: string, clock: Clock): Promise<{ db: TestDatabase; svc: OutreachService; stop(): Promise<void> }> {
  const db = await createTestDatabase(label);
  const svc = await start({ databaseUrl: db.url, clock, gatewayKeys: TEST_GATEWAY_KEYS, logger: createLogger("outreach").child({}, { level: "silent" }) });
  return { db, svc, stop: async () => { await svc.stop(); await db.drop(); } };
}

export interface CaseOptions {
  lenderId: string;
  /** The borrower's IANA time zone. @default "America/New_York" */
  timezone?: string;
  /** An agency holding an ACTIVE placement of the case, until `expiresAt`. */
  agencyId?: string;
  expiresAt?: Date;
  /** The agency's allowed channels, as the placement carries them. @default every channel */
  channels?: string[];
  /** The borrower (another case of the same borrower shares its per-debtor counts). @default a new one */
  borrowerId?: string;
  /** When the placement began. @default 89 days before the clock's now */
  placedAt?: Date;
  /** The loan's currency, as the case events carry it. @default "USD" */
  currency?: string;
}

/**
 * A case the outreach subgraph's directory knows, as the loans and agencies subgraphs' events
 * would have made it (applied directly: the directory's own tests cover the bus).
 */
export async function knownCase(svc: OutreachService, clock: Clock, o: CaseOptions): Promise<{ caseId: string; borrowerId: string; placementId: string | null }> {
  const [caseId, borrowerId, placementId] = [uuidv7(), o.borrowerId ?? uuidv7(), o.agencyId ? uuidv7() : null];
  const now = clock.now();
  const events = [
    newEvent(
      {
        type: "CaseOpened", aggregateType: "CollectionCase", aggregateId: caseId, aggregateVersion: 1, lenderId: o.lenderId,
        payload: {
          caseId, loanId: uuidv7(), borrowerId, region: "Springfield", timezone: o.timezone ?? "America/New_York", status: o.agencyId ? "PLACED" : "OPEN",
          daysPastDue: 40, bucket: "DPD_31_60", amountOverdueMinor: "10000", outstandingBalanceMinor: "90000", currency: o.currency ?? "USD", asOf: now.toISOString().slice(0, 10),
        },
      },
      now,
    ),
  ];
  if (o.agencyId && placementId) {
    events.push(
      newEvent(
        {
          type: "PlacementStarted", aggregateType: "Placement", aggregateId: placementId, aggregateVersion: 1, lenderId: o.lenderId,
          payload: {
            placementId, caseId, agencyId: o.agencyId, placedAt: (o.placedAt ?? new Date(now.getTime() - 89 * 86_400_000)).toISOString(),
            expiresAt: (o.expiresAt ?? new Date(now.getTime() + 90 * 86_400_000)).toISOString(), maxDiscountBps: 1000, maxInstalments: 6,
            channels: o.channels ?? ["CALL", "SMS", "EMAIL", "LETTER", "PUSH", "VISIT"],
          },
        },
        now,
      ) as any,
    );
  }
  await svc.ds.transaction(async (tx) => {
    await applyToCaseDirectory(tx, events);
    // What the case has overdue, as the outreach.case-balance consumer keeps it.
    await applyCaseBalance(tx, events[0]!);
  });
  return { caseId, borrowerId, placementId };
}

export interface HoldOptions {
  caseId: string;
  lenderId: string;
  /** @default "DISPUTE" */
  kind?: "CEASE" | "OPT_OUT" | "DISPUTE" | "HARDSHIP" | "BREATHING_SPACE" | "ARRANGEMENT" | "PROMISE" | "OTHER";
  /** The channels it pauses. @default [] (every channel) */
  channels?: string[];
  startsAt: Date;
  /** null: until an event lifts it. */
  endsAt: Date | null;
}

/** A hold on a case, applied to the directory as the ContactHoldPlaced event of the subgraph placing it would be. */
export async function placeHold(svc: OutreachService, clock: Clock, o: HoldOptions): Promise<string> {
  const holdId = uuidv7();
  const event = newEvent(
    {
      type: "ContactHoldPlaced", aggregateType: "ContactHold", aggregateId: holdId, aggregateVersion: 1, lenderId: o.lenderId,
      payload: { holdId, caseId: o.caseId, kind: o.kind ?? "DISPUTE", channels: o.channels ?? [], startsAt: o.startsAt.toISOString(), endsAt: o.endsAt?.toISOString() ?? null },
    },
    clock.now(),
  );
  await svc.ds.transaction((tx) => applyToCaseDirectory(tx, [event]));
  return holdId;
}
