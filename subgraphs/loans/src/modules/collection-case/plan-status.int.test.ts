import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { Principal } from "@concord/schema";
import { createLogger, FixedClock, newEvent, uuidv7, type EventEnvelope } from "@concord/service-kit";
import { auditorPrincipal, borrowerPrincipal, createTestDatabase, lenderPrincipal, subgraphCaller, TEST_GATEWAY_KEYS, type TestDatabase } from "@concord/test-kit";
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
  db = await createTestDatabase("planstatus");
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

type Kind = "INSTALLMENT_PLAN" | "SETTLEMENT" | "INTEREST_WAIVER";
const plan = (caseId: string, kind: Kind = "INSTALLMENT_PLAN", forgiven = "0") => ({ planId: uuidv7(), offerId: uuidv7(), caseId, kind, forgiven });
type Plan = ReturnType<typeof plan>;
const planStarted = (p: Plan) =>
  newEvent(
    {
      type: "PlanStarted", aggregateType: "Plan", aggregateId: p.planId, aggregateVersion: 1, lenderId,
      payload: {
        planId: p.planId, offerId: p.offerId, caseId: p.caseId, borrowerId: null, kind: p.kind, status: "ACTIVE", instalments: 3,
        firstDueDate: "2027-02-01", lastDueDate: "2027-04-01", totalPayableMinor: "3000", totalForgivenMinor: p.forgiven, currency: "GBP",
      },
    },
    clock.now(),
  );
const planUpdated = (p: Plan, version: number, status: "ACTIVE" | "COMPLETED" | "BROKEN") =>
  newEvent(
    {
      type: "PlanUpdated", aggregateType: "Plan", aggregateId: p.planId, aggregateVersion: version, lenderId,
      payload: {
        planId: p.planId, offerId: p.offerId, caseId: p.caseId, borrowerId: null, kind: p.kind, status,
        change: status === "ACTIVE" ? "PAYMENT" : status, paidMinor: status === "COMPLETED" ? "3000" : "1000", totalPayableMinor: "3000",
        totalForgivenMinor: p.forgiven, currency: "GBP", nextDueDate: status === "ACTIVE" ? "2027-03-01" : null, paymentId: null,
      },
    },
    clock.now(),
  );
const escalated = (caseId: string) => {
  const escalationId = uuidv7();
  return newEvent(
    { type: "CaseEscalatedToLegal", aggregateType: "LegalEscalation", aggregateId: escalationId, aggregateVersion: 1, lenderId, payload: { escalationId, caseId, escalatedAt: clock.now().toISOString() } },
    clock.now(),
  );
};
const placementStarted = (caseId: string) => {
  const placementId = uuidv7();
  return newEvent(
    {
      type: "PlacementStarted", aggregateType: "Placement", aggregateId: placementId, aggregateVersion: 1, lenderId,
      payload: { placementId, caseId, agencyId: uuidv7(), placedAt: clock.now().toISOString(), expiresAt: "2027-06-01T00:00:00Z", maxDiscountBps: 500, maxInstalments: 6 },
    },
    clock.now(),
  );
};
const placementEnded = (started: EventEnvelope) => {
  const { placementId, caseId, agencyId } = started.payload as any;
  return newEvent(
    { type: "PlacementEnded", aggregateType: "Placement", aggregateId: placementId, aggregateVersion: 2, lenderId, payload: { placementId, caseId, agencyId, status: "RECALLED", endedAt: clock.now().toISOString() } },
    clock.now(),
  );
};
const dispute = (caseId: string) => {
  const disputeId = uuidv7();
  return {
    raised: newEvent({ type: "DisputeRaised", aggregateType: "Dispute", aggregateId: disputeId, aggregateVersion: 1, lenderId, payload: { disputeId, caseId, activityId: null, status: "OPEN" } }, clock.now()),
    resolved: newEvent({ type: "DisputeResolved", aggregateType: "Dispute", aggregateId: disputeId, aggregateVersion: 2, lenderId, payload: { disputeId, caseId, status: "REJECTED" } }, clock.now()),
  };
};
const hardshipDeclared = (caseId: string) => {
  const hardshipId = uuidv7();
  return newEvent(
    { type: "HardshipDeclared", aggregateType: "Hardship", aggregateId: hardshipId, aggregateVersion: 1, lenderId, payload: { hardshipId, caseId, activityId: null, status: "DECLARED", holdUntil: "2027-01-15T12:00:00.000Z" } },
    clock.now(),
  );
};

/** A loan of the test lender one installment past due on 2027-01-01, and its OPEN case. */
async function openCase(): Promise<{ caseId: string; loanId: string; borrowerId: string }> {
  const { loanId } = await makeLoan(svc.ds, { lenderId, originatedOn: "2026-11-01", installments: 4, amountMinor: 5_000 });
  const r = await call(`mutation { refreshDelinquency(asOf: "2027-01-01") { casesOpened } }`);
  expect(r.errors).toBeUndefined();
  const [c] = await svc.ds.query("SELECT id, borrower_id FROM collection_case WHERE loan_id = $1", [loanId]);
  return { caseId: c.id, loanId, borrowerId: c.borrower_id };
}

const caseRow = async (id: string) => (await svc.ds.query("SELECT status, version, resolution_reason, forgiven_minor, resolved_at FROM collection_case WHERE id = $1", [id]))[0];
const statusHistory = async (id: string) =>
  (await svc.ds.query("SELECT from_value, to_value, reason FROM case_event WHERE case_id = $1 AND field = 'status' ORDER BY occurred_at, id", [id])).map(
    (r: any) => [r.from_value, r.to_value, r.reason],
  );
const caseEvents = async (id: string) =>
  (await svc.ds.query("SELECT envelope FROM outbox WHERE aggregate_id = $1 ORDER BY seq", [id])).map((r: any) => JSON.parse(r.envelope) as EventEnvelope);
const CASE = `query($id: ID!) { collectionCase(id: $id) { id status resolvedAt resolution { reason forgiven { amountMinor currency } } } }`;

describe("a case's status follows its plans", () => {
  it("is ARRANGEMENT from PlanStarted, stays so through payments, and OPEN again when the plan breaks, each move with history and CaseUpdated", async () => {
    const { caseId } = await openCase();
    const p = plan(caseId);
    const v1 = Number((await caseRow(caseId)).version);
    const start = planStarted(p);
    await deliver(start, start);
    expect(await caseRow(caseId)).toMatchObject({ status: "ARRANGEMENT", version: String(v1 + 1) });
    expect((await caseEvents(caseId)).at(-1)).toMatchObject({
      type: "CaseUpdated", aggregateVersion: v1 + 1, causationId: start.id, payload: { caseId, status: "ARRANGEMENT", changed: ["status"] },
    });
    await deliver(planUpdated(p, 2, "ACTIVE"));
    expect((await caseRow(caseId)).version).toBe(String(v1 + 1));
    const broken = planUpdated(p, 3, "BROKEN");
    await deliver(broken, broken);
    expect(await caseRow(caseId)).toMatchObject({ status: "OPEN", version: String(v1 + 2), resolution_reason: null });
    expect(await statusHistory(caseId)).toEqual([
      [null, "OPEN", "CASE_OPENED"],
      ["OPEN", "ARRANGEMENT", "PLAN_STARTED"],
      ["ARRANGEMENT", "OPEN", "PLAN_BROKEN"],
    ]);
    expect((await caseEvents(caseId)).at(-1)).toMatchObject({ type: "CaseUpdated", aggregateVersion: v1 + 2, payload: { status: "OPEN" } });
  });

  it("orders each plan's events by version: a late PlanStarted or ACTIVE update after the end changes nothing", async () => {
    const { caseId } = await openCase();
    const p = plan(caseId);
    // The break overtook everything before it.
    await deliver(planUpdated(p, 4, "BROKEN"), planStarted(p), planUpdated(p, 2, "ACTIVE"));
    expect((await caseRow(caseId)).status).toBe("OPEN");
    expect(await statusHistory(caseId)).toEqual([[null, "OPEN", "CASE_OPENED"]]);

    // An ACTIVE update that overtook its PlanStarted is an ACTIVE plan all the same; the start, older, then changes nothing.
    const q = plan(caseId);
    await deliver(planUpdated(q, 2, "ACTIVE"), planStarted(q));
    expect((await caseRow(caseId)).status).toBe("ARRANGEMENT");
    await deliver(planUpdated(q, 3, "COMPLETED"), planUpdated(q, 2, "ACTIVE"));
    expect((await caseRow(caseId)).status).toBe("OPEN");
    expect((await statusHistory(caseId)).slice(1)).toEqual([
      ["OPEN", "ARRANGEMENT", "PLAN_STARTED"],
      ["ARRANGEMENT", "OPEN", "PLAN_COMPLETED"],
    ]);
  });

  it("ranks DISPUTED over HARDSHIP over ARRANGEMENT over PLACED over OPEN", async () => {
    const { caseId } = await openCase();
    const placed = placementStarted(caseId);
    await deliver(placed);
    expect((await caseRow(caseId)).status).toBe("PLACED");
    const p = plan(caseId);
    await deliver(planStarted(p));
    expect((await caseRow(caseId)).status).toBe("ARRANGEMENT");
    // The agency's placement ending while the plan runs leaves the arrangement.
    await deliver(placementEnded(placed));
    expect((await caseRow(caseId)).status).toBe("ARRANGEMENT");
    const again = placementStarted(caseId);
    await deliver(again);
    const d = dispute(caseId);
    await deliver(d.raised);
    expect((await caseRow(caseId)).status).toBe("DISPUTED");
    await deliver(hardshipDeclared(caseId));
    expect((await caseRow(caseId)).status).toBe("DISPUTED");
    await deliver(d.resolved);
    expect((await caseRow(caseId)).status).toBe("HARDSHIP");

    const other = await openCase();
    const o = plan(other.caseId);
    const od = dispute(other.caseId);
    await deliver(placementStarted(other.caseId), planStarted(o), od.raised, od.resolved);
    expect((await caseRow(other.caseId)).status).toBe("ARRANGEMENT");
    await deliver(planUpdated(o, 2, "BROKEN"));
    expect((await caseRow(other.caseId)).status).toBe("PLACED");
  });

  it("leaves a resolved case RESOLVED when a plan starts or ends on it", async () => {
    const { caseId, loanId } = await openCase();
    const paid = await call(
      `mutation($i: RecordPaymentInput!) { recordPayment(input: $i) { payment { id } } }`,
      { i: { loanId, amountMinor: 10_000, currency: "GBP", receivedAt: clock.now().toISOString(), externalReference: `paid-${caseId}` } },
    );
    expect(paid.errors).toBeUndefined();
    const p = plan(caseId);
    await deliver(planStarted(p), planUpdated(p, 2, "BROKEN"));
    expect(await caseRow(caseId)).toMatchObject({ status: "RESOLVED", resolution_reason: "PAID", forgiven_minor: null });
    const r = await call(CASE, { id: caseId });
    expect(r.data.collectionCase.resolution).toEqual({ reason: "PAID", forgiven: null });
  });
});

describe("a completed settlement", () => {
  it("resolves the case SETTLED with the forgiven amount, CaseResolved, and the loan paid off, once however often it arrives", async () => {
    const { caseId, loanId, borrowerId } = await openCase();
    const p = plan(caseId, "SETTLEMENT", "1234");
    await deliver(planStarted(p));
    const r0 = await call(CASE, { id: caseId });
    expect(r0.data.collectionCase).toMatchObject({ status: "ARRANGEMENT", resolvedAt: null, resolution: null });
    const v = Number((await caseRow(caseId)).version);
    clock.set("2027-01-20T09:00:00Z");
    const done = planUpdated(p, 5, "COMPLETED");
    await deliver(done, done);
    expect(await caseRow(caseId)).toMatchObject({
      status: "RESOLVED", resolution_reason: "SETTLED", forgiven_minor: "1234", version: String(v + 1), resolved_at: new Date("2027-01-20T09:00:00Z"),
    });
    expect(await statusHistory(caseId)).toEqual([
      [null, "OPEN", "CASE_OPENED"],
      ["OPEN", "ARRANGEMENT", "PLAN_STARTED"],
      ["ARRANGEMENT", "RESOLVED", "PLAN_COMPLETED"],
    ]);
    const resolved = (await caseEvents(caseId)).filter((e: EventEnvelope) => e.type === "CaseResolved");
    expect(resolved).toHaveLength(1);
    expect(resolved[0]).toMatchObject({ aggregateVersion: v + 1, causationId: done.id, payload: { caseId, status: "RESOLVED", changed: ["status"] } });
    expect((await svc.ds.query("SELECT status FROM loan WHERE id = $1", [loanId]))[0].status).toBe("PAID_OFF");

    for (const who of [lenderPrincipal(lenderId), borrowerPrincipal(borrowerId)]) {
      principal = who;
      const r = await call(CASE, { id: caseId });
      expect(r.errors).toBeUndefined();
      expect(r.data.collectionCase).toMatchObject({
        status: "RESOLVED", resolvedAt: "2027-01-20T09:00:00.000Z", resolution: { reason: "SETTLED", forgiven: { amountMinor: 1234, currency: "GBP" } },
      });
    }
    // No refresh reopens the forgiven remainder as a new case.
    principal = lenderPrincipal(lenderId);
    clock.set("2027-02-15T12:00:00Z");
    expect((await call(`mutation { refreshDelinquency(asOf: "2027-02-15") { casesOpened } }`)).errors).toBeUndefined();
    expect((await svc.ds.query("SELECT count(*)::int AS n FROM collection_case WHERE loan_id = $1", [loanId]))[0].n).toBe(1);
  });

  it("does not resolve on a broken settlement or a completed plan that forgave nothing, resolves a completed interest waiver, and a settlement's late start changes nothing", async () => {
    const { caseId } = await openCase();
    const s = plan(caseId, "SETTLEMENT", "500");
    await deliver(planStarted(s), planUpdated(s, 3, "BROKEN"));
    expect(await caseRow(caseId)).toMatchObject({ status: "OPEN", resolution_reason: null, forgiven_minor: null });
    const i = plan(caseId, "INSTALLMENT_PLAN");
    await deliver(planStarted(i), planUpdated(i, 4, "COMPLETED"));
    expect(await caseRow(caseId)).toMatchObject({ status: "OPEN", resolution_reason: null });
    expect((await caseEvents(caseId)).filter((e: EventEnvelope) => e.type === "CaseResolved")).toEqual([]);

    // A completed interest waiver forgave its waiver: settled too, or collection would resume on what the lender gave up.
    const waived = await openCase();
    const w = plan(waived.caseId, "INTEREST_WAIVER", "250");
    await deliver(planStarted(w), planUpdated(w, 2, "COMPLETED"));
    expect(await caseRow(waived.caseId)).toMatchObject({ status: "RESOLVED", resolution_reason: "SETTLED", forgiven_minor: "250" });

    const late = await openCase();
    const l = plan(late.caseId, "SETTLEMENT", "700");
    await deliver(planUpdated(l, 3, "COMPLETED"), planStarted(l));
    expect(await caseRow(late.caseId)).toMatchObject({ status: "RESOLVED", resolution_reason: "SETTLED", forgiven_minor: "700" });
  });

  it("shows an auditor why the case was resolved but not what was forgiven (a case's figures are not an auditor's)", async () => {
    const { caseId } = await openCase();
    const p = plan(caseId, "SETTLEMENT", "900");
    await deliver(planStarted(p), planUpdated(p, 2, "COMPLETED"));
    principal = auditorPrincipal();
    const r = await call(CASE, { id: caseId });
    expect(r.data.collectionCase.resolution).toEqual({ reason: "SETTLED", forgiven: null });
    principal = lenderPrincipal(await makeLender(svc.ds));
    expect((await call(CASE, { id: caseId })).data?.collectionCase ?? null).toBeNull();
  });
});

describe("escalation to legal action", () => {
  it("moves the case to LEGAL with history and CaseUpdated, once, and placements, plans and protections leave it there", async () => {
    const { caseId } = await openCase();
    const p = plan(caseId);
    await deliver(planStarted(p));
    const v = Number((await caseRow(caseId)).version);
    const e = escalated(caseId);
    await deliver(e, e);
    expect(await caseRow(caseId)).toMatchObject({ status: "LEGAL", version: String(v + 1) });
    expect((await caseEvents(caseId)).at(-1)).toMatchObject({ type: "CaseUpdated", aggregateVersion: v + 1, causationId: e.id, payload: { status: "LEGAL", changed: ["status"] } });
    const d = dispute(caseId);
    await deliver(planUpdated(p, 2, "BROKEN"), placementStarted(caseId), d.raised, hardshipDeclared(caseId), d.resolved, planStarted(plan(caseId)));
    expect(await caseRow(caseId)).toMatchObject({ status: "LEGAL", version: String(v + 1) });
    expect((await statusHistory(caseId)).slice(1)).toEqual([
      ["OPEN", "ARRANGEMENT", "PLAN_STARTED"],
      ["ARRANGEMENT", "LEGAL", "LEGAL_ESCALATION"],
    ]);
    const r = await call(CASE, { id: caseId });
    expect(r.data.collectionCase).toMatchObject({ status: "LEGAL", resolution: null });
  });

  it("leaves a resolved case RESOLVED, and ignores a case this subgraph does not have", async () => {
    const { caseId } = await openCase();
    const s = plan(caseId, "SETTLEMENT", "10");
    await deliver(planStarted(s), planUpdated(s, 2, "COMPLETED"));
    const before = await caseRow(caseId);
    await deliver(escalated(caseId), escalated(uuidv7()));
    expect(await caseRow(caseId)).toEqual(before);
  });
});
