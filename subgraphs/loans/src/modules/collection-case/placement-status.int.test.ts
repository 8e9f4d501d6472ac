import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { Principal } from "@concord/schema";
import { createLogger, FixedClock, newEvent, uuidv7, type EventEnvelope } from "@concord/service-kit";
import { agencyPrincipal, auditorPrincipal, borrowerPrincipal, codes, createTestDatabase, lenderPrincipal, subgraphCaller, TEST_GATEWAY_KEYS, type TestDatabase } from "@concord/test-kit";
import { start, type LoansService } from "../../index";
import { makeLender, makeLoan } from "../../testing/fixtures";
import { placementStatusHandler } from "./placement-status";

let db: TestDatabase;
let svc: LoansService;
let principal: Principal;
const call = subgraphCaller("loans", () => svc.url, () => principal);
const clock = new FixedClock(new Date("2027-01-01T12:00:00Z"));
let lenderId: string;

beforeAll(async () => {
  db = await createTestDatabase("placedstatus");
  // No bus: each test hands the consumer its events, as the bus would deliver them.
  svc = await start({ gatewayKeys: TEST_GATEWAY_KEYS, databaseUrl: db.url, clock, logger: createLogger("loans").child({}, { level: "silent" }) });
  lenderId = await makeLender(svc.ds);
});
afterAll(async () => {
  await svc?.stop();
  await db?.drop();
});
beforeEach(() => {
  clock.set("2027-01-01T12:00:00Z");
  principal = lenderPrincipal(lenderId);
});

const deliver = (...events: EventEnvelope[]) =>
  events.reduce((p, e) => p.then(() => svc.ds.transaction((tx) => placementStatusHandler(clock)(e, tx))), Promise.resolve());

const started = (placementId: string, caseId: string, agencyId: string, expiresAt = "2027-06-01T00:00:00Z") =>
  newEvent(
    {
      type: "PlacementStarted", aggregateType: "Placement", aggregateId: placementId, aggregateVersion: 1, lenderId,
      payload: { placementId, caseId, agencyId, placedAt: clock.now().toISOString(), expiresAt, maxDiscountBps: 500, maxInstalments: 6 },
    },
    clock.now(),
  );
const ended = (placementId: string, caseId: string, agencyId: string, status = "RECALLED") =>
  newEvent(
    {
      type: "PlacementEnded", aggregateType: "Placement", aggregateId: placementId, aggregateVersion: 2, lenderId,
      payload: { placementId, caseId, agencyId, status, endedAt: clock.now().toISOString() },
    },
    clock.now(),
  );

/** A loan of the test lender one installment past due on 2027-01-01, and its OPEN case. */
async function openCase(): Promise<{ caseId: string; loanId: string }> {
  const { loanId } = await makeLoan(svc.ds, { lenderId, originatedOn: "2026-11-01", installments: 4, amountMinor: 5_000 });
  const r = await call(`mutation { refreshDelinquency(asOf: "2027-01-01") { casesOpened } }`);
  expect(r.errors).toBeUndefined();
  const [c] = await svc.ds.query("SELECT id FROM collection_case WHERE loan_id = $1", [loanId]);
  return { caseId: c.id, loanId };
}

const caseRow = async (id: string) => (await svc.ds.query("SELECT status, version, bucket FROM collection_case WHERE id = $1", [id]))[0];
const statusHistory = async (id: string) =>
  (await svc.ds.query("SELECT from_value, to_value, reason FROM case_event WHERE case_id = $1 AND field = 'status' ORDER BY occurred_at, id", [id])).map(
    (r: any) => [r.from_value, r.to_value, r.reason],
  );
const caseEvents = async (id: string) =>
  (await svc.ds.query("SELECT envelope FROM outbox WHERE aggregate_id = $1 ORDER BY seq", [id])).map((r: any) => JSON.parse(r.envelope) as EventEnvelope);

describe("a case's status follows its placements", () => {
  it("is PLACED while an ACTIVE placement exists and OPEN again when it ends, each move with history, a new version and CaseUpdated", async () => {
    const { caseId } = await openCase();
    const [p, agency] = [uuidv7(), uuidv7()];
    const v1 = (await caseRow(caseId)).version;
    const start = started(p, caseId, agency);
    await deliver(start);
    expect(await caseRow(caseId)).toMatchObject({ status: "PLACED", version: String(Number(v1) + 1) });
    const placedEvent = (await caseEvents(caseId)).at(-1)!;
    expect(placedEvent).toMatchObject({
      type: "CaseUpdated", aggregateVersion: Number(v1) + 1, causationId: start.id,
      payload: { caseId, status: "PLACED", changed: ["status"], bucket: "DPD_31_60" },
    });
    // The case directory this subgraph keeps took its own event in the same transaction.
    expect((await svc.ds.query("SELECT status, version FROM case_directory WHERE case_id = $1", [caseId]))[0]).toEqual({ status: "PLACED", version: String(Number(v1) + 1) });

    await deliver(ended(p, caseId, agency));
    expect(await caseRow(caseId)).toMatchObject({ status: "OPEN", version: String(Number(v1) + 2) });
    expect(await statusHistory(caseId)).toEqual([
      [null, "OPEN", "CASE_OPENED"],
      ["OPEN", "PLACED", "PLACEMENT_STARTED"],
      ["PLACED", "OPEN", "PLACEMENT_ENDED"],
    ]);
    expect((await caseEvents(caseId)).at(-1)).toMatchObject({ type: "CaseUpdated", aggregateVersion: Number(v1) + 2, payload: { status: "OPEN" } });
  });

  it("changes nothing for an event delivered twice, and stays OPEN for an end delivered before its start", async () => {
    const { caseId } = await openCase();
    const [p, agency] = [uuidv7(), uuidv7()];
    const start = started(p, caseId, agency);
    await deliver(start, start);
    const version = (await caseRow(caseId)).version;
    expect((await statusHistory(caseId)).filter((h: string[]) => h[2] === "PLACEMENT_STARTED")).toHaveLength(1);

    const other = { caseId: (await openCase()).caseId, p: uuidv7() };
    await deliver(ended(other.p, other.caseId, agency), started(other.p, other.caseId, agency));
    expect((await caseRow(other.caseId)).status).toBe("OPEN");
    expect(await statusHistory(other.caseId)).toEqual([[null, "OPEN", "CASE_OPENED"]]);
    expect((await caseRow(caseId)).version).toBe(version);
  });

  it("stays PLACED when one placement ends and the next has started (a recall, then another agency)", async () => {
    const { caseId } = await openCase();
    const [p1, p2, a1, a2] = [uuidv7(), uuidv7(), uuidv7(), uuidv7()];
    await deliver(started(p1, caseId, a1));
    // The new placement's start reached this consumer before the old one's end.
    await deliver(started(p2, caseId, a2), ended(p1, caseId, a1));
    expect((await caseRow(caseId)).status).toBe("PLACED");
    await deliver(ended(p2, caseId, a2, "RETURNED"));
    expect((await caseRow(caseId)).status).toBe("OPEN");
  });

  it("is not PLACED by a start that arrives after the placement's expiry, and leaves a resolved case RESOLVED", async () => {
    const { caseId } = await openCase();
    await deliver(started(uuidv7(), caseId, uuidv7(), "2027-01-01T11:00:00Z"));
    expect((await caseRow(caseId)).status).toBe("OPEN");

    const resolved = await openCase();
    const [p, agency] = [uuidv7(), uuidv7()];
    await deliver(started(p, resolved.caseId, agency));
    // Resolution works from PLACED: the borrower pays everything overdue.
    const paid = await call(
      `mutation($i: RecordPaymentInput!) { recordPayment(input: $i) { payment { id } } }`,
      { i: { loanId: resolved.loanId, amountMinor: 10_000, currency: "GBP", receivedAt: clock.now().toISOString(), externalReference: `placed-${p}` } },
    );
    expect(paid.errors).toBeUndefined();
    expect((await caseRow(resolved.caseId)).status).toBe("RESOLVED");
    // The agencies subgraph then completes the placement: the case has moved on and stays RESOLVED.
    await deliver(ended(p, resolved.caseId, agency, "COMPLETED"));
    expect((await caseRow(resolved.caseId)).status).toBe("RESOLVED");
    expect(await statusHistory(resolved.caseId)).toEqual([
      [null, "OPEN", "CASE_OPENED"],
      ["OPEN", "PLACED", "PLACEMENT_STARTED"],
      ["PLACED", "RESOLVED", "PAYMENT"],
    ]);
  });

  it("keeps PLACED through a delinquency refresh that moves the bucket", async () => {
    const { caseId } = await openCase();
    await deliver(started(uuidv7(), caseId, uuidv7()));
    clock.set("2027-02-15T12:00:00Z");
    const r = await call(`mutation { refreshDelinquency(asOf: "2027-02-15") { casesUpdated } }`);
    expect(r.data.refreshDelinquency.casesUpdated).toBeGreaterThan(0);
    expect(await caseRow(caseId)).toMatchObject({ status: "PLACED", bucket: "DPD_61_90" });
    expect((await caseEvents(caseId)).at(-1)).toMatchObject({ type: "CaseUpdated", payload: { status: "PLACED", bucket: "DPD_61_90" } });
  });

  it("stays PLACED past a placement's expiry until its PlacementEnded arrives (the placed filter does not wait)", async () => {
    const { caseId } = await openCase();
    const [p, agency] = [uuidv7(), uuidv7()];
    await deliver(started(p, caseId, agency, "2027-01-02T00:00:00Z"));
    clock.set("2027-01-02T00:00:01Z");
    expect((await caseRow(caseId)).status).toBe("PLACED");
    const r = await call(`query($f: CaseFilter) { collectionCases(first: 500, filter: $f) { edges { node { id status } } } }`, { f: { placed: true } });
    expect(r.data.collectionCases.edges.map((e: any) => e.node.id)).not.toContain(caseId);
    await deliver(ended(p, caseId, agency, "EXPIRED"));
    expect((await caseRow(caseId)).status).toBe("OPEN");
  });
});

describe("collectionCases filtered by placement", () => {
  const LIST = `query($f: CaseFilter) { collectionCases(first: 500, filter: $f) { totalCount edges { node { id status } } } }`;
  const ids = async (f: Record<string, unknown>) => {
    const r = await call(LIST, { f });
    expect(r.errors).toBeUndefined();
    expect(r.data.collectionCases.totalCount).toBe(r.data.collectionCases.edges.length);
    return r.data.collectionCases.edges.map((e: any) => e.node.id).sort() as string[];
  };

  it("finds the PLACED cases by status, the placed and unplaced ones, and those of one agency", async () => {
    const [a, b, c] = [await openCase(), await openCase(), await openCase()];
    const [agency1, agency2] = [uuidv7(), uuidv7()];
    await deliver(started(uuidv7(), a.caseId, agency1), started(uuidv7(), b.caseId, agency2));

    const placedByStatus = await ids({ status: "PLACED" });
    expect(placedByStatus).toEqual(expect.arrayContaining([a.caseId, b.caseId]));
    expect(placedByStatus).not.toContain(c.caseId);
    const placed = await ids({ placed: true });
    expect(placed).toEqual(expect.arrayContaining([a.caseId, b.caseId]));
    expect(placed).not.toContain(c.caseId);
    const unplaced = await ids({ placed: false });
    expect(unplaced).toContain(c.caseId);
    expect(unplaced).not.toContain(a.caseId);
    expect(await ids({ agencyId: agency1 })).toEqual([a.caseId]);
    expect(await ids({ agencyId: agency2.toUpperCase(), placed: true, status: "PLACED" })).toEqual([b.caseId]);
    expect(await ids({ agencyId: uuidv7() })).toEqual([]);
    // Another lender's placements are not this lender's to filter by.
    principal = lenderPrincipal(await makeLender(svc.ds));
    expect(await ids({ agencyId: agency1 })).toEqual([]);
  });

  it("refuses the placement filters to every role but lenders, and a malformed or contradictory agency filter", async () => {
    for (const p of [agencyPrincipal(uuidv7()), borrowerPrincipal(uuidv7()), auditorPrincipal()]) {
      principal = p;
      for (const f of [{ placed: true }, { agencyId: uuidv7() }]) expect(codes(await call(LIST, { f })), p.role).toEqual(["FORBIDDEN"]);
    }
    principal = lenderPrincipal(lenderId);
    expect(codes(await call(LIST, { f: { agencyId: "nope" } }))).toEqual(["BAD_USER_INPUT"]);
    expect(codes(await call(LIST, { f: { agencyId: uuidv7(), placed: false } }))).toEqual(["BAD_USER_INPUT"]);
  });
});

describe("a case's status follows its disputes", () => {
  const raised = (disputeId: string, caseId: string) =>
    newEvent({ type: "DisputeRaised", aggregateType: "Dispute", aggregateId: disputeId, aggregateVersion: 1, lenderId, payload: { disputeId, caseId, activityId: null, status: "OPEN" } }, clock.now());
  const resolved = (disputeId: string, caseId: string) =>
    newEvent({ type: "DisputeResolved", aggregateType: "Dispute", aggregateId: disputeId, aggregateVersion: 2, lenderId, payload: { disputeId, caseId, status: "REJECTED" } }, clock.now());

  it("is DISPUTED while a dispute is open and OPEN again when it is resolved, each move with history and CaseUpdated", async () => {
    const { caseId } = await openCase();
    const d = uuidv7();
    const v1 = Number((await caseRow(caseId)).version);
    const raise = raised(d, caseId);
    await deliver(raise, raise);
    expect(await caseRow(caseId)).toMatchObject({ status: "DISPUTED", version: String(v1 + 1) });
    expect((await caseEvents(caseId)).at(-1)).toMatchObject({ type: "CaseUpdated", causationId: raise.id, payload: { status: "DISPUTED", changed: ["status"] } });
    await deliver(resolved(d, caseId));
    expect(await caseRow(caseId)).toMatchObject({ status: "OPEN", version: String(v1 + 2) });
    expect(await statusHistory(caseId)).toEqual([
      [null, "OPEN", "CASE_OPENED"],
      ["OPEN", "DISPUTED", "DISPUTE_RAISED"],
      ["DISPUTED", "OPEN", "DISPUTE_RESOLVED"],
    ]);
  });

  it("stays DISPUTED through a placement, and is PLACED when the dispute is resolved while the agency holds the case", async () => {
    const { caseId } = await openCase();
    const [d, p, agency] = [uuidv7(), uuidv7(), uuidv7()];
    await deliver(raised(d, caseId), started(p, caseId, agency));
    expect((await caseRow(caseId)).status).toBe("DISPUTED");
    await deliver(resolved(d, caseId));
    expect((await caseRow(caseId)).status).toBe("PLACED");
    // Raised again while placed, then the placement ends: DISPUTED throughout, OPEN at the resolution.
    const d2 = uuidv7();
    await deliver(raised(d2, caseId), ended(p, caseId, agency));
    expect((await caseRow(caseId)).status).toBe("DISPUTED");
    await deliver(resolved(d2, caseId));
    expect((await caseRow(caseId)).status).toBe("OPEN");
  });

  it("stays OPEN for a resolution delivered before its raise", async () => {
    const { caseId } = await openCase();
    const d = uuidv7();
    await deliver(resolved(d, caseId), raised(d, caseId));
    expect((await caseRow(caseId)).status).toBe("OPEN");
    expect(await statusHistory(caseId)).toEqual([[null, "OPEN", "CASE_OPENED"]]);
  });
});

describe("a case's status follows its hardships", () => {
  const hardshipEvent = (type: string, version: number, hardshipId: string, caseId: string, status: string, holdUntil: string | null) =>
    newEvent(
      { type, aggregateType: "Hardship", aggregateId: hardshipId, aggregateVersion: version, lenderId, payload: { hardshipId, caseId, ...(type === "HardshipDeclared" ? { activityId: null } : {}), status, holdUntil } },
      clock.now(),
    );
  const declared = (h: string, c: string) => hardshipEvent("HardshipDeclared", 1, h, c, "DECLARED", "2027-01-15T12:00:00.000Z");
  const decided = (h: string, c: string, status: string, version = 2) => hardshipEvent("HardshipDecided", version, h, c, status, status === "REJECTED" ? null : "2027-03-01T12:00:00.000Z");
  const holdEnded = (h: string, c: string, version: number, status = "APPROVED") => hardshipEvent("HardshipHoldEnded", version, h, c, status, "2027-03-01T12:00:00.000Z");

  it("is HARDSHIP from the declaration through the approved hold, and OPEN when the hold ends, each move with history", async () => {
    const { caseId } = await openCase();
    const h = uuidv7();
    await deliver(declared(h, caseId));
    expect((await caseRow(caseId)).status).toBe("HARDSHIP");
    await deliver(decided(h, caseId, "APPROVED"));
    expect((await caseRow(caseId)).status).toBe("HARDSHIP");
    const end = holdEnded(h, caseId, 3);
    await deliver(end);
    expect(await caseRow(caseId)).toMatchObject({ status: "OPEN" });
    expect((await caseEvents(caseId)).at(-1)).toMatchObject({ type: "CaseUpdated", causationId: end.id, payload: { status: "OPEN", changed: ["status"] } });
    expect(await statusHistory(caseId)).toEqual([
      [null, "OPEN", "CASE_OPENED"],
      ["OPEN", "HARDSHIP", "HARDSHIP_DECLARED"],
      ["HARDSHIP", "OPEN", "HARDSHIP_HOLD_ENDED"],
    ]);
  });

  it("leaves HARDSHIP at a rejection, PLACED when an agency holds the case; DISPUTED outranks it", async () => {
    const { caseId } = await openCase();
    const [h, d, p, agency] = [uuidv7(), uuidv7(), uuidv7(), uuidv7()];
    await deliver(started(p, caseId, agency), declared(h, caseId));
    expect((await caseRow(caseId)).status).toBe("HARDSHIP");
    await deliver(newEvent({ type: "DisputeRaised", aggregateType: "Dispute", aggregateId: d, aggregateVersion: 1, lenderId, payload: { disputeId: d, caseId, activityId: null, status: "OPEN" } }, clock.now()));
    expect((await caseRow(caseId)).status).toBe("DISPUTED");
    await deliver(newEvent({ type: "DisputeResolved", aggregateType: "Dispute", aggregateId: d, aggregateVersion: 2, lenderId, payload: { disputeId: d, caseId, status: "REJECTED" } }, clock.now()));
    expect((await caseRow(caseId)).status).toBe("HARDSHIP");
    await deliver(decided(h, caseId, "REJECTED"));
    expect((await caseRow(caseId)).status).toBe("PLACED");
  });

  it("applies each hardship's newest version only: a late or repeated event changes nothing", async () => {
    const { caseId } = await openCase();
    const h = uuidv7();
    // The pending hold lapsed (v2), the lender then approved (v3): the lapse delivered last is stale.
    await deliver(declared(h, caseId), decided(h, caseId, "APPROVED", 3), holdEnded(h, caseId, 2, "DECLARED"), declared(h, caseId));
    expect((await caseRow(caseId)).status).toBe("HARDSHIP");
    const before = await statusHistory(caseId);
    await deliver(decided(h, caseId, "APPROVED", 3));
    expect(await statusHistory(caseId)).toEqual(before);
    expect(before).toEqual([
      [null, "OPEN", "CASE_OPENED"],
      ["OPEN", "HARDSHIP", "HARDSHIP_DECLARED"],
    ]);
  });
});
