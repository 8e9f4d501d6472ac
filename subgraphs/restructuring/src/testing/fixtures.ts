import { applyToCaseDirectory, createLogger, newEvent, uuidv7, type Clock, type EventEnvelope, type QueryCounter } from "@concord/service-kit";
import { createTestDatabase, TEST_GATEWAY_KEYS, type TestDatabase } from "@concord/test-kit";
import { start, type RestructuringService } from "../index";
import { caseFiguresHandler } from "../modules/figures/case-figures";

/** A restructuring subgraph on a fresh database of its own, at `clock`. */
export async function startRestructuring(label: string, clock: Clock, counter?: QueryCounter): Promise<{ db: TestDatabase; svc: RestructuringService; stop(): Promise<void> }> {
  const db = await createTestDatabase(label);
  const svc = await start({ databaseUrl: db.url, clock, gatewayKeys: TEST_GATEWAY_KEYS, counter, logger: createLogger("restructuring").child({}, { level: "silent" }) });
  return { db, svc, stop: async () => { await svc.stop(); await db.drop(); } };
}

export interface CaseOptions {
  lenderId: string;
  /** An agency holding an ACTIVE placement of the case, until `expiresAt`. */
  agencyId?: string;
  /** @default 90 days after the clock's now */
  expiresAt?: Date;
  /** The placement's delegated authority. @default 1000 and 6; null: a placement event from before it was carried */
  maxDiscountBps?: number | null;
  maxInstalments?: number | null;
  /** @default a new one */
  borrowerId?: string;
  /** @default "90000" */
  outstandingMinor?: string;
  /** @default "10000" */
  overdueMinor?: string;
  /** @default "OPEN", or "PLACED" with an agency */
  status?: string;
  /** @default "America/New_York" */
  lenderTimezone?: string;
}

/**
 * A case the restructuring subgraph knows, as the loans and agencies subgraphs' events would
 * have made it: its directory entry (applied directly: the directory's own tests cover the bus)
 * and its figures (through the case-figures consumer's handler).
 */
export async function knownCase(svc: RestructuringService, clock: Clock, o: CaseOptions): Promise<{ caseId: string; borrowerId: string; placementId: string | null }> {
  const [caseId, borrowerId, placementId] = [uuidv7(), o.borrowerId ?? uuidv7(), o.agencyId ? uuidv7() : null];
  const now = clock.now();
  const opened = newEvent(
    {
      type: "CaseOpened", aggregateType: "CollectionCase", aggregateId: caseId, aggregateVersion: 1, lenderId: o.lenderId,
      payload: {
        caseId, loanId: uuidv7(), borrowerId, region: "Springfield", timezone: "America/New_York", status: o.status ?? (o.agencyId ? "PLACED" : "OPEN"),
        daysPastDue: 40, bucket: "DPD_31_60", amountOverdueMinor: o.overdueMinor ?? "10000", outstandingBalanceMinor: o.outstandingMinor ?? "90000", currency: "USD",
        asOf: now.toISOString().slice(0, 10), remainingInstalments: 9, nextDueDate: "2026-12-15", annualRateBps: 1200, lenderTimezone: o.lenderTimezone ?? "America/New_York",
      },
    },
    now,
  );
  const events: EventEnvelope[] = [opened];
  if (o.agencyId && placementId) {
    events.push(
      newEvent(
        {
          type: "PlacementStarted", aggregateType: "Placement", aggregateId: placementId, aggregateVersion: 1, lenderId: o.lenderId,
          payload: {
            placementId, caseId, agencyId: o.agencyId, placedAt: new Date(now.getTime() - 86_400_000).toISOString(),
            expiresAt: (o.expiresAt ?? new Date(now.getTime() + 90 * 86_400_000)).toISOString(),
            ...(o.maxDiscountBps === null ? {} : { maxDiscountBps: o.maxDiscountBps ?? 1000 }),
            ...(o.maxInstalments === null ? {} : { maxInstalments: o.maxInstalments ?? 6 }),
          },
        },
        now,
      ),
    );
  }
  await svc.ds.transaction(async (tx) => {
    await applyToCaseDirectory(tx, events);
    await caseFiguresHandler()(opened, tx);
  });
  return { caseId, borrowerId, placementId };
}

/** A later case event of the loans subgraph (version `version`), through the case-figures handler and the directory. */
export async function caseEvent(svc: RestructuringService, clock: Clock, event: { caseId: string; lenderId: string; borrowerId: string; version: number; type?: string; payload: Record<string, unknown> }): Promise<void> {
  const e = newEvent(
    {
      type: event.type ?? "CaseUpdated", aggregateType: "CollectionCase", aggregateId: event.caseId, aggregateVersion: event.version, lenderId: event.lenderId,
      payload: {
        caseId: event.caseId, loanId: uuidv7(), borrowerId: event.borrowerId, status: "OPEN", daysPastDue: 40, bucket: "DPD_31_60",
        amountOverdueMinor: "10000", outstandingBalanceMinor: "90000", currency: "USD", asOf: clock.now().toISOString().slice(0, 10), ...event.payload,
      },
    },
    clock.now(),
  );
  await svc.ds.transaction(async (tx) => {
    await applyToCaseDirectory(tx, [e]);
    await caseFiguresHandler()(e, tx);
  });
}
