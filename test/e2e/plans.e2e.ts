import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FixedClock, uuidv7 } from "@concord/service-kit";
import { seedDemoPortfolio } from "@concord/loans";
import { until, type LiveSubscription } from "@concord/test-kit";
import { startFederation, type Federation } from "../support/federation";
import { announcePlacement } from "../support/placements";

/**
 * A plan followed live through the whole federation: the agency holding a case proposes an
 * instalment plan, the borrower accepts it, and its app, subscribed to planUpdated over
 * graphql-ws through the gateway, hears the plan start and then, when the lender records a
 * payment in loans, the payment counted (restructuring's plan-payments consumer of
 * PaymentRecorded → PlanUpdated → the gateway). Resubscribing after a cursor resumes without
 * replaying what was already received; the case's lender hears it too, another borrower nothing.
 */

let fed: Federation;
const clock = new FixedClock(new Date("2026-11-25T10:00:00Z"));
let caseId: string, borrowerId: string, lenderId: string, loanId: string, currency: string;
let borrower: string, lender: string;
let mine: LiveSubscription, strangers: LiveSubscription, lenders: LiveSubscription;
let planId: string;
let firstCursor: string;
const agencyId = uuidv7();

const UPDATE = `cursor kind occurredAt planId caseId plan { id status version paid { amountMinor currency } instalments { sequence status paid { amountMinor } } }`;
const PAY = `mutation($i: RecordPaymentInput!) { recordPayment(input: $i) { replayed } }`;

/** Subscribes and waits until the gateway holds the subscription, so no event can slip past it. */
async function live(query: string, variables: Record<string, unknown> | undefined, token: string): Promise<LiveSubscription> {
  const before = fed.gateway.subscribers();
  const s = fed.subscribe(query, variables, token);
  let refused: unknown;
  void s.failed.then((errors) => (refused = errors));
  await until(() => fed.gateway.subscribers() > before || s.closed() !== undefined || refused !== undefined, "the gateway to hold the subscription");
  if (refused) throw new Error(`subscription refused: ${JSON.stringify(refused)}`);
  return s;
}

async function pay(amountMinor: string, reference: string) {
  const r = await fed.query(PAY, { i: { loanId, amountMinor, currency, receivedAt: clock.now().toISOString(), externalReference: reference } }, lender);
  expect(r.errors).toBeUndefined();
}

beforeAll(async () => {
  fed = await startFederation({ clock });
  await seedDemoPortfolio(fed.loans.ds, { asOf: "2026-11-25", borrowers: 40 }, clock);
  const [c] = await fed.loans.ds.query(
    `SELECT c.id, c.lender_id, c.borrower_id, c.loan_id, l.currency FROM collection_case c JOIN loan l ON l.id = c.loan_id
      WHERE c.status = 'OPEN' ORDER BY c.id LIMIT 1`,
  );
  ({ id: caseId, lender_id: lenderId, borrower_id: borrowerId, loan_id: loanId } = c);
  currency = String(c.currency).trim();
  const placementId = await announcePlacement(fed, clock, { caseId, lenderId, agencyId });
  const restructuring = fed.subgraphs.restructuring!.ds;
  await until(async () => (await restructuring.query("SELECT 1 FROM case_directory_placement WHERE placement_id = $1", [placementId])).length === 1, "restructuring's directory to know the placement");
  await until(async () => (await restructuring.query("SELECT 1 FROM case_figures WHERE case_id = $1", [caseId])).length === 1, "restructuring to know the case's figures");
  borrower = await fed.token({ role: "borrower", borrower_id: borrowerId });
  lender = await fed.token({ role: "lender", lender_id: lenderId });
  const [other] = await fed.loans.ds.query("SELECT id FROM borrower WHERE id <> $1 LIMIT 1", [borrowerId]);
  mine = await live(`subscription { planUpdated { ${UPDATE} } }`, undefined, borrower);
  lenders = await live(`subscription { planUpdated { ${UPDATE} } }`, undefined, lender);
  strangers = await live(`subscription { planUpdated { ${UPDATE} } }`, undefined, await fed.token({ role: "borrower", borrower_id: other.id }));
}, 120_000);
afterAll(async () => {
  await mine?.stop();
  await strangers?.stop();
  await lenders?.stop();
  await fed?.stop();
});

describe("planUpdated through the gateway", () => {
  it("tells the borrower's app its plan started, then of the payment the lender recorded in loans", async () => {
    const agency = await fed.token({ role: "agency", agency_id: agencyId });
    const proposed = await fed.query(
      `mutation($i: ProposeOfferInput!) { proposeOffer(input: $i) { id status version } }`,
      { i: { idempotencyKey: "e2e-plan", caseId, kind: "INSTALLMENT_PLAN", instalments: 3, frequency: "MONTHLY", firstDueDate: "2026-12-15" } },
      agency,
    );
    expect(proposed.errors).toBeUndefined();
    expect(proposed.data.proposeOffer.status).toBe("PROPOSED");
    const accepted = await fed.query(`mutation($id: ID!) { acceptOffer(offerId: $id, version: 1) { status } }`, { id: proposed.data.proposeOffer.id }, borrower);
    expect(accepted.errors).toBeUndefined();

    const [started] = await mine.next(1);
    expect(started!.errors).toBeUndefined();
    const s = started!.data.planUpdated;
    expect(s).toMatchObject({ kind: "STARTED", caseId, plan: { status: "ACTIVE", paid: { amountMinor: 0, currency } } });
    planId = s.planId;
    expect(s.plan.id).toBe(planId);
    expect(s.plan.instalments.map((i: any) => [i.status, i.paid.amountMinor])).toEqual([["DUE", 0], ["DUE", 0], ["DUE", 0]]);

    await pay("1000", "e2e-plan-pay-1");
    const [, paid] = await mine.next(2);
    expect(paid!.errors).toBeUndefined();
    expect(paid!.data.planUpdated).toMatchObject({
      kind: "PAYMENT", planId, caseId,
      plan: { id: planId, status: "ACTIVE", paid: { amountMinor: 1000, currency }, instalments: [{ sequence: 1, status: "PARTIALLY_PAID", paid: { amountMinor: 1000 } }, {}, {}] },
    });
    firstCursor = paid!.data.planUpdated.cursor;
    expect(Number(firstCursor)).toBeGreaterThan(Number(s.cursor));
    // The case's lender follows it too.
    // (Each resolved at its delivery: only the last is sure to show the payment.)
    const lenderSaw = await lenders.next(2);
    expect(lenderSaw.map((r) => [r.data.planUpdated.kind, r.data.planUpdated.plan.id])).toEqual([["STARTED", planId], ["PAYMENT", planId]]);
    expect(lenderSaw[1]!.data.planUpdated.plan.paid.amountMinor).toBe(1000);
  });

  it("resumes after a cursor with nothing older replayed; another borrower heard nothing", async () => {
    const resumed = await live(`subscription($id: ID, $after: String) { planUpdated(planId: $id, after: $after) { ${UPDATE} } }`, { id: planId, after: firstCursor }, borrower);
    await pay("2000", "e2e-plan-pay-2");
    const [next] = await resumed.next(1);
    expect(next!.errors).toBeUndefined();
    expect(next!.data.planUpdated).toMatchObject({ kind: "PAYMENT", planId, plan: { paid: { amountMinor: 3000 } } });
    expect(Number(next!.data.planUpdated.cursor)).toBeGreaterThan(Number(firstCursor));
    const seen = await mine.next(3);
    expect(seen.map((r) => r.data.planUpdated.kind)).toEqual(["STARTED", "PAYMENT", "PAYMENT"]);
    // Updates are delivered one event at a time: the last reached the borrower, so it would have reached the other one too.
    expect(resumed.received).toHaveLength(1);
    expect(strangers.received).toEqual([]);
    await resumed.stop();
  });
});
