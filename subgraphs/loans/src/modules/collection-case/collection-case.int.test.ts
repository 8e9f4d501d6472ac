import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { Principal } from "@concord/schema";
import { FixedClock, QueryCounter, createLogger, applyToCaseDirectory, newEvent, uuidv7 } from "@concord/service-kit";
import { codes, createTestDatabase, type TestDatabase, subgraphCaller, lenderPrincipal, TEST_GATEWAY_KEYS, agencyPrincipal } from "@concord/test-kit";
import { start, type LoansService } from "../../index";
import { seedDemoPortfolio } from "../../demo/seed";
import { makeLender, makeLoan } from "../../testing/fixtures";

let principal: Principal;
let seededLender: Principal;
const call = subgraphCaller("loans", () => svc.url, () => principal);

let db: TestDatabase;
let svc: LoansService;
const counter = new QueryCounter();
const clock = new FixedClock(new Date("2026-11-25T12:00:00Z"));

beforeAll(async () => {
  db = await createTestDatabase("cases");
  svc = await start({ gatewayKeys: TEST_GATEWAY_KEYS, databaseUrl: db.url, clock, counter, logger: createLogger("loans").child({}, { level: "silent" }) });
  await seedDemoPortfolio(svc.ds, { asOf: "2026-11-25", seed: 7, borrowers: 900 }, clock);
  const [lender] = await svc.ds.query("SELECT id FROM lender ORDER BY name LIMIT 1");
  seededLender = lenderPrincipal(lender.id);
  principal = seededLender;
});
afterAll(async () => {
  await svc?.stop();
  await db?.drop();
});

const PAGE = `query Page($first: Int, $after: String, $filter: CaseFilter) {
  collectionCases(first: $first, after: $after, filter: $filter) {
    pageInfo { hasNextPage endCursor }
    edges { cursor node { id status daysPastDue bucket
      lender { name }
      history { field to }
      loan { reference lender { timezone } borrower { fullName } installments { dueDate amountDue { amountMinor } }
             payments { amount { amountMinor } } collectionCase { id } collectionCases { id } }
      borrower { fullName phone loans { id } }
    } }
  }
}`;

beforeEach(() => {
  principal = seededLender;
});

describe("collectionCases", () => {
  it("sends the same number of SQL statements for a page of 10 as for a page of 100", async () => {
    counter.reset();
    const small = await call(PAGE, { first: 10 });
    const forTen = counter.count;
    counter.reset();
    const large = await call(PAGE, { first: 100 });
    const forHundred = counter.count;
    expect(small.data.collectionCases.edges).toHaveLength(10);
    expect(large.data.collectionCases.edges).toHaveLength(100);
    expect(large.data.collectionCases.edges[99].node.loan.installments.length).toBeGreaterThan(0);
    expect(forHundred).toBe(forTen);
    // One page query, then one batch per kind: lenders, history, loans, borrowers, installments,
    // payments, cases by loan, loans by borrower.
    expect(forTen).toBeLessThanOrEqual(9);
  });

  it("sends as many statements for an agency's page of 10 as of 100, every list filtered by what it holds", async () => {
    const agencyId = uuidv7();
    const lenderId = seededLender.lenderId!;
    const held: Array<{ id: string }> = await svc.ds.query("SELECT id FROM collection_case WHERE lender_id = $1 AND status = 'OPEN' ORDER BY id LIMIT 120", [lenderId]);
    expect(held.length).toBe(120);
    await svc.ds.transaction(async (tx) => {
      for (const { id: caseId } of held) {
        const placementId = uuidv7();
        const payload = { placementId, caseId, agencyId, placedAt: clock.now().toISOString(), expiresAt: "2027-01-01T00:00:00Z" };
        await applyToCaseDirectory(tx, newEvent({ type: "PlacementStarted", aggregateType: "Placement", aggregateId: placementId, lenderId, payload }, clock.now()));
      }
    });
    principal = agencyPrincipal(agencyId);
    counter.reset();
    const small = await call(PAGE, { first: 10 });
    const forTen = counter.count;
    counter.reset();
    const large = await call(PAGE, { first: 100 });
    const forHundred = counter.count;
    expect(small.errors).toBeUndefined();
    expect(large.errors).toBeUndefined();
    expect(large.data.collectionCases.edges).toHaveLength(100);
    expect(forHundred).toBe(forTen);
    for (const { node } of large.data.collectionCases.edges) {
      expect(node.loan.collectionCases).toEqual([{ id: node.id }]);
      expect(node.borrower.loans).toEqual([{ id: expect.any(String) }]);
    }
  });

  it("walks every case exactly once, page by page, and agrees with totalCount", async () => {
    const seen: string[] = [];
    let after: string | null = null;
    for (;;) {
      const r: any = await call(PAGE, { first: 37, after });
      expect(r.errors).toBeUndefined();
      seen.push(...r.data.collectionCases.edges.map((e: any) => e.node.id));
      if (!r.data.collectionCases.pageInfo.hasNextPage) break;
      after = r.data.collectionCases.pageInfo.endCursor;
    }
    const total = await call(`{ collectionCases { totalCount } }`);
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen.length).toBe(total.data.collectionCases.totalCount);
    expect(seen.length).toBeGreaterThan(100);
  });

  it("spreads the demo portfolio over every bucket", async () => {
    for (const bucket of ["DPD_1_30", "DPD_31_60", "DPD_61_90", "DPD_91_180", "DPD_180_PLUS"]) {
      const r = await call(`query($b: DelinquencyBucket) { collectionCases(filter: { bucket: $b }) { totalCount } }`, { b: bucket });
      expect(r.data.collectionCases.totalCount, bucket).toBeGreaterThan(10);
    }
  });

  it("filters by status, bucket and days past due", async () => {
    const r = await call(PAGE, { first: 500, filter: { status: "OPEN", bucket: "DPD_31_60", minDaysPastDue: 40, maxDaysPastDue: 50 } });
    const nodes = r.data.collectionCases.edges.map((e: any) => e.node);
    expect(nodes.length).toBeGreaterThan(0);
    for (const n of nodes) {
      expect(n.status).toBe("OPEN");
      expect(n.bucket).toBe("DPD_31_60");
      expect(n.daysPastDue).toBeGreaterThanOrEqual(40);
      expect(n.daysPastDue).toBeLessThanOrEqual(50);
    }
  });

  it.each([["garbage!"], [Buffer.from('{"id":"nope"}').toString("base64url")], [Buffer.from("[1]").toString("base64url")]])(
    "refuses a malformed cursor %s with BAD_USER_INPUT",
    async (after) => {
      const r = await call(PAGE, { first: 5, after });
      expect(codes(r)).toEqual(["BAD_USER_INPUT"]);
    },
  );

  it("refuses a page size out of range and an inverted day range", async () => {
    expect(codes(await call(PAGE, { first: 0 }))).toEqual(["BAD_USER_INPUT"]);
    expect(codes(await call(PAGE, { first: 501 }))).toEqual(["BAD_USER_INPUT"]);
    expect(codes(await call(PAGE, { filter: { minDaysPastDue: 50, maxDaysPastDue: 10 } }))).toEqual(["BAD_USER_INPUT"]);
  });

  it("answers NOT_FOUND for an unknown case, loan or borrower", async () => {
    for (const [field, id] of [["collectionCase", "0190f3e4-0000-7000-8000-000000000000"], ["loan", "x"], ["borrower", "0190f3e4-0000-7000-8000-000000000001"]]) {
      const r = await call(`query($id: ID!) { ${field}(id: $id) { id } }`, { id });
      expect(codes(r), field).toEqual(["NOT_FOUND"]);
      expect(r.data[field]).toBeNull();
    }
  });

  it("finds an entity by its id in upper case too", async () => {
    const page = await call(PAGE, { first: 1 });
    const { id } = page.data.collectionCases.edges[0].node;
    const r = await call(`query($id: ID!) { collectionCase(id: $id) { id } }`, { id: id.toUpperCase() });
    expect(r.data.collectionCase.id).toBe(id);
  });
});

describe("refreshDelinquency", () => {
  it("opens a case when a loan falls past due, moves its bucket, and writes history", async () => {
    clock.set("2027-01-01T12:00:00Z");
    const lenderId = await makeLender(svc.ds, { timezone: "America/New_York", currency: "USD" });
    principal = lenderPrincipal(lenderId);
    // First installment due 2026-12-01.
    const { loanId } = await makeLoan(svc.ds, { lenderId, currency: "USD", originatedOn: "2026-11-01", installments: 4, amountMinor: 5_000 });
    const caseOf = async () =>
      (await call(`query($id: ID!) { loan(id: $id) { status collectionCase { id daysPastDue bucket status history { field from to reason asOf } } } }`, { id: loanId })).data.loan;

    await call(`mutation { refreshDelinquency(asOf: "2026-12-01") { casesOpened } }`);
    expect((await caseOf()).collectionCase).toBeNull();

    const opened = await call(`mutation { refreshDelinquency(asOf: "2026-12-02") { casesOpened casesUpdated } }`);
    expect(opened.data.refreshDelinquency.casesOpened).toBeGreaterThanOrEqual(1);
    let loan = await caseOf();
    expect(loan.status).toBe("DELINQUENT");
    expect(loan.collectionCase).toMatchObject({ daysPastDue: 1, bucket: "DPD_1_30", status: "OPEN" });

    await call(`mutation { refreshDelinquency(asOf: "2027-01-01") { casesUpdated } }`);
    loan = await caseOf();
    expect(loan.collectionCase).toMatchObject({ daysPastDue: 31, bucket: "DPD_31_60" });
    expect(loan.collectionCase.history.filter((h: any) => h.field === "bucket").map((h: any) => [h.from, h.to, h.reason])).toEqual([
      [null, "DPD_1_30", "CASE_OPENED"],
      ["DPD_1_30", "DPD_31_60", "DELINQUENCY_REFRESH"],
    ]);
    // Its events carry the borrower's time zone (not the lender's), for agencies' contact hours.
    const events = await svc.ds.query("SELECT type, envelope FROM outbox WHERE aggregate_id = $1 ORDER BY seq", [loan.collectionCase.id]);
    expect(events.map((e: any) => [e.type, JSON.parse(e.envelope).payload.timezone])).toEqual([
      ["CaseOpened", "Europe/London"],
      ["CaseUpdated", "Europe/London"],
    ]);
    // And what restructuring offers need of the loan: what is left of its schedule, its rate, the lender's calendar.
    const facts = (e: any) => {
      const p = JSON.parse(e.envelope).payload;
      return [p.remainingInstalments, p.nextDueDate, p.annualRateBps, p.lenderTimezone];
    };
    // Opened on 2026-12-02 (nothing paid, the 2026-12-01 one overdue); on 2027-01-01 the second one falls due that day.
    expect(events.map(facts)).toEqual([
      [4, "2027-01-01", 1200, "America/New_York"],
      [4, "2027-01-01", 1200, "America/New_York"],
    ]);
  });

  it("changes nothing when run twice for the same date", async () => {
    clock.set("2027-02-10T12:00:00Z");
    const snapshot = async () =>
      svc.ds.query(
        `SELECT (SELECT count(*)::int FROM collection_case) AS cases, (SELECT count(*)::int FROM case_event) AS events,
                (SELECT max(updated_at) FROM collection_case) AS updated`,
      );
    await call(`mutation { refreshDelinquency(asOf: "2027-02-10") { casesOpened } }`);
    const before = await snapshot();
    const again = await call(`mutation { refreshDelinquency(asOf: "2027-02-10") { casesOpened casesUpdated casesResolved unchanged } }`);
    expect(again.data.refreshDelinquency).toMatchObject({ casesOpened: 0, casesUpdated: 0, casesResolved: 0 });
    expect(again.data.refreshDelinquency.unchanged).toBeGreaterThan(0);
    expect(await snapshot()).toEqual(before);
  });

  it("uses each lender's own business date when no date is given", async () => {
    // 23:30 UTC on 1 Dec is already 2 Dec in Shanghai but still 1 Dec in New York.
    const ny = await makeLender(svc.ds, { timezone: "America/New_York", currency: "USD" });
    const sh = await makeLender(svc.ds, { timezone: "Asia/Shanghai", currency: "CNY" });
    const a = await makeLoan(svc.ds, { lenderId: ny, currency: "USD", originatedOn: "2026-11-01", installments: 2, amountMinor: 1_000 });
    const b = await makeLoan(svc.ds, { lenderId: sh, currency: "CNY", originatedOn: "2026-11-01", installments: 2, amountMinor: 1_000 });
    clock.set("2026-12-01T23:30:00Z");
    const status = async (id: string) => (await call(`query($id: ID!) { loan(id: $id) { collectionCase { daysPastDue asOf } } }`, { id })).data.loan.collectionCase;
    principal = lenderPrincipal(ny);
    await call(`mutation { refreshDelinquency { casesOpened } }`);
    expect(await status(a.loanId)).toBeNull();
    principal = lenderPrincipal(sh);
    await call(`mutation { refreshDelinquency { casesOpened } }`);
    expect(await status(b.loanId)).toEqual({ daysPastDue: 1, asOf: "2026-12-02" });
  });

  it("refuses a date that has not begun anywhere", async () => {
    clock.set("2027-03-01T12:00:00Z");
    const r = await call(`mutation { refreshDelinquency(asOf: "2027-03-03") { casesOpened } }`);
    expect(codes(r)).toEqual(["BAD_USER_INPUT"]);
  });

  it("refuses a malformed date", async () => {
    expect(codes(await call(`mutation($d: LocalDate) { refreshDelinquency(asOf: $d) { casesOpened } }`, { d: "2026-02-30" }))).toEqual(["BAD_USER_INPUT"]);
  });
});

describe("errors", () => {
  it("masks an internal error for the caller", async () => {
    // Break the database under the service for one query, then restore it.
    await svc.ds.query("ALTER TABLE lender RENAME TO lender_away");
    try {
      const r = await call(`{ collectionCases(first: 1) { edges { node { lender { name } } } } }`);
      expect(codes(r)).toEqual(["INTERNAL_SERVER_ERROR"]);
      expect(r.errors![0]!.message).toBe("Internal server error");
      expect(JSON.stringify(r)).not.toContain("lender_away");
      expect(JSON.stringify(r)).not.toContain("relation");
    } finally {
      await svc.ds.query("ALTER TABLE lender_away RENAME TO lender");
    }
  });
});
