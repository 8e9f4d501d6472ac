import "reflect-metadata";
import { Query, Resolver } from "type-graphql";
import { createLocalJWKSet } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DataSource } from "typeorm";
import { subjectOf, type EventEnvelope } from "@concord/schema";
import { FixedClock } from "../clock";
import { createDataSource, migrate } from "../data-source";
import { startConsumer } from "../events/consumer";
import { newEvent } from "../events/envelope";
import { PgEventBus } from "../events/pg-bus";
import { uuidv7 } from "../ids";
import { NeedsScope } from "../access/scopes";
import { KIT_MIGRATIONS } from "../kit-migrations";
import { createLogger } from "../logger";
import { runExclusively, startSubgraph } from "../subgraph-service";
import { PUBLIC, Policy } from "../access/policy";
import { buildFederatedSchema } from "../federation";
import { freshDatabase } from "../testing/test-database";
import { applyToCaseDirectory, directoryMark, narrowsAccess } from "./apply";
import { CaseDirectory, DirectoryHold, heldCasesSql, waitForDirectory } from "./directory";

/** The smallest subgraph schema that starts: one field, with its policy. */
@Resolver()
class ProbeResolver {
  @NeedsScope("cases:read")
  @Policy(PUBLIC, "Query")
  @Query(() => Boolean)
  probeOk(): boolean {
    return true;
  }
}

const dbs: Array<{ drop(): Promise<void> }> = [];
async function waitFor(cond: () => boolean | Promise<boolean>, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 20));
  }
}
let ds: DataSource;
const clock = new FixedClock(new Date("2026-11-25T10:00:00Z"));
const LENDER = uuidv7();
const silent = createLogger("test").child({}, { level: "silent" });

beforeAll(async () => {
  const db = await freshDatabase("directory");
  dbs.push(db);
  ds = await createDataSource({ url: db.url, migrations: [...KIT_MIGRATIONS] });
  await migrate(ds);
});
afterAll(async () => {
  await ds?.destroy();
  for (const db of dbs) await db.drop();
});

const at = (iso: string) => new Date(iso);
function caseEvent(type: "CaseOpened" | "CaseUpdated" | "CaseResolved", caseId: string, version: number | undefined, status = "OPEN", bucket: string | null = "DPD_31_60") {
  return newEvent(
    {
      type, aggregateType: "CollectionCase", aggregateId: caseId, aggregateVersion: version, lenderId: LENDER,
      payload: {
        caseId, loanId: uuidv7(), borrowerId: uuidv7(), region: "Leeds", status, daysPastDue: 40, bucket,
        amountOverdueMinor: "100", outstandingBalanceMinor: "1000", currency: "GBP", asOf: "2026-11-25",
      },
    },
    clock.now(),
  );
}
const started = (placementId: string, caseId: string, agencyId: string, expiresAt: string) =>
  newEvent(
    {
      type: "PlacementStarted", aggregateType: "Placement", aggregateId: placementId, aggregateVersion: 1, lenderId: LENDER,
      payload: { placementId, caseId, agencyId, placedAt: clock.now().toISOString(), expiresAt, maxDiscountBps: 500, maxInstalments: 6 },
    },
    clock.now(),
  );
const ended = (placementId: string, caseId: string, agencyId: string) =>
  newEvent(
    {
      type: "PlacementEnded", aggregateType: "Placement", aggregateId: placementId, aggregateVersion: 2, lenderId: LENDER,
      payload: { placementId, caseId, agencyId, status: "RECALLED", endedAt: clock.now().toISOString() },
    },
    clock.now(),
  );
const visit = (type: "HomeVisitApproved" | "HomeVisitCompleted", visitId: string, caseId: string, agencyId: string, from?: string, until?: string) =>
  newEvent(
    {
      type, aggregateType: "HomeVisitRequest", aggregateId: visitId, lenderId: LENDER,
      payload: type === "HomeVisitApproved" ? { visitId, caseId, agencyId, windowStart: from, windowEnd: until } : { visitId, caseId, agencyId },
    },
    clock.now(),
  );

const apply = (...events: EventEnvelope[]) => ds.transaction(async (tx) => {
  for (const e of events) await applyToCaseDirectory(tx, e);
});
/** Several events in one call, as a writer's transaction applies its own. */
const applyTogether = (...events: EventEnvelope[]) => ds.transaction((tx) => applyToCaseDirectory(tx, events));
const read = (c = clock) => new CaseDirectory(ds, c);

describe("the case directory", () => {
  it("applies a case change only when its version is newer: an older one after it and the same one twice change nothing", async () => {
    const id = uuidv7();
    await apply(caseEvent("CaseOpened", id, 1, "OPEN", "DPD_1_30"), caseEvent("CaseUpdated", id, 3, "OPEN", "DPD_61_90"));
    await apply(caseEvent("CaseUpdated", id, 2, "OPEN", "DPD_31_60"));
    const e3 = caseEvent("CaseUpdated", id, 3, "DISPUTED", "DPD_91_180");
    await apply(e3, e3);
    const entry = await read().entry(id);
    expect(entry).toMatchObject({ caseId: id, lenderId: LENDER, status: "OPEN", bucket: "DPD_61_90" });
    await apply(caseEvent("CaseUpdated", id, 4, "DISPUTED", "DPD_91_180"));
    expect(await read().entry(id)).toMatchObject({ status: "DISPUTED", bucket: "DPD_91_180" });
  });

  it("applies the events of one transaction together: of several on one case the newest wins, whatever their order", async () => {
    const [a, b, p, agency] = [uuidv7(), uuidv7(), uuidv7(), uuidv7()];
    await applyTogether(
      caseEvent("CaseUpdated", a, 3, "OPEN", "DPD_61_90"),
      caseEvent("CaseOpened", a, 1, "OPEN", "DPD_1_30"),
      caseEvent("CaseUpdated", a, 2, "OPEN", "DPD_31_60"),
      caseEvent("CaseOpened", b, 1, "OPEN", "DPD_1_30"),
      started(p, b, agency, "2027-01-01T00:00:00Z"),
    );
    expect((await read().entry(a))?.bucket).toBe("DPD_61_90");
    expect(await read().agencyHoldsAny(agency, [b])).toBe(true);
    const bad = ended(uuidv7(), "not-a-uuid", agency);
    await expect(applyTogether(caseEvent("CaseUpdated", b, 2, "DISPUTED"), bad)).rejects.toThrow(/cannot apply/);
    // Nothing of a refused batch is applied.
    expect((await read().entry(b))?.status).toBe("OPEN");
  });

  it("applies events from before versions were kept in bus order, and lets any versioned event supersede them", async () => {
    const id = uuidv7();
    await apply(caseEvent("CaseOpened", id, undefined, "OPEN", "DPD_1_30"), caseEvent("CaseUpdated", id, undefined, "OPEN", "DPD_31_60"));
    expect((await read().entry(id))?.bucket).toBe("DPD_31_60");
    await apply(caseEvent("CaseUpdated", id, 1, "OPEN", "DPD_61_90"), caseEvent("CaseUpdated", id, undefined, "OPEN", "DPD_1_30"));
    expect((await read().entry(id))?.bucket).toBe("DPD_61_90");
  });

  it("keeps the borrower's time zone a case event carries, and an event from before zones were carried does not forget it", async () => {
    const id = uuidv7();
    const withZone = (e: EventEnvelope, timezone?: string) => ({ ...e, payload: { ...e.payload, ...(timezone ? { timezone } : {}) } });
    await apply(caseEvent("CaseOpened", id, 1));
    expect((await read().entry(id))?.timezone).toBeNull();
    await apply(withZone(caseEvent("CaseUpdated", id, 2), "Asia/Shanghai"));
    expect((await read().entry(id))?.timezone).toBe("Asia/Shanghai");
    await apply(caseEvent("CaseUpdated", id, 3, "DISPUTED"));
    expect(await read().entry(id)).toMatchObject({ status: "DISPUTED", timezone: "Asia/Shanghai" });
    await apply(withZone(caseEvent("CaseUpdated", id, 4), "Europe/London"));
    expect((await read().entry(id))?.timezone).toBe("Europe/London");
  });

  it("ends a placement at its expiresAt by the clock alone, and keeps its delegated authority while it holds", async () => {
    const [caseId, placementId, agency] = [uuidv7(), uuidv7(), uuidv7()];
    await apply(caseEvent("CaseOpened", caseId, 1), started(placementId, caseId, agency, "2026-11-25T12:00:00Z"));
    const during = await read().entry(caseId);
    expect(during?.activePlacement).toMatchObject({ placementId, agencyId: agency, maxDiscountBps: 500, maxInstalments: 6, expiresAt: at("2026-11-25T12:00:00Z") });
    expect(await read().agencyHoldsAny(agency, [caseId])).toBe(true);
    expect(await read(new FixedClock(at("2026-11-25T11:59:59.999Z"))).agencyHoldsAny(agency, [caseId])).toBe(true);
    const after = read(new FixedClock(at("2026-11-25T12:00:00Z")));
    expect(await after.agencyHoldsAny(agency, [caseId])).toBe(false);
    expect((await after.entry(caseId))?.activePlacement).toBeNull();
    expect(await read().agencyHoldsAny(uuidv7(), [caseId])).toBe(false);
  });

  it("ends right whatever the order: an end before its start, a start delivered again after its end", async () => {
    const [caseId, p1, p2, agency] = [uuidv7(), uuidv7(), uuidv7(), uuidv7()];
    await apply(caseEvent("CaseOpened", caseId, 1));
    await apply(ended(p1, caseId, agency), started(p1, caseId, agency, "2027-01-01T00:00:00Z"));
    expect(await read().agencyHoldsAny(agency, [caseId])).toBe(false);
    await apply(started(p2, caseId, agency, "2027-01-01T00:00:00Z"));
    expect(await read().agencyHoldsAny(agency, [caseId])).toBe(true);
    const end = ended(p2, caseId, agency);
    await apply(end, started(p2, caseId, agency, "2027-01-01T00:00:00Z"), end);
    expect(await read().agencyHoldsAny(agency, [caseId])).toBe(false);
    const [row] = await ds.query("SELECT end_status, expires_at FROM case_directory_placement WHERE placement_id = $1", [p1]);
    // The start filled in what the end did not carry, and the end stayed.
    expect(row.end_status).toBe("RECALLED");
    expect(new Date(row.expires_at).toISOString()).toBe("2027-01-01T00:00:00.000Z");
  });

  it("ends an agency's access when the case is resolved, and knows nothing of a case it never heard of", async () => {
    const [caseId, placementId, agency] = [uuidv7(), uuidv7(), uuidv7()];
    await apply(caseEvent("CaseOpened", caseId, 1), started(placementId, caseId, agency, "2027-01-01T00:00:00Z"));
    expect(await read().agencyHoldsAny(agency, [caseId])).toBe(true);
    await apply(caseEvent("CaseResolved", caseId, 2, "RESOLVED", null));
    expect(await read().agencyHoldsAny(agency, [caseId])).toBe(false);
    expect(await read().entry(uuidv7())).toBeNull();
    // A placement of a case the directory has not heard of gives no access (fail closed).
    const [unknownCase, p] = [uuidv7(), uuidv7()];
    await apply(started(p, unknownCase, agency, "2027-01-01T00:00:00Z"));
    expect(await read().agencyHoldsAny(agency, [unknownCase])).toBe(false);
  });

  it("knows which agencies ever held a case, after their placement ended too (and no other agency)", async () => {
    const [caseId, placementId, agency] = [uuidv7(), uuidv7(), uuidv7()];
    await apply(caseEvent("CaseOpened", caseId, 1));
    expect(await read().heldEver(agency, [caseId])).toBe(false);
    await apply(started(placementId, caseId, agency, "2027-01-01T00:00:00Z"));
    expect(await read().heldEver(agency, [caseId, uuidv7()])).toBe(true);
    await apply(ended(placementId, caseId, agency));
    expect(await read().agencyHoldsAny(agency, [caseId])).toBe(false);
    expect(await read().heldEver(agency, [caseId])).toBe(true);
    expect(await read().heldEver(uuidv7(), [caseId])).toBe(false);
    expect(await read().heldEver(agency, ["not-a-uuid"])).toBe(false);
  });

  it("opens a visit window only while the agency holds the case, inside the window, until the visit closes", async () => {
    const [caseId, placementId, agency, visitId] = [uuidv7(), uuidv7(), uuidv7(), uuidv7()];
    await apply(caseEvent("CaseOpened", caseId, 1), visit("HomeVisitApproved", visitId, caseId, agency, "2026-11-25T09:00:00Z", "2026-11-25T11:00:00Z"));
    expect(await read().visitWindowOpen(agency, [caseId])).toBe(false); // not held
    await apply(started(placementId, caseId, agency, "2027-01-01T00:00:00Z"));
    expect(await read().visitWindowOpen(agency, [caseId])).toBe(true);
    expect(await read(new FixedClock(at("2026-11-25T08:59:59Z"))).visitWindowOpen(agency, [caseId])).toBe(false);
    expect(await read(new FixedClock(at("2026-11-25T11:00:00Z"))).visitWindowOpen(agency, [caseId])).toBe(false);
    await apply(visit("HomeVisitCompleted", visitId, caseId, agency));
    expect(await read().visitWindowOpen(agency, [caseId])).toBe(false);
  });

  it("refuses a payload that does not fit its event's schema, naming the event", async () => {
    const bad = ended(uuidv7(), "not-a-uuid", uuidv7());
    await expect(apply(bad)).rejects.toThrow(new RegExp(`Placement.PlacementEnded ${bad.id} has a payload the case directory cannot apply`));
  });

  it("tells when it has applied an event, so a reader can wait for one", async () => {
    const [caseId, placementId, agency] = [uuidv7(), uuidv7(), uuidv7()];
    await apply(caseEvent("CaseOpened", caseId, 1));
    const e = started(placementId, caseId, agency, "2027-01-01T00:00:00Z");
    const mark = directoryMark(e)!;
    expect(await waitForDirectory(ds, mark, 100)).toBe(false);
    const waiting = waitForDirectory(ds, mark, 5_000);
    setTimeout(() => void apply(e), 200);
    expect(await waiting).toBe(true);
    expect(await waitForDirectory(ds, directoryMark(caseEvent("CaseUpdated", caseId, 2))!, 50)).toBe(false);
    expect(await waitForDirectory(ds, directoryMark(caseEvent("CaseUpdated", caseId, 1))!, 50)).toBe(true);
    expect(await waitForDirectory(ds, "Placement.PlacementStarted ' OR 1=1 --", 50)).toBe(false);
  });
});

describe("the case directory's consumer", () => {
  it("stops on an access-ending event it cannot apply: no agency holds anything meanwhile, nothing is skipped, until an operator releases it", async () => {
    const busDb = await freshDatabase("dirbus");
    dbs.push(busDb);
    const bus = await PgEventBus.open({ url: busDb.url, pollMs: 50 });
    const alerts = new DirectoryHold(ds);
    const sub = await startConsumer({
      name: `test.case-directory-${uuidv7().slice(-6)}`,
      bus,
      ds,
      handle: (e, tx) => applyToCaseDirectory(tx, e),
      failClosed: narrowsAccess,
      hold: alerts,
      maxAttempts: 2,
      backoffMs: 10,
      logger: silent,
    });
    try {
      const [caseId, agency, p1, p2] = [uuidv7(), uuidv7(), uuidv7(), uuidv7()];
      const publish = (...events: EventEnvelope[]) => bus.publish(events.map((e) => ({ id: e.id, subject: subjectOf(e), data: JSON.stringify(e) })));
      const badStart = started(p2, caseId, agency, "not a date");
      await publish(caseEvent("CaseOpened", caseId, 1), started(p1, caseId, agency, "2027-01-01T00:00:00Z"), badStart);
      await waitFor(async () => (await ds.query("SELECT 1 FROM dead_letter WHERE event_id = $1", [badStart.id])).length === 1, 10_000);
      expect(await read().agencyHoldsAny(agency, [caseId])).toBe(true);

      const badEnd = ended(p1, caseId, agency);
      (badEnd.payload as Record<string, unknown>).status = "VANISHED";
      const later = caseEvent("CaseUpdated", caseId, 2, "OPEN", "DPD_61_90");
      await publish(badEnd, later);
      await waitFor(() => alerts.list().length === 1, 10_000);
      expect(alerts.list()[0]).toMatchObject({ eventId: badEnd.id, subject: "Placement.PlacementEnded" });
      // Held on it: nothing after it is applied, and it is not skipped into dead_letter.
      await new Promise((r) => setTimeout(r, 500));
      expect((await read().entry(caseId))?.bucket).toBe("DPD_31_60");
      expect(await ds.query("SELECT 1 FROM dead_letter WHERE event_id = $1", [badEnd.id])).toEqual([]);
      // The end it could not apply is unknown, and so are those behind it: no agency holds anything.
      expect(await alerts.stopped()).toBe(true);
      expect(await read().agencyHoldsAny(agency, [caseId])).toBe(false);
      expect((await read().entry(caseId))?.activePlacement).toBeNull();
      expect(await ds.query(heldCasesSql("$1", "$2"), [agency, clock.now()])).toEqual([]);
      // An operator releases it: it goes to dead_letter, the consumer goes on, the hold ends.
      await ds.query("UPDATE case_directory_hold SET release = true WHERE event_id = $1", [badEnd.id]);
      await waitFor(async () => (await read().entry(caseId))?.bucket === "DPD_61_90", 60_000);
      expect(await ds.query("SELECT reason FROM dead_letter WHERE event_id = $1", [badEnd.id])).toEqual([{ reason: expect.stringMatching(/^released by an operator/) }]);
      expect(alerts.list()).toEqual([]);
      expect(await alerts.stopped()).toBe(false);
      expect(await read().agencyHoldsAny(agency, [caseId])).toBe(true);
    } finally {
      await sub.stop();
      await bus.close();
    }
  }, 90_000);

  it("makes the service's /health fail and name the event while a subgraph's directory is stopped on it", async () => {
    const [svcDb, busDb] = [await freshDatabase("dirsvc"), await freshDatabase("dirsvcbus")];
    dbs.push(svcDb, busDb);
    const bus = await PgEventBus.open({ url: busDb.url, pollMs: 50 });
    const svc = await startSubgraph(
      {
        name: "probe",
        migrations: [],
        buildSchema: () => buildFederatedSchema({ resolvers: [ProbeResolver] }),
        createContext: (base) => base,
      },
      { databaseUrl: svcDb.url, gatewayKeys: createLocalJWKSet({ keys: [] }), bus, logger: silent, clock },
    );
    try {
      const health = async () => {
        const r = await fetch(svc.url.replace(/\/graphql$/, "/health"));
        return { status: r.status, body: (await r.json()) as { status: string; alerts: Array<{ eventId: string }> } };
      };
      expect((await health()).status).toBe(200);
      const bad = ended(uuidv7(), uuidv7(), uuidv7());
      (bad.payload as Record<string, unknown>).endedAt = "yesterday";
      await bus.publish([{ id: bad.id, subject: subjectOf(bad), data: JSON.stringify(bad) }]);
      await waitFor(async () => (await health()).status === 503, 20_000);
      const { body } = await health();
      expect(body.status).toBe("failing");
      expect(body.alerts.map((a) => a.eventId)).toEqual([bad.id]);
    } finally {
      await svc.stop();
      await bus.close();
    }
  }, 40_000);
});

describe("scheduled jobs", () => {
  it("run on one instance at a time: a second run while the first holds the job's lock does nothing", async () => {
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    let runs = 0;
    const first = runExclusively(ds, "test:job", async () => (runs++, await held, 7));
    await new Promise((r) => setTimeout(r, 100));
    expect(await runExclusively(ds, "test:job", async () => (runs++, 1))).toBe(0);
    expect(await runExclusively(ds, "test:other-job", async () => 3)).toBe(3);
    release();
    expect(await first).toBe(7);
    expect(await runExclusively(ds, "test:job", async () => (runs++, 2))).toBe(2);
    expect(runs).toBe(2);
  });
});
