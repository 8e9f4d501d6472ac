import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Principal } from "@concord/schema";
import { createLogger, FixedClock, uuidv7 } from "@concord/service-kit";
import { agencyPrincipal, auditorPrincipal, borrowerPrincipal, codes, createTestDatabase, lenderPrincipal, subgraphCaller, TEST_GATEWAY_KEYS, type TestDatabase } from "@concord/test-kit";
import { start, type LoansService } from "../../index";
import { seedDemoPortfolio } from "../../demo/seed";
import { MIN_CASES_FOR_SUMS } from "./case-report";

let db: TestDatabase;
let svc: LoansService;
let principal: Principal;
const call = subgraphCaller("loans", () => svc.url, () => principal);
const clock = new FixedClock(new Date("2026-11-25T12:00:00Z"));

beforeAll(async () => {
  db = await createTestDatabase("casereport");
  svc = await start({ gatewayKeys: TEST_GATEWAY_KEYS, databaseUrl: db.url, clock, logger: createLogger("loans").child({}, { level: "silent" }) });
  await seedDemoPortfolio(svc.ds, { asOf: "2026-11-25", seed: 11, borrowers: 300 }, clock);
});
afterAll(async () => {
  await svc?.stop();
  await db?.drop();
});

const REPORT = `{ caseReport { lender { id name } status bucket currency cases amountOverdue { amountMinor currency } outstandingBalance { amountMinor } sumsWithheld } }`;
type Row = { lender: { id: string; name: string }; status: string; bucket: string | null; currency: string; cases: number; amountOverdue: { amountMinor: number } | null; outstandingBalance: { amountMinor: number } | null; sumsWithheld: boolean };

/** The same figures straight from the table, by lender, status, bucket and currency. */
const truth = async (lenderId?: string): Promise<Array<Record<string, any>>> =>
  svc.ds.query(
    `SELECT lender_id, status, bucket, trim(currency) AS currency, count(*)::int AS cases, sum(amount_overdue_minor)::bigint AS overdue, sum(outstanding_balance_minor)::bigint AS outstanding
       FROM collection_case WHERE $1::uuid IS NULL OR lender_id = $1 GROUP BY 1, 2, 3, 4`,
    [lenderId ?? null],
  );
const key = (lender: string, status: string, bucket: string | null, currency: string) => `${lender}|${status}|${bucket}|${currency}`;

describe("caseReport", () => {
  it("gives an auditor every lender's cases by status and bucket, counts and sums only, refused nothing", async () => {
    principal = auditorPrincipal();
    const r = await call(REPORT);
    expect(r.errors).toBeUndefined();
    const rows: Row[] = r.data.caseReport;
    const expected = new Map((await truth()).map((t) => [key(t.lender_id, t.status, t.bucket, t.currency), t]));
    expect(rows).toHaveLength(expected.size);
    expect(new Set(rows.map((x) => x.lender.id)).size).toBeGreaterThan(1);
    for (const row of rows) {
      const t = expected.get(key(row.lender.id, row.status, row.bucket, row.currency))!;
      expect(row.cases).toBe(t.cases);
      if (row.cases < MIN_CASES_FOR_SUMS) {
        expect(row).toMatchObject({ amountOverdue: null, outstandingBalance: null, sumsWithheld: true });
      } else {
        expect(row).toMatchObject({ amountOverdue: { amountMinor: Number(t.overdue), currency: row.currency }, outstandingBalance: { amountMinor: Number(t.outstanding) }, sumsWithheld: false });
      }
    }
    const [{ n }] = await svc.ds.query("SELECT count(*)::int AS n FROM collection_case");
    expect(rows.reduce((s, x) => s + x.cases, 0)).toBe(n);
    expect(rows.some((x) => !x.sumsWithheld)).toBe(true);
  });

  it("gives a lender its own portfolio's rows, sums always shown, and no other lender's", async () => {
    const [lender] = await svc.ds.query("SELECT id FROM lender ORDER BY name LIMIT 1");
    principal = lenderPrincipal(lender.id);
    const r = await call(REPORT);
    expect(r.errors).toBeUndefined();
    const rows: Row[] = r.data.caseReport;
    expect(rows.length).toBe((await truth(lender.id)).length);
    expect(rows.every((x) => x.lender.id === lender.id && !x.sumsWithheld && x.amountOverdue !== null)).toBe(true);
    principal = lenderPrincipal(uuidv7());
    expect((await call(REPORT)).data.caseReport).toEqual([]);
  });

  it("is not an agency's or a borrower's", async () => {
    for (const p of [agencyPrincipal(uuidv7()), borrowerPrincipal(uuidv7())]) {
      principal = p;
      const r = await call(REPORT);
      expect(codes(r), p.role).toEqual(["FORBIDDEN"]);
      expect(r.data?.caseReport ?? null).toBeNull();
    }
  });
});
