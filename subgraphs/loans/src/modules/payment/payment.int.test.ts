import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { FixedClock, createLogger } from "@concord/service-kit";
import { codes, createTestDatabase, type TestDatabase , subgraphCaller, lenderPrincipal, TEST_GATEWAY_KEYS } from "@concord/test-kit";
import { start, type LoansService } from "../../index";
import { makeLender, makeLoan } from "../../testing/fixtures";

const call = subgraphCaller("loans", () => svc.url, () => lenderPrincipal(lenderId));

const RECORD = `mutation Pay($input: RecordPaymentInput!) {
  recordPayment(input: $input) {
    replayed
    payment { id amount { amountMinor currency } externalReference }
    loan { status installments { sequence amountPaid { amountMinor } status } }
    collectionCase { id status daysPastDue bucket amountOverdue { amountMinor } resolvedAt history { field from to reason } }
  }
}`;

let db: TestDatabase;
let svc: LoansService;
const clock = new FixedClock(new Date("2026-06-20T12:00:00Z"));
let lenderId: string;

beforeAll(async () => {
  db = await createTestDatabase("payment");
  svc = await start({ gatewayKeys: TEST_GATEWAY_KEYS, databaseUrl: db.url, clock, logger: createLogger("loans").child({}, { level: "silent" }) });
  lenderId = await makeLender(svc.ds);
});
afterAll(async () => {
  await svc?.stop();
  await db?.drop();
});
beforeEach(() => clock.set("2026-06-20T12:00:00Z"));

/** A loan with three 100.00 installments due 15 Mar, 15 Apr, 15 May; none paid; case open as of 20 Jun. */
async function delinquentLoan() {
  const loan = await makeLoan(svc.ds, { lenderId, originatedOn: "2026-02-15", installments: 6, amountMinor: 10_000 });
  await call(`mutation { refreshDelinquency(asOf: "2026-06-20") { casesOpened } }`);
  return loan;
}

const counts = async (loanId: string) => {
  const [row] = await svc.ds.query(
    `SELECT (SELECT count(*)::int FROM payment WHERE loan_id = $1) AS payments,
            (SELECT coalesce(sum(amount_paid_minor), 0)::text FROM installment WHERE loan_id = $1) AS paid,
            (SELECT count(*)::int FROM case_event e JOIN collection_case c ON c.id = e.case_id WHERE c.loan_id = $1) AS history`,
    [loanId],
  );
  return row;
};

const input = (loanId: string, amountMinor: unknown, ref: string, extra: Record<string, unknown> = {}) => ({
  input: { loanId, amountMinor, currency: "GBP", receivedAt: "2026-06-20T09:30:00Z", externalReference: ref, ...extra },
});

describe("recordPayment", () => {
  it("allocates to the oldest installments and moves the case", async () => {
    const { loanId } = await delinquentLoan();
    const r = await call(RECORD, input(loanId, 15_000, "PAY-1"));
    expect(r.errors).toBeUndefined();
    const p = r.data.recordPayment;
    expect(p.replayed).toBe(false);
    expect(p.loan.installments.slice(0, 3).map((i: any) => [i.amountPaid.amountMinor, i.status])).toEqual([
      [10_000, "PAID"],
      [5_000, "PARTIALLY_PAID"],
      [0, "UNPAID"],
    ]);
    // Oldest unpaid is now 15 Apr: 66 days before 20 Jun.
    expect(p.collectionCase).toMatchObject({ status: "OPEN", daysPastDue: 66, bucket: "DPD_61_90", amountOverdue: { amountMinor: 25_000 } });
    expect(p.collectionCase.history.filter((h: any) => h.reason === "PAYMENT").map((h: any) => [h.field, h.from, h.to])).toEqual(
      expect.arrayContaining([
        ["daysPastDue", "97", "66"],
        ["bucket", "DPD_91_180", "DPD_61_90"],
        ["amountOverdue", "40000", "25000"],
      ]),
    );
  });

  it("resolves the case when nothing is overdue any more", async () => {
    const { loanId } = await delinquentLoan();
    const r = await call(RECORD, input(loanId, 40_000, "PAY-ALL"));
    expect(r.errors).toBeUndefined();
    expect(r.data.recordPayment.collectionCase).toMatchObject({ status: "RESOLVED", daysPastDue: 0, bucket: null });
    expect(r.data.recordPayment.collectionCase.resolvedAt).toBe("2026-06-20T12:00:00.000Z");
    expect(r.data.recordPayment.loan.status).toBe("ACTIVE");
  });

  it("returns the first payment on a retry and changes nothing", async () => {
    const { loanId } = await delinquentLoan();
    const first = await call(RECORD, input(loanId, 5_000, "PAY-RETRY"));
    const before = await counts(loanId);
    const again = await call(RECORD, input(loanId, 5_000, "PAY-RETRY"));
    expect(again.errors).toBeUndefined();
    expect(again.data.recordPayment.replayed).toBe(true);
    expect(again.data.recordPayment.payment.id).toBe(first.data.recordPayment.payment.id);
    expect(await counts(loanId)).toEqual(before);
  });

  it("records one payment when the same call arrives twice at once", async () => {
    const { loanId } = await delinquentLoan();
    const [a, b] = await Promise.all([
      call(RECORD, input(loanId, 7_000, "PAY-RACE")),
      call(RECORD, input(loanId, 7_000, "PAY-RACE")),
    ]);
    expect(a.errors).toBeUndefined();
    expect(b.errors).toBeUndefined();
    expect(a.data.recordPayment.payment.id).toBe(b.data.recordPayment.payment.id);
    expect([a.data.recordPayment.replayed, b.data.recordPayment.replayed].sort()).toEqual([false, true]);
    expect(await counts(loanId)).toMatchObject({ payments: 1, paid: "7000" });
  });

  it("records one payment when the same reference arrives for two loans at once", async () => {
    const a = await delinquentLoan();
    const b = await delinquentLoan();
    const [ra, rb] = await Promise.all([
      call(RECORD, input(a.loanId, 3_000, "PAY-TWO-LOANS")),
      call(RECORD, input(b.loanId, 3_000, "PAY-TWO-LOANS")),
    ]);
    expect([...codes(ra), ...codes(rb)]).toEqual(["CONFLICT"]);
    const [{ n }] = await svc.ds.query("SELECT count(*)::int AS n FROM payment WHERE external_reference = 'PAY-TWO-LOANS'");
    expect(n).toBe(1);
    const paid = [(await counts(a.loanId)).paid, (await counts(b.loanId)).paid].sort();
    expect(paid).toEqual(["0", "3000"]);
  });

  it("treats a retry with the loan id in upper case as the same payment", async () => {
    const { loanId } = await delinquentLoan();
    const first = await call(RECORD, input(loanId, 2_000, "PAY-CASE"));
    const again = await call(RECORD, input(loanId.toUpperCase(), 2_000, "PAY-CASE"));
    expect(again.errors).toBeUndefined();
    expect(again.data.recordPayment).toMatchObject({ replayed: true, payment: { id: first.data.recordPayment.payment.id } });
  });

  it("refuses a reused reference with different details: CONFLICT, nothing written", async () => {
    const { loanId } = await delinquentLoan();
    await call(RECORD, input(loanId, 5_000, "PAY-DIFF"));
    const before = await counts(loanId);
    const r = await call(RECORD, input(loanId, 6_000, "PAY-DIFF"));
    expect(codes(r)).toEqual(["CONFLICT"]);
    expect(await counts(loanId)).toEqual(before);
  });

  it.each([
    ["zero", 0, {}],
    ["negative", -100, {}],
    ["non-integer", 10.5, {}],
    ["more than is outstanding", 10_000_000, {}],
    ["unknown currency", 100, { currency: "XYZ" }],
    ["a currency other than the loan's", 100, { currency: "EUR" }],
    ["a time in the future", 100, { receivedAt: "2026-07-01T00:00:00Z" }],
    ["an empty reference", 100, { externalReference: " " }],
    ["a reference with a control character", 100, { externalReference: "A\u0000B" }],
  ])("refuses %s with BAD_USER_INPUT and writes nothing", async (_label, amount, extra) => {
    const { loanId } = await delinquentLoan();
    const before = await counts(loanId);
    const r = await call(RECORD, input(loanId, amount, `PAY-BAD-${_label}`, extra));
    expect(codes(r)).toEqual(["BAD_USER_INPUT"]);
    expect(r.data?.recordPayment ?? null).toBeNull();
    expect(await counts(loanId)).toEqual(before);
  });

  it("refuses a fractional amount written inline before execution, like an Int literal out of range (400, GRAPHQL_VALIDATION_FAILED)", async () => {
    const { loanId } = await delinquentLoan();
    const r = await call(
      `mutation { recordPayment(input: { loanId: "${loanId}", amountMinor: 12.5, currency: "GBP", receivedAt: "2026-06-20T09:00:00Z", externalReference: "INLINE" }) { replayed } }`,
    );
    expect(r.status).toBe(400);
    expect(codes(r)).toEqual(["GRAPHQL_VALIDATION_FAILED"]);
    expect(r.errors![0]!.message).toMatch(/Expected value of type "MinorUnits!", found 12.5; An amount must be a whole number of minor units/);
    expect((await counts(loanId)).payments).toBe(0);
  });

  it.each([
    ["a leading zero", "007"],
    ["a leading space", " 7"],
    ["a plus sign", "+7"],
    ["a minus sign", "-7"],
    ["a decimal point", "7.0"],
    ["a float", 7.5],
    ["a number past 2^53 - 1", 2 ** 53],
  ])("refuses an amount with %s before execution (400, BAD_USER_INPUT naming the field) and writes nothing", async (_label, amount) => {
    const { loanId } = await delinquentLoan();
    const before = await counts(loanId);
    const r = await call(RECORD, input(loanId, amount, `PAY-STR-${_label}`));
    expect(r.status).toBe(400);
    expect(codes(r)).toEqual(["BAD_USER_INPUT"]);
    expect(r.errors![0]!.message).toContain('at "input.amountMinor"');
    expect(await counts(loanId)).toEqual(before);
  });

  it("takes an amount written as a canonical decimal string; the case event it causes carries the borrower's time zone", async () => {
    const { loanId } = await delinquentLoan();
    const r = await call(RECORD, input(loanId, "700", "PAY-STR-OK"));
    expect(r.errors).toBeUndefined();
    expect(r.data.recordPayment.payment.amount).toEqual({ amountMinor: 700, currency: "GBP" });
    expect((await counts(loanId)).paid).toBe("700");
    const [e] = await svc.ds.query("SELECT envelope FROM outbox WHERE type = 'CaseUpdated' AND aggregate_id = $1 ORDER BY seq DESC LIMIT 1", [
      r.data.recordPayment.collectionCase.id,
    ]);
    expect(JSON.parse(e.envelope).payload.timezone).toBe("Europe/London");
  });

  it("refuses a payment dated before the loan's origination with BAD_USER_INPUT naming receivedAt, and writes nothing", async () => {
    const { loanId } = await delinquentLoan();
    const before = await counts(loanId);
    for (const receivedAt of ["1900-01-01T00:00:00Z", "2026-02-14T23:59:59Z"]) {
      const r = await call(RECORD, input(loanId, 100, `PAY-OLD-${receivedAt}`, { receivedAt }));
      expect(codes(r)).toEqual(["BAD_USER_INPUT"]);
      expect(r.errors![0]!.extensions?.field).toBe("receivedAt");
      expect(r.errors![0]!.message).toContain("2026-02-15");
    }
    expect(await counts(loanId)).toEqual(before);
    // On the day of origination, in the lender's time zone, is fine.
    expect((await call(RECORD, input(loanId, 100, "PAY-DAY-ONE", { receivedAt: "2026-02-15T00:00:00Z" }))).errors).toBeUndefined();
  });

  it("answers NOT_FOUND for an unknown loan", async () => {
    const r1 = await call(RECORD, input("0190f3e4-0000-7000-8000-000000000000", 100, "PAY-NF"));
    const r2 = await call(RECORD, input("not-a-uuid", 100, "PAY-NF2"));
    expect(codes(r1)).toEqual(["NOT_FOUND"]);
    expect(codes(r2)).toEqual(["NOT_FOUND"]);
  });
});
