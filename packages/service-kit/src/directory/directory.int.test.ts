import "reflect-metadata";
import { Query, Resolver } from "type-graphql";
import { createLocalJWKSet } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DataSource } from "typeorm";
import { CONTACT_CHANNELS, CONTACT_HOLD_KINDS, CONTACT_JURISDICTIONS, subjectOf, type EventEnvelope } from "@concord/schema";
import { CHANNELS, HOLD_KINDS, JURISDICTIONS, type ContactProfile } from "../contact/types";
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
import { CaseDirectory, DIRECTORY_STOPPED_HOLD_ID, DirectoryHold, heldCasesSql, waitForDirectory } from "./directory";

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

const PARAMETERS = {
  hoursStartMinute: 480, hoursEndMinute: 1260, blockedWeekdays: [7], blockedDates: ["2026-12-25"], maxCallAttemptsPer7Days: 7,
  quietDaysAfterConversation: 7, maxConnectedCallsPerDay: null, maxUnansweredCallsPerDay: null, debtorOnly: false, flagVulnerable: false,
};
/** The caller's default (the contact engine's); distinct from every profile the tests set. */
const DEFAULT_PROFILE = { jurisdiction: "UK_FCA", parameters: { ...PARAMETERS, hoursStartMinute: 0, flagVulnerable: true } } as ContactProfile;
const profileSet = (lenderId: string, version: number | undefined, parameters: Record<string, unknown> = PARAMETERS, jurisdiction = "US_REG_F") =>
  newEvent(
    { type: "ContactProfileSet", aggregateType: "ContactProfile", aggregateId: lenderId, aggregateVersion: version, lenderId, payload: { lenderId, jurisdiction, parameters } },
    clock.now(),
  );
const holdPlaced = (holdId: string, caseId: string, startsAt: string, endsAt: string | null = null, channels: string[] = [], kind = "DISPUTE") =>
  newEvent(
    { type: "ContactHoldPlaced", aggregateType: "ContactHold", aggregateId: holdId, lenderId: LENDER, payload: { holdId, caseId, kind, channels, startsAt, endsAt } },
    clock.now(),
  );
const holdLifted = (holdId: string, caseId: string, liftedAt: string) =>
  newEvent({ type: "ContactHoldLifted", aggregateType: "ContactHold", aggregateId: holdId, lenderId: LENDER, payload: { holdId, caseId, liftedAt } }, clock.now());
const withChannels = (e: EventEnvelope, channels: string[]) => ({ ...e, payload: { ...e.payload, channels } });

const apply = (...events: EventEnvelope[]) => ds.transaction(async (tx) => {
  for (const e of events) await applyToCaseDirectory(tx, e);
});
/** Several events in one call, as a writer's transaction applies its own. */
const applyTogether = (...events: EventEnvelope[]) => ds.transaction((tx) => applyToCaseDirectory(tx, events));
const read = (c = clock) => new CaseDirectory(ds, c);
const directoryHasAppliedMark = (e: EventEnvelope) => waitForDirectory(ds, directoryMark(e)!, 0);

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

describe("the case directory's contact rules", () => {
  it("carries the contact vocabulary the engine declares (schema repeats it)", () => {
    expect([...CONTACT_CHANNELS]).toEqual([...CHANNELS]);
    expect([...CONTACT_HOLD_KINDS]).toEqual([...HOLD_KINDS]);
    expect([...CONTACT_JURISDICTIONS]).toEqual([...JURISDICTIONS]);
  });

  it("gives the caller's default profile until the lender's is set, then applies a profile only when its version is newer", async () => {
    const lender = uuidv7();
    const caseId = uuidv7();
    await apply({ ...caseEvent("CaseOpened", caseId, 1), lenderId: lender });
    expect((await read().contactRules(caseId, clock.now(), DEFAULT_PROFILE))?.profile).toEqual(DEFAULT_PROFILE);
    const v2 = { ...PARAMETERS, maxCallAttemptsPer7Days: 5 };
    await apply(profileSet(lender, 2, v2));
    // Version 1 arrives late, version 2 again: neither changes what version 2 set.
    await apply(profileSet(lender, 1, { ...PARAMETERS, maxCallAttemptsPer7Days: 9 }, "CN_NIFA"), profileSet(lender, 2, { ...PARAMETERS, maxCallAttemptsPer7Days: 6 }));
    expect((await read().contactRules(caseId, clock.now(), DEFAULT_PROFILE))?.profile).toEqual({ jurisdiction: "US_REG_F", parameters: v2 });
    await apply(profileSet(lender, 3, { ...PARAMETERS, maxConnectedCallsPerDay: 3 }, "CN_NIFA"));
    expect(await read().lenderProfile(lender, DEFAULT_PROFILE)).toEqual({ jurisdiction: "CN_NIFA", parameters: { ...PARAMETERS, maxConnectedCallsPerDay: 3 } });
    expect(await read().lenderProfile(uuidv7(), DEFAULT_PROFILE)).toEqual(DEFAULT_PROFILE);
    expect(await read().contactRules(uuidv7(), clock.now(), DEFAULT_PROFILE)).toBeNull();
    // A profile without a version cannot be ordered: refused, not applied.
    await expect(apply(profileSet(lender, undefined))).rejects.toThrow(/carries no aggregateVersion/);
  });

  it("tells when a profile change of a version has been applied, so a reader can wait for it", async () => {
    const lender = uuidv7();
    const e = profileSet(lender, 4);
    expect(await waitForDirectory(ds, directoryMark(e)!, 50)).toBe(false);
    await apply(e);
    expect(await waitForDirectory(ds, directoryMark(e)!, 50)).toBe(true);
    expect(await waitForDirectory(ds, directoryMark(profileSet(lender, 5))!, 50)).toBe(false);
    expect(directoryMark(profileSet(lender, undefined))).toBeNull();
  });

  it("gives a hold from its placement until its lift, the lift final; the holds over before `since` are left out", async () => {
    const caseId = uuidv7();
    const [h1, h2, h3] = [uuidv7(), uuidv7(), uuidv7()];
    await apply(caseEvent("CaseOpened", caseId, 1));
    await apply(
      holdPlaced(h1, caseId, "2026-11-20T00:00:00Z", null, ["CALL", "SMS"]),
      holdPlaced(h2, caseId, "2026-11-21T00:00:00Z", "2026-11-24T00:00:00Z", [], "PROMISE"),
      holdPlaced(h3, caseId, "2026-11-22T00:00:00Z", "2026-12-01T00:00:00Z", [], "HARDSHIP"),
    );
    const rules = await read().contactRules(caseId, at("2026-11-24T00:00:00Z"), DEFAULT_PROFILE);
    // h2 ends exactly at `since`: not before it, so kept.
    expect(rules?.holds).toEqual([
      { holdId: h1, kind: "DISPUTE", channels: ["CALL", "SMS"], startsAt: at("2026-11-20T00:00:00Z"), endsAt: null },
      { holdId: h2, kind: "PROMISE", channels: [], startsAt: at("2026-11-21T00:00:00Z"), endsAt: at("2026-11-24T00:00:00Z") },
      { holdId: h3, kind: "HARDSHIP", channels: [], startsAt: at("2026-11-22T00:00:00Z"), endsAt: at("2026-12-01T00:00:00Z") },
    ]);
    expect((await read().contactRules(caseId, at("2026-11-24T00:00:00.001Z"), DEFAULT_PROFILE))?.holds.map((h) => h.holdId)).toEqual([h1, h3]);
    // Lifted: it ends at the lift, or at its own end if that is earlier; a second lift changes nothing.
    const lift = holdLifted(h1, caseId, "2026-11-25T09:00:00Z");
    await apply(lift, holdLifted(h3, caseId, "2026-12-05T00:00:00Z"));
    await apply(holdLifted(h1, caseId, "2026-11-25T09:30:00Z"), lift);
    const after = await read().contactRules(caseId, at("2026-11-25T00:00:00Z"), DEFAULT_PROFILE);
    expect(after?.holds.map((h) => [h.holdId, h.endsAt])).toEqual([[h1, at("2026-11-25T09:00:00Z")], [h3, at("2026-12-01T00:00:00Z")]]);
    expect((await read().contactRules(caseId, at("2026-11-25T09:00:00.001Z"), DEFAULT_PROFILE))?.holds.map((h) => h.holdId)).toEqual([h3]);
    expect(await directoryHasAppliedMark(lift)).toBe(true);
  });

  it("keeps a lift applied before its placement: the placement, delivered after, does not reopen the hold", async () => {
    const caseId = uuidv7();
    const hold = uuidv7();
    await apply(caseEvent("CaseOpened", caseId, 1));
    await apply(holdLifted(hold, caseId, "2026-11-25T08:00:00Z"));
    // Lifted, and what it held not known yet: nothing to give.
    expect((await read().contactRules(caseId, at("2026-11-01T00:00:00Z"), DEFAULT_PROFILE))?.holds).toEqual([]);
    const placed = holdPlaced(hold, caseId, "2026-11-24T00:00:00Z");
    expect(await directoryHasAppliedMark(placed)).toBe(false);
    await apply(placed, placed);
    expect(await directoryHasAppliedMark(placed)).toBe(true);
    expect((await read().contactRules(caseId, at("2026-11-01T00:00:00Z"), DEFAULT_PROFILE))?.holds).toEqual([
      { holdId: hold, kind: "DISPUTE", channels: [], startsAt: at("2026-11-24T00:00:00Z"), endsAt: at("2026-11-25T08:00:00Z") },
    ]);
    expect((await read().contactRules(caseId, clock.now(), DEFAULT_PROFILE))?.holds).toEqual([]);
  });

  it("stores the agency's channels of a placement, and null for a placement event from before they were carried", async () => {
    const [withCh, without, empty] = [uuidv7(), uuidv7(), uuidv7()];
    await apply(caseEvent("CaseOpened", withCh, 1), caseEvent("CaseOpened", without, 1), caseEvent("CaseOpened", empty, 1));
    const agency = uuidv7();
    await applyTogether(
      withChannels(started(uuidv7(), withCh, agency, "2027-01-01T00:00:00Z"), ["CALL", "VISIT"]),
      started(uuidv7(), without, agency, "2027-01-01T00:00:00Z"),
      withChannels(started(uuidv7(), empty, agency, "2027-01-01T00:00:00Z"), []),
    );
    expect((await read().entry(withCh))?.activePlacement?.channels).toEqual(["CALL", "VISIT"]);
    expect((await read().entry(without))?.activePlacement?.channels).toBeNull();
    expect((await read().entry(empty))?.activePlacement?.channels).toEqual([]);
  });

  it("refuses contact payloads that do not fit their schema: an unknown channel, kind or jurisdiction, a bad weekday", async () => {
    const caseId = uuidv7();
    const badChannel = holdPlaced(uuidv7(), caseId, "2026-11-25T00:00:00Z", null, ["PIGEON"]);
    await expect(apply(badChannel)).rejects.toThrow(new RegExp(`ContactHold.ContactHoldPlaced ${badChannel.id} has a payload the case directory cannot apply`));
    await expect(apply(holdPlaced(uuidv7(), caseId, "2026-11-25T00:00:00Z", null, [], "SULK"))).rejects.toThrow(/cannot apply/);
    await expect(apply(profileSet(uuidv7(), 1, PARAMETERS, "MARS"))).rejects.toThrow(/cannot apply/);
    await expect(apply(profileSet(uuidv7(), 1, { ...PARAMETERS, blockedWeekdays: [0] }))).rejects.toThrow(/cannot apply/);
    await expect(apply(withChannels(started(uuidv7(), caseId, uuidv7(), "2027-01-01T00:00:00Z"), ["FAX"]))).rejects.toThrow(/cannot apply/);
    // The boundary values are accepted.
    await apply(profileSet(uuidv7(), 1, { ...PARAMETERS, blockedWeekdays: [1, 7] }));
  });

  it("fails closed: while the consumer is stopped every case has an open hold on every channel, and not once it resumes", async () => {
    const caseId = uuidv7();
    await apply(caseEvent("CaseOpened", caseId, 1));
    expect((await read().contactRules(caseId, clock.now(), DEFAULT_PROFILE))?.holds).toEqual([]);
    await ds.query("INSERT INTO case_directory_hold (consumer, event_id, subject, seq, reason) VALUES ('test.stopped', $1, 'ContactHold.ContactHoldPlaced', 1, 'test')", [uuidv7()]);
    try {
      const [one, two] = await Promise.all([read().contactRules(caseId, clock.now(), DEFAULT_PROFILE), read().contactRules(caseId, at("2026-01-01T00:00:00Z"), DEFAULT_PROFILE)]);
      for (const r of [one, two]) expect(r?.holds).toEqual([{ holdId: DIRECTORY_STOPPED_HOLD_ID, kind: "OTHER", channels: [], startsAt: new Date(0), endsAt: null }]);
    } finally {
      await ds.query("DELETE FROM case_directory_hold WHERE consumer = 'test.stopped'");
    }
    expect((await read().contactRules(caseId, clock.now(), DEFAULT_PROFILE))?.holds).toEqual([]);
  });

  it("answers several cases and instants asked in one tick from one batch, each with its own holds", async () => {
    const [a, b] = [uuidv7(), uuidv7()];
    await apply(caseEvent("CaseOpened", a, 1), caseEvent("CaseOpened", b, 1));
    const [ha, hb] = [uuidv7(), uuidv7()];
    await apply(holdPlaced(ha, a, "2026-11-20T00:00:00Z", "2026-11-22T00:00:00Z"), holdPlaced(hb, b, "2026-11-20T00:00:00Z"));
    const dir = read();
    const [early, late, other, unknown] = await Promise.all([
      dir.contactRules(a, at("2026-11-21T00:00:00Z"), DEFAULT_PROFILE),
      dir.contactRules(a, at("2026-11-23T00:00:00Z"), DEFAULT_PROFILE),
      dir.contactRules(b, at("2026-11-23T00:00:00Z"), DEFAULT_PROFILE),
      dir.contactRules("not-a-uuid", at("2026-11-23T00:00:00Z"), DEFAULT_PROFILE),
    ]);
    expect(early?.holds.map((h) => h.holdId)).toEqual([ha]);
    expect(late?.holds).toEqual([]);
    expect(other?.holds.map((h) => h.holdId)).toEqual([hb]);
    expect(unknown).toBeNull();
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
