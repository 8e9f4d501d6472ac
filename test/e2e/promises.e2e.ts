import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FixedClock, uuidv7 } from "@concord/service-kit";
import { seedDemoPortfolio } from "@concord/loans";
import { until } from "@concord/test-kit";
import { startFederation, type Federation } from "../support/federation";
import { announcePlacement } from "../support/placements";

/**
 * A promise to pay through the whole federation, with the real roles: the agency holding a case
 * reports a PROMISE_TO_PAY call through the gateway; the lender sees the promise on the case;
 * the agency's contactPolicy refuses a call (CONTACT_HOLD) and allows an SMS; the lender records
 * the payment in loans, whose PaymentRecorded reaches outreach over the bus and keeps the
 * promise, lifting the hold; promiseStats shows the agency's kept rate.
 */

let fed: Federation;
const clock = new FixedClock(new Date("2026-11-25T10:00:00Z")); // Wednesday, 10:00 in London: inside contact hours
let caseId: string;
let loanId: string;
let lenderId: string;
let agencyId: string;

const POLICY = `query($id: ID!, $channel: Channel!) { contactPolicy(caseId: $id, channel: $channel) { allowed blockedBy { rule until } } }`;
const PROMISES = `query($id: ID!) { collectionCase(id: $id) { promises { id status agencyId dueDate graceEndsAt paidMinor amount { amountMinor currency } activity { id outcome } } } }`;

beforeAll(async () => {
  fed = await startFederation({ clock });
  await seedDemoPortfolio(fed.loans.ds, { asOf: "2026-11-25", borrowers: 40 }, clock);
  const [c] = await fed.loans.ds.query(
    `SELECT c.id, c.lender_id, c.loan_id FROM collection_case c JOIN borrower b ON b.id = c.borrower_id
      WHERE b.timezone = 'Europe/London' AND c.status = 'OPEN' ORDER BY c.id LIMIT 1`,
  );
  ({ id: caseId, lender_id: lenderId, loan_id: loanId } = c);
  agencyId = uuidv7();
  await announcePlacement(fed, clock, { caseId, lenderId, agencyId, placedAt: new Date(clock.now().getTime() - 3_600_000) });
  await until(
    async () => (await fed.subgraphs.outreach!.ds.query("SELECT 1 FROM case_directory_placement WHERE case_id = $1 AND agency_id = $2", [caseId, agencyId])).length === 1,
    "outreach's directory to know the placement",
  );
}, 120_000);
afterAll(async () => fed?.stop());

describe("promises to pay through the gateway", () => {
  it("an agency reports a promise, the lender sees it, calls are held until the due date ends, and the lender's payment keeps it", async () => {
    const agency = await fed.token({ role: "agency", agency_id: agencyId });
    const lender = await fed.token({ role: "lender", lender_id: lenderId });
    // UK_FCA sets no quiet period after a conversation: only the promise's hold blocks a call.
    expect((await fed.query(`mutation { setContactProfile(jurisdiction: UK_FCA) { jurisdiction } }`, {}, lender)).errors).toBeUndefined();
    expect((await fed.query(POLICY, { id: caseId, channel: "CALL" }, agency)).data.contactPolicy).toEqual({ allowed: true, blockedBy: [] });

    const reported = await fed.query(
      `mutation($input: ReportActivityInput!) { reportActivity(input: $input) { activity { id promise { id status } } } }`,
      {
        input: {
          idempotencyKey: `promise-${caseId}`, caseId, channel: "CALL", direction: "OUTBOUND", outcome: "PROMISE_TO_PAY",
          occurredAt: new Date(clock.now().getTime() - 120_000).toISOString(), durationSeconds: 240,
          promise: { amountMinor: 1500, currency: "GBP", dueDate: "2026-11-27" },
        },
      },
      agency,
    );
    expect(reported.errors).toBeUndefined();
    const { id: activityId, promise } = reported.data.reportActivity.activity;
    expect(promise.status).toBe("PENDING");

    // The lender sees it on its case, with the contact it came from.
    const seen = await fed.query(PROMISES, { id: caseId }, lender);
    expect(seen.errors).toBeUndefined();
    expect(seen.data.collectionCase.promises).toEqual([
      {
        id: promise.id, status: "PENDING", agencyId, dueDate: "2026-11-27", graceEndsAt: "2026-12-01T00:00:00.000Z", paidMinor: 0,
        amount: { amountMinor: 1500, currency: "GBP" }, activity: { id: activityId, outcome: "PROMISE_TO_PAY" },
      },
    ]);

    // Calls are held until the end of Friday in London; an SMS is not.
    const call = await fed.query(POLICY, { id: caseId, channel: "CALL" }, agency);
    expect(call.data.contactPolicy).toEqual({ allowed: false, blockedBy: [{ rule: "CONTACT_HOLD", until: "2026-11-28T00:00:00.000Z" }] });
    expect((await fed.query(POLICY, { id: caseId, channel: "SMS" }, agency)).data.contactPolicy.allowed).toBe(true);

    // The lender records the payment in loans; PaymentRecorded keeps the promise in outreach.
    clock.set("2026-11-25T11:00:00Z");
    const paid = await fed.query(
      `mutation($input: RecordPaymentInput!) { recordPayment(input: $input) { replayed } }`,
      { input: { loanId, amountMinor: 1500, currency: "GBP", receivedAt: clock.now().toISOString(), externalReference: `promise-e2e-${caseId}` } },
      lender,
    );
    expect(paid.errors).toBeUndefined();
    await until(async () => (await fed.query(PROMISES, { id: caseId }, lender)).data.collectionCase.promises[0].status === "KEPT", "outreach to keep the promise");
    expect((await fed.query(POLICY, { id: caseId, channel: "CALL" }, agency)).data.contactPolicy).toEqual({ allowed: true, blockedBy: [] });

    const stats = await fed.query(`{ promiseStats(from: "2026-11-27", to: "2026-11-27") { agencyId made kept broken pending keptRate } }`, {}, agency);
    expect(stats.data.promiseStats).toEqual([{ agencyId, made: 1, kept: 1, broken: 0, pending: 0, keptRate: 1 }]);
  });
});
