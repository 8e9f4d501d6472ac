import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLogger, FixedClock, newEvent, PgEventBus, uuidv7, type EventEnvelope } from "@concord/service-kit";
import type { Principal } from "@concord/schema";
import { createTestDatabase, lenderPrincipal, subgraphCaller, TEST_GATEWAY_KEYS, until } from "@concord/test-kit";
import { start, type OutreachService } from "../../index";
import { knownCase, startOutreach } from "../../testing/fixtures";
import { ARRANGEMENT_HOLD_CHANNELS, plansHandler } from "./plan-holds";

/**
 * The ARRANGEMENT hold of a plan in good standing, as the outreach.plans consumer keeps it from
 * hand-made PlanStarted and PlanUpdated events. The lender follows UK_FCA (no call caps, no
 * quiet period) and the borrowers live in London at 16:00 local, so only holds block a contact.
 */
const NOW = new Date("2026-11-24T16:00:00Z");
const clock = new FixedClock(NOW);
let svc: OutreachService;
let stop: () => Promise<void>;
let principal: Principal;
const call = subgraphCaller("outreach", () => svc.url, () => principal);
const lender = uuidv7();
const POLICY = `query($caseId: ID!, $channel: Channel!, $at: DateTimeISO) { contactPolicy(caseId: $caseId, channel: $channel, at: $at) { allowed blockedBy { rule until } } }`;

beforeAll(async () => {
  ({ svc, stop } = await startOutreach("planholds", clock));
  principal = lenderPrincipal(lender);
  expect((await call(`mutation { setContactProfile(jurisdiction: UK_FCA) { jurisdiction } }`)).errors).toBeUndefined();
});
afterAll(async () => {
  await stop?.();
});

async function londonCase() {
  const c = await knownCase(svc, clock, { lenderId: lender, timezone: "Europe/London" });
  clock.set(NOW);
  return c;
}
const plan = (caseId: string) => ({ planId: uuidv7(), offerId: uuidv7(), caseId });
type Plan = ReturnType<typeof plan>;
const started = (p: Plan) =>
  newEvent(
    {
      type: "PlanStarted", aggregateType: "Plan", aggregateId: p.planId, aggregateVersion: 1, lenderId: lender,
      payload: {
        ...p, borrowerId: null, kind: "INSTALLMENT_PLAN", status: "ACTIVE", instalments: 3, firstDueDate: "2026-12-01", lastDueDate: "2027-02-01",
        totalPayableMinor: "3000", totalForgivenMinor: "0", currency: "GBP",
      },
    },
    clock.now(),
  );
const updated = (p: Plan, version: number, status: "ACTIVE" | "COMPLETED" | "BROKEN") =>
  newEvent(
    {
      type: "PlanUpdated", aggregateType: "Plan", aggregateId: p.planId, aggregateVersion: version, lenderId: lender,
      payload: {
        ...p, borrowerId: null, kind: "INSTALLMENT_PLAN", status, change: status === "ACTIVE" ? "PAYMENT" : status, paidMinor: "1000",
        totalPayableMinor: "3000", totalForgivenMinor: "0", currency: "GBP", nextDueDate: status === "ACTIVE" ? "2027-01-01" : null, paymentId: null,
      },
    },
    clock.now(),
  );
const deliver = (...events: EventEnvelope[]) =>
  events.reduce((acc, e) => acc.then(() => svc.ds.transaction((tx) => plansHandler(clock)(e, tx))), Promise.resolve());

async function policy(caseId: string, channel: string, at: Date = clock.now()) {
  const r = await call(POLICY, { caseId, channel, at: at.toISOString() });
  expect(r.errors).toBeUndefined();
  return r.data.contactPolicy as { allowed: boolean; blockedBy: Array<{ rule: string; until: string | null }> };
}
const holds = async (planId: string) =>
  svc.ds.query("SELECT id, case_id, kind, channels, starts_at, ends_at, lifted_at FROM contact_hold WHERE source_type = 'plan' AND source_id = $1 ORDER BY placed_at", [planId]);
const holdEvents = async (caseId: string) =>
  (await svc.ds.query("SELECT envelope FROM outbox WHERE aggregate_type = 'ContactHold' ORDER BY seq"))
    .map((r: { envelope: string }) => JSON.parse(r.envelope))
    .filter((e: EventEnvelope) => (e.payload as { caseId: string }).caseId === caseId);

describe("the ARRANGEMENT hold of a plan", () => {
  it("holds calls and visits from PlanStarted, once however often it arrives, and leaves reminders' channels open", async () => {
    const { caseId } = await londonCase();
    const p = plan(caseId);
    expect((await policy(caseId, "CALL")).allowed).toBe(true);
    const start = started(p);
    await deliver(start, start);
    const rows = await holds(p.planId);
    expect(rows).toEqual([{ id: expect.any(String), case_id: caseId, kind: "ARRANGEMENT", channels: ["CALL", "VISIT"], starts_at: NOW, ends_at: null, lifted_at: null }]);
    expect(ARRANGEMENT_HOLD_CHANNELS).toEqual(["CALL", "VISIT"]);
    const events = await holdEvents(caseId);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      type: "ContactHoldPlaced", lenderId: lender, correlationId: start.id,
      payload: { holdId: rows[0].id, caseId, kind: "ARRANGEMENT", channels: ["CALL", "VISIT"], startsAt: NOW.toISOString(), endsAt: null },
    });
    // In force from the instant it was placed, not a millisecond before.
    expect(await policy(caseId, "CALL")).toMatchObject({ allowed: false, blockedBy: [{ rule: "CONTACT_HOLD", until: null }] });
    expect((await policy(caseId, "CALL", new Date(NOW.getTime() - 1))).allowed).toBe(true);
    for (const channel of ["SMS", "EMAIL", "LETTER", "PUSH"]) expect({ channel, ...(await policy(caseId, channel)) }).toMatchObject({ channel, allowed: true });
    // A payment counted keeps the plan, and its hold, as they are.
    await deliver(updated(p, 2, "ACTIVE"));
    expect(await holdEvents(caseId)).toHaveLength(1);
  });

  it("is lifted when the plan breaks, once, and calls are allowed again", async () => {
    const { caseId } = await londonCase();
    const p = plan(caseId);
    await deliver(started(p), updated(p, 2, "ACTIVE"));
    clock.set(new Date(NOW.getTime() + 3_600_000));
    try {
      const broken = updated(p, 3, "BROKEN");
      await deliver(broken, broken);
      const [row] = await holds(p.planId);
      expect(row.lifted_at).toEqual(clock.now());
      expect((await holdEvents(caseId)).map((e: EventEnvelope) => e.type)).toEqual(["ContactHoldPlaced", "ContactHoldLifted"]);
      expect((await policy(caseId, "CALL")).allowed).toBe(true);
    } finally {
      clock.set(NOW);
    }
  });

  it("is lifted when the plan completes; a late PlanStarted or ACTIVE update after that places nothing", async () => {
    const { caseId } = await londonCase();
    const p = plan(caseId);
    await deliver(started(p), updated(p, 4, "COMPLETED"), started(p), updated(p, 3, "ACTIVE"));
    expect((await holds(p.planId)).map((h: { lifted_at: Date | null }) => h.lifted_at)).toEqual([NOW]);
    expect((await holdEvents(caseId)).map((e: EventEnvelope) => e.type)).toEqual(["ContactHoldPlaced", "ContactHoldLifted"]);
    expect((await policy(caseId, "CALL")).allowed).toBe(true);
  });

  it("places nothing for a plan whose end overtook its start, and places the hold from an ACTIVE update that overtook it", async () => {
    const { caseId } = await londonCase();
    const p = plan(caseId);
    await deliver(updated(p, 3, "BROKEN"), started(p));
    expect(await holds(p.planId)).toEqual([]);
    expect(await holdEvents(caseId)).toEqual([]);
    expect((await policy(caseId, "CALL")).allowed).toBe(true);

    const q = plan(caseId);
    await deliver(updated(q, 2, "ACTIVE"), started(q));
    expect(await holds(q.planId)).toHaveLength(1);
    expect((await policy(caseId, "CALL")).allowed).toBe(false);
    // Another case's plan is that case's alone.
    const other = await londonCase();
    expect((await policy(other.caseId, "CALL")).allowed).toBe(true);
  });
});

describe("the outreach.plans consumer on the bus", () => {
  it("is wired into the subgraph: a PlanStarted published on the bus places the hold", async () => {
    const busDb = await createTestDatabase("planholdsbus");
    const bus = await PgEventBus.open({ url: busDb.url, pollMs: 100 });
    const wiredDb = await createTestDatabase("planholdswired");
    const wired = await start({ databaseUrl: wiredDb.url, clock, bus, gatewayKeys: TEST_GATEWAY_KEYS, logger: createLogger("outreach").child({}, { level: "silent" }) });
    try {
      const p = plan(uuidv7());
      const e = started(p);
      await bus.publish([{ id: e.id, subject: "Plan.PlanStarted", data: JSON.stringify(e) }]);
      const rows = () => wired.ds.query("SELECT kind, channels FROM contact_hold WHERE source_type = 'plan' AND source_id = $1", [p.planId]);
      await until(async () => (await rows()).length > 0, "the hold", 15_000);
      expect(await rows()).toEqual([{ kind: "ARRANGEMENT", channels: ["CALL", "VISIT"] }]);
    } finally {
      await wired.stop();
      await bus.close();
      await wiredDb.drop();
      await busDb.drop();
    }
  });
});
