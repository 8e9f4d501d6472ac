import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FixedClock, newEvent, uuidv7 } from "@concord/service-kit";
import { planUpdatedPayloadSchema, type Principal } from "@concord/schema";
import { borrowerPrincipal, lenderPrincipal, subgraphCaller } from "@concord/test-kit";
import type { RestructuringService } from "../../index";
import { knownCase, startRestructuring } from "../../testing/fixtures";
import { graceEndOf } from "./plan-ledger";
import { breakPlansPastGrace, planPaymentsHandler } from "./plan.service";

/** Plans tracked from loans' payments (the restructuring.plan-payments handler) and broken by the plan-grace job. */

const NOW = new Date("2026-12-01T15:00:00Z");
const ZONE = "America/New_York";
const clock = new FixedClock(NOW);
let svc: RestructuringService;
let stop: () => Promise<void>;
let principal: Principal;
const call = subgraphCaller("restructuring", () => svc.url, () => principal);
const lender = uuidv7();

const PROPOSE = `mutation($input: ProposeOfferInput!) { proposeOffer(input: $input) { id version } }`;
const ACCEPT = `mutation($id: ID!, $v: Int!) { acceptOffer(offerId: $id, version: $v) { id status } }`;
const PLAN = `query($id: ID!) { plan(id: $id) { id status version paid { amountMinor currency } completedAt brokenAt
  instalments { sequence dueDate paid { amountMinor } status paidAt } history { at change status paid { amountMinor } } } }`;

/** A case of `lender` with an ACTIVE plan of three monthly instalments of 30000 USD (due 2026-12-15, 2027-01-15, 2027-02-15), started at NOW. */
async function activePlan(lenderId = lender): Promise<{ caseId: string; borrowerId: string; planId: string; offerId: string }> {
  clock.set(NOW);
  const { caseId, borrowerId } = await knownCase(svc, clock, { lenderId, lenderTimezone: ZONE });
  principal = lenderPrincipal(lenderId);
  const proposed = await call(PROPOSE, { input: { idempotencyKey: uuidv7(), caseId, kind: "INSTALLMENT_PLAN", instalments: 3, frequency: "MONTHLY", firstDueDate: "2026-12-15" } });
  expect(proposed.errors).toBeUndefined();
  principal = borrowerPrincipal(borrowerId);
  const accepted = await call(ACCEPT, { id: proposed.data.proposeOffer.id, v: proposed.data.proposeOffer.version });
  expect(accepted.errors).toBeUndefined();
  const [plan] = await svc.ds.query("SELECT id FROM plan WHERE case_id = $1", [caseId]);
  return { caseId, borrowerId, planId: plan.id, offerId: proposed.data.proposeOffer.id };
}

/** A PaymentRecorded of loans, handled as the restructuring.plan-payments consumer would (one transaction). */
async function payment(c: { caseId: string; borrowerId: string }, amountMinor: string, receivedAt: Date, o: { currency?: string; paymentId?: string } = {}) {
  const paymentId = o.paymentId ?? uuidv7();
  const e = newEvent(
    {
      type: "PaymentRecorded", aggregateType: "Loan", aggregateId: uuidv7(), aggregateVersion: 1, lenderId: lender,
      payload: { paymentId, loanId: uuidv7(), borrowerId: c.borrowerId, caseId: c.caseId, amountMinor, currency: o.currency ?? "USD", receivedAt: receivedAt.toISOString() },
    },
    clock.now(),
  );
  await svc.ds.transaction((tx) => planPaymentsHandler(clock)(e, tx));
  return paymentId;
}

const updates = async (planId: string) =>
  (await svc.ds.query("SELECT envelope FROM outbox WHERE aggregate_id = $1 AND type = 'PlanUpdated' ORDER BY seq", [planId])).map((r: any) => JSON.parse(r.envelope));
async function view(borrowerId: string, planId: string) {
  principal = borrowerPrincipal(borrowerId);
  const r = await call(PLAN, { id: planId });
  expect(r.errors).toBeUndefined();
  return r.data.plan;
}

beforeAll(async () => {
  ({ svc, stop } = await startRestructuring("plans", clock));
});
afterAll(async () => stop?.());

describe("restructuring.plan-payments", () => {
  it("counts a payment against the oldest instalment, and the payment filling the last completes the plan", async () => {
    const c = await activePlan();
    const at1 = new Date("2026-12-10T14:00:00Z");
    clock.set(at1);
    const p1 = await payment(c, "45000", at1);
    let plan = await view(c.borrowerId, c.planId);
    expect(plan).toMatchObject({ status: "ACTIVE", version: 2, paid: { amountMinor: 45000, currency: "USD" }, completedAt: null, brokenAt: null });
    expect(plan.instalments.map((i: any) => [i.status, i.paid.amountMinor, i.paidAt])).toEqual([
      ["PAID", 30000, at1.toISOString()],
      ["PARTIALLY_PAID", 15000, null],
      ["DUE", 0, null],
    ]);
    const [first] = await updates(c.planId);
    expect(first).toMatchObject({ aggregateType: "Plan", aggregateVersion: 2, lenderId: lender });
    expect(planUpdatedPayloadSchema.parse(first.payload)).toEqual({
      planId: c.planId, offerId: c.offerId, caseId: c.caseId, borrowerId: c.borrowerId, kind: "INSTALLMENT_PLAN", status: "ACTIVE", change: "PAYMENT",
      paidMinor: "45000", totalPayableMinor: "90000", totalForgivenMinor: "0", currency: "USD", nextDueDate: "2027-01-15", paymentId: p1,
    });

    const at2 = new Date("2027-01-14T14:00:00Z");
    clock.set(at2);
    await payment(c, "44999", at2);
    expect((await view(c.borrowerId, c.planId)).status).toBe("ACTIVE");
    const at3 = new Date("2027-02-01T14:00:00Z");
    clock.set(at3);
    const last = await payment(c, "1", at3);
    plan = await view(c.borrowerId, c.planId);
    expect(plan).toMatchObject({ status: "COMPLETED", version: 4, paid: { amountMinor: 90000 }, completedAt: at3.toISOString(), brokenAt: null });
    expect(plan.instalments.map((i: any) => i.status)).toEqual(["PAID", "PAID", "PAID"]);
    expect(plan.history.map((h: any) => [h.change, h.status, h.paid.amountMinor])).toEqual([
      ["STARTED", "ACTIVE", 0], ["PAYMENT", "ACTIVE", 45000], ["PAYMENT", "ACTIVE", 89999], ["COMPLETED", "COMPLETED", 90000],
    ]);
    expect(plan.history[0].at).toBe(NOW.toISOString());
    const all = await updates(c.planId);
    expect(all.map((e: any) => [e.aggregateVersion, e.payload.change, e.payload.status])).toEqual([[2, "PAYMENT", "ACTIVE"], [3, "PAYMENT", "ACTIVE"], [4, "COMPLETED", "COMPLETED"]]);
    expect(planUpdatedPayloadSchema.parse(all[2].payload)).toMatchObject({ paymentId: last, nextDueDate: null, paidMinor: "90000" });
    // Completed: a later payment of the case is recorded but changes no plan.
    await payment(c, "500", new Date("2027-02-02T14:00:00Z"));
    expect(await updates(c.planId)).toHaveLength(3);
  });

  it("counts a payment delivered twice once, and ignores another currency's and a payment of no case", async () => {
    const c = await activePlan();
    const at = new Date("2026-12-05T14:00:00Z");
    clock.set(at);
    const id = await payment(c, "10000", at);
    await payment(c, "10000", at, { paymentId: id });
    await payment(c, "30000", at, { currency: "EUR" });
    const e = newEvent(
      { type: "PaymentRecorded", aggregateType: "Loan", aggregateId: uuidv7(), aggregateVersion: 1, lenderId: lender,
        payload: { paymentId: uuidv7(), loanId: uuidv7(), borrowerId: c.borrowerId, caseId: null, amountMinor: "30000", currency: "USD", receivedAt: at.toISOString() } },
      at,
    );
    await svc.ds.transaction((tx) => planPaymentsHandler(clock)(e, tx));
    const plan = await view(c.borrowerId, c.planId);
    expect(plan).toMatchObject({ status: "ACTIVE", version: 2, paid: { amountMinor: 10000 } });
    expect(plan.instalments[0]).toMatchObject({ status: "PARTIALLY_PAID", paid: { amountMinor: 10000 } });
    expect((await updates(c.planId)).map((u: any) => u.payload.paymentId)).toEqual([id]);
    expect(await svc.ds.query("SELECT count(*)::int AS n FROM plan_payment WHERE payment_id = $1", [id])).toEqual([{ n: 1 }]);
  });
});

describe("plan-grace", () => {
  it("keeps a plan through the last grace day and breaks it the instant the day after begins, once", async () => {
    const c = await activePlan();
    // Part paid: still short when grace ends.
    clock.set(new Date("2026-12-14T14:00:00Z"));
    await payment(c, "29999", clock.now());
    const end = graceEndOf("2026-12-15", 10, ZONE);
    expect(end.toISOString()).toBe("2026-12-26T05:00:00.000Z");

    clock.set(new Date(end.getTime() - 1));
    expect(await breakPlansPastGrace(svc.ds, clock)).toBe(0);
    expect((await view(c.borrowerId, c.planId)).status).toBe("ACTIVE");

    clock.set(end);
    expect(await breakPlansPastGrace(svc.ds, clock)).toBeGreaterThanOrEqual(1);
    const plan = await view(c.borrowerId, c.planId);
    expect(plan).toMatchObject({ status: "BROKEN", version: 3, brokenAt: end.toISOString(), completedAt: null, paid: { amountMinor: 29999 } });
    expect(plan.instalments.map((i: any) => i.status)).toEqual(["MISSED", "DUE", "DUE"]);
    expect(plan.history.map((h: any) => h.change)).toEqual(["STARTED", "PAYMENT", "BROKEN"]);
    const all = await updates(c.planId);
    expect(planUpdatedPayloadSchema.parse(all[1].payload)).toMatchObject({ status: "BROKEN", change: "BROKEN", paymentId: null, nextDueDate: null, paidMinor: "29999" });
    expect(all[1].correlationId).toBe(`job:plan-grace:${end.toISOString()}`);

    clock.set(new Date(end.getTime() + 60_000));
    await breakPlansPastGrace(svc.ds, clock);
    expect(await updates(c.planId)).toHaveLength(2);
    // Nothing received after mends it.
    await payment(c, "90000", clock.now());
    expect(await updates(c.planId)).toHaveLength(2);
    expect((await view(c.borrowerId, c.planId)).status).toBe("BROKEN");
  });

  it("gives the instalments the grace days the lender set (setRestructuringTerms), not the default", async () => {
    const strict = uuidv7();
    principal = lenderPrincipal(strict);
    const set = await call(`mutation { setRestructuringTerms(input: { planGraceDays: 2 }) { planGraceDays } }`);
    expect(set.errors).toBeUndefined();
    const c = await activePlan(strict);
    const end = graceEndOf("2026-12-15", 2, ZONE);
    clock.set(new Date(end.getTime() - 1));
    await breakPlansPastGrace(svc.ds, clock);
    expect((await view(c.borrowerId, c.planId)).status).toBe("ACTIVE");
    clock.set(end);
    await breakPlansPastGrace(svc.ds, clock);
    expect(await view(c.borrowerId, c.planId)).toMatchObject({ status: "BROKEN", brokenAt: end.toISOString() });
  });

  it("leaves a plan whose instalment was paid in full on its last grace day", async () => {
    const c = await activePlan();
    const end = graceEndOf("2026-12-15", 10, ZONE);
    clock.set(new Date(end.getTime() - 1));
    await payment(c, "30000", clock.now());
    clock.set(new Date(end.getTime() + 86_400_000));
    await breakPlansPastGrace(svc.ds, clock);
    const plan = await view(c.borrowerId, c.planId);
    expect(plan).toMatchObject({ status: "ACTIVE", version: 2 });
    expect(plan.instalments.map((i: any) => i.status)).toEqual(["PAID", "DUE", "DUE"]);
  });
});
