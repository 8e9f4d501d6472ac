import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FixedClock } from "@concord/service-kit";
import { seedDemoPortfolio } from "@concord/loans";
import { codes } from "@concord/test-kit";
import { startFederation, type Federation } from "../support/federation";

let fed: Federation;
let token: string;
const clock = new FixedClock(new Date("2026-11-25T10:00:00Z"));

beforeAll(async () => {
  fed = await startFederation({ clock });
  await seedDemoPortfolio(fed.loans.ds, { asOf: "2026-11-25" }, clock);
  const [lender] = await fed.loans.ds.query("SELECT id FROM lender WHERE timezone = 'Europe/London'");
  token = await fed.token({ role: "lender", lender_id: lender.id });
});
afterAll(async () => fed?.stop());

/** Through the gateway, as the London lender. */
const q = (query: string, variables?: Record<string, unknown>) => fed.query(query, variables, token);

const CASES = `query Cases($first: Int, $after: String, $filter: CaseFilter) {
  collectionCases(first: $first, after: $after, filter: $filter) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { cursor node {
      id status daysPastDue bucket
      amountOverdue { amountMinor currency }
      lender { name timezone }
      loan { id reference currency: principal { currency } installments { sequence dueDate status amountDue { amountMinor } amountPaid { amountMinor } } }
      borrower { fullName timezone }
    } }
  }
}`;

describe("the federation through the gateway", () => {
  it("answers GET /health", async () => {
    const res = await fetch(fed.gatewayUrl.replace("/graphql", "/health"));
    expect(res.status).toBe(200);
  });

  it("serves the demo portfolio's cases with loans, borrowers and schedules", async () => {
    const r = await q(CASES, { first: 25, filter: { status: "OPEN" } });
    expect(r.errors).toBeUndefined();
    const conn = r.data.collectionCases;
    expect(conn.totalCount).toBeGreaterThan(50);
    expect(conn.edges).toHaveLength(25);
    for (const { node } of conn.edges) {
      expect(node.daysPastDue).toBeGreaterThan(0);
      expect(node.borrower.fullName).toBeTruthy();
      expect(["Europe/London", "Asia/Shanghai"]).toContain(node.lender.timezone);
      expect(node.loan.installments.some((i: any) => i.status !== "PAID" && i.dueDate < "2026-11-25")).toBe(true);
    }
  });

  it("takes a payment that clears the arrears and resolves the case", async () => {
    const r = await q(CASES, { first: 1, filter: { bucket: "DPD_1_30" } });
    const node = r.data.collectionCases.edges[0].node;
    const overdue = node.amountOverdue.amountMinor;
    const pay = await q(
      `mutation($input: RecordPaymentInput!) { recordPayment(input: $input) {
         replayed payment { amount { amountMinor currency } } collectionCase { id status daysPastDue bucket } } }`,
      { input: { loanId: node.loan.id, amountMinor: overdue, currency: node.amountOverdue.currency, receivedAt: "2026-11-25T09:00:00Z", externalReference: "E2E-CLEAR-1" } },
    );
    expect(pay.errors).toBeUndefined();
    expect(pay.data.recordPayment.collectionCase).toEqual({ id: node.id, status: "RESOLVED", daysPastDue: 0, bucket: null });
    const again = await q(`query($id: ID!) { collectionCase(id: $id) { status history { field from to reason } } }`, { id: node.id });
    expect(again.data.collectionCase.status).toBe("RESOLVED");
    expect(again.data.collectionCase.history).toContainEqual({ field: "status", from: "OPEN", to: "RESOLVED", reason: "PAYMENT" });
  });

  it("passes typed errors through with their codes", async () => {
    const missing = await q(`{ collectionCase(id: "0190f3e4-0000-7000-8000-000000000000") { id } }`);
    expect(codes(missing)).toEqual(["NOT_FOUND"]);
    const cursor = await q(CASES, { first: 2, after: "%%%" });
    expect(codes(cursor)).toEqual(["BAD_USER_INPUT"]);
    const invalid = await q(`{ collectionCases { nope } }`);
    expect(codes(invalid)).toEqual(["GRAPHQL_VALIDATION_FAILED"]);
  });

  it.each([
    ["a fractional amount", { amountMinor: 10.5 }],
    ["an amount that is not a number", { amountMinor: "abc" }],
    ["an unknown currency", { currency: "XYZ" }],
    ["a time that is not a time", { receivedAt: "yesterday" }],
  ])("answers BAD_USER_INPUT through the gateway for %s", async (_label, bad) => {
    const page = await q(CASES, { first: 1, filter: { status: "OPEN" } });
    const loanId = page.data.collectionCases.edges[0].node.loan.id;
    const r = await q(`mutation($input: RecordPaymentInput!) { recordPayment(input: $input) { replayed } }`, {
      input: { loanId, amountMinor: 100, currency: "GBP", receivedAt: "2026-11-25T09:00:00Z", externalReference: `E2E-BAD-${_label}`, ...bad },
    });
    expect(codes(r)).toEqual(["BAD_USER_INPUT"]);
    expect(JSON.stringify(r)).not.toContain("127.0.0.1");
  });

  it("answers BAD_USER_INPUT through the gateway for an impossible date", async () => {
    const r = await q(`mutation($d: LocalDate) { refreshDelinquency(asOf: $d) { casesOpened } }`, { d: "2026-02-30" });
    expect(codes(r)).toEqual(["BAD_USER_INPUT"]);
  });

  it("refuses a body that is not JSON with 400", async () => {
    const res = await fetch(fed.gatewayUrl, { method: "POST", headers: { "content-type": "application/json" }, body: "{not json" });
    expect(res.status).toBe(400);
  });
});
