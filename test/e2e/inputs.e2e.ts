import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createLogger, FixedClock, repoRoot } from "@concord/service-kit";
import { start as startGateway } from "@concord/gateway";
import { seedDemoPortfolio } from "@concord/loans";
import { seedDemoAgencies } from "@concord/agencies";
import { codes, lenderPrincipal, subgraphCaller, TEST_AUDIENCE, TEST_INTERNAL_KEY, TEST_ISSUER, until, type GqlResponse } from "@concord/test-kit";
import { startFederation, type Federation } from "../support/federation";

/**
 * Inputs that used to slip through, refused as a new user would meet them through the gateway;
 * one HTTP status rule (GraphQL over HTTP: 400 when the request fails before execution, 200 with
 * errors after), the same at the gateway and at a subgraph; and CORS for browser clients.
 */

let fed: Federation;
const clock = new FixedClock(new Date("2026-11-25T10:00:00Z"));
let lenderId: string;
let lender: string;
let loanId: string;

beforeAll(async () => {
  fed = await startFederation({ clock });
  await seedDemoPortfolio(fed.loans.ds, { asOf: "2026-11-25", borrowers: 40 }, clock);
  [{ id: lenderId }] = await fed.loans.ds.query("SELECT id FROM lender WHERE timezone = 'Europe/London'");
  lender = await fed.token({ role: "lender", lender_id: lenderId });
  [{ loan_id: loanId }] = await fed.loans.ds.query("SELECT loan_id FROM collection_case WHERE lender_id = $1 AND status = 'OPEN' ORDER BY id LIMIT 1", [lenderId]);
});
afterAll(async () => fed?.stop());

const q = (query: string, variables?: Record<string, unknown>) => fed.query(query, variables, lender);
/** The loans subgraph called directly, as the gateway would call it for the same lender. */
const loansDirect = subgraphCaller("loans", () => fed.loans.url, () => lenderPrincipal(lenderId));

const PAY = `mutation($i: RecordPaymentInput!) { recordPayment(input: $i) { replayed payment { amount { amountMinor } } } }`;
const payment = (amountMinor: unknown, ref: string, extra: Record<string, unknown> = {}) => ({
  i: { loanId, amountMinor, currency: "GBP", receivedAt: "2026-11-25T09:00:00Z", externalReference: ref, ...extra },
});
const paymentsOf = async () => (await fed.loans.ds.query("SELECT count(*)::int AS n FROM payment WHERE loan_id = $1", [loanId]))[0].n;

describe("one HTTP status rule, at the gateway and at a subgraph", () => {
  const before: Array<[string, string, () => Record<string, unknown> | undefined, string]> = [
    ["a bad LocalDate in variables", `mutation($d: LocalDate) { refreshDelinquency(asOf: $d) { casesOpened } }`, () => ({ d: "2026-02-30" }), "BAD_USER_INPUT"],
    ["a bad LocalDate written inline", `mutation { refreshDelinquency(asOf: "2026-02-30") { casesOpened } }`, () => undefined, "GRAPHQL_VALIDATION_FAILED"],
    ["an Int overflow in variables", `query($n: Int) { collectionCases(first: $n) { totalCount } }`, () => ({ n: 2 ** 40 }), "BAD_USER_INPUT"],
    ["an Int overflow written inline", `query { collectionCases(first: 99999999999) { totalCount } }`, () => undefined, "GRAPHQL_VALIDATION_FAILED"],
    ["a bad DateTimeISO in variables", PAY, () => payment(100, "E2E-STATUS-1", { receivedAt: "yesterday" }), "BAD_USER_INPUT"],
    ["an amount of \"007\" in variables", PAY, () => payment("007", "E2E-STATUS-2"), "BAD_USER_INPUT"],
    ["a fractional amount written inline", `mutation { recordPayment(input: { loanId: "x", amountMinor: 1.5, currency: "GBP", receivedAt: "2026-11-25T09:00:00Z", externalReference: "E2E-STATUS-3" }) { replayed } }`, () => undefined, "GRAPHQL_VALIDATION_FAILED"],
    ["an unknown enum value in variables", `query($f: CaseFilter) { collectionCases(filter: $f) { totalCount } }`, () => ({ f: { bucket: "BOGUS" } }), "BAD_USER_INPUT"],
  ];
  const after: Array<[string, string, () => Record<string, unknown> | undefined, string]> = [
    ["an unknown case", `{ collectionCase(id: "0190f3e4-0000-7000-8000-000000000000") { id } }`, () => undefined, "NOT_FOUND"],
    ["a payment dated 1900", PAY, () => payment(100, "E2E-STATUS-4", { receivedAt: "1900-01-01T00:00:00Z" }), "BAD_USER_INPUT"],
  ];
  const both = (r: GqlResponse) => ({ status: r.status, codes: codes(r), data: r.data ?? null });

  it.each(before)("answers 400 before execution for %s, through the gateway as the subgraph does", async (_label, query, variables, code) => {
    const viaGateway = await q(query, variables());
    const direct = await loansDirect(query, variables());
    expect(both(viaGateway)).toEqual({ status: 400, codes: [code], data: null });
    expect(both(direct)).toEqual({ status: 400, codes: [code], data: null });
    expect(viaGateway.errors![0]!.message).toBe(direct.errors![0]!.message);
  });

  it("refuses to start a gateway on a supergraph with a custom scalar it cannot parse as the subgraphs do", async () => {
    const dir = mkdtempSync(join(tmpdir(), "concord-supergraph-"));
    try {
      const path = join(dir, "supergraph.graphql");
      const sdl = readFileSync(join(repoRoot, "schema", "supergraph.graphql"), "utf8");
      writeFileSync(path, `${sdl}\nscalar Mystery\n  @join__type(graph: LOANS)\n`);
      await expect(
        startGateway({
          supergraphPath: path,
          auth: { getKey: fed.issuer.getKey, issuer: TEST_ISSUER, audience: TEST_AUDIENCE },
          internalSigningKey: TEST_INTERNAL_KEY,
          logger: createLogger("test").child({}, { level: "silent" }),
        }),
      ).rejects.toThrow(/scalars the gateway cannot parse: Mystery/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it.each(after)("answers 200 with the error once executing, for %s, through the gateway as the subgraph does", async (_label, query, variables, code) => {
    const viaGateway = await q(query, variables());
    const direct = await loansDirect(query, variables());
    expect([viaGateway.status, codes(viaGateway)]).toEqual([200, [code]]);
    expect([direct.status, codes(direct)]).toEqual([200, [code]]);
  });
});

describe("amounts", () => {
  it.each([["007"], [" 7"], ["+7"], ["-7"], ["7.0"], [7.5], [2 ** 53]])("refuses %j through the gateway and writes nothing", async (amount) => {
    const before = await paymentsOf();
    const r = await q(PAY, payment(amount, `E2E-AMOUNT-${String(amount)}`));
    expect([r.status, codes(r)]).toEqual([400, ["BAD_USER_INPUT"]]);
    expect(r.errors![0]!.message).toContain('at "i.amountMinor"');
    expect(await paymentsOf()).toBe(before);
  });

  it('takes "7" as a string in canonical form, as 7', async () => {
    const r = await q(PAY, payment("7", "E2E-AMOUNT-OK"));
    expect(r.errors).toBeUndefined();
    expect(r.data.recordPayment.payment.amount.amountMinor).toBe(7);
  });
});

describe("dates, buckets and visit windows", () => {
  it("refuses a payment received before the loan was originated, naming receivedAt, and writes nothing", async () => {
    const before = await paymentsOf();
    const r = await q(PAY, payment(100, "E2E-1900", { receivedAt: "1900-01-01T00:00:00Z" }));
    expect(codes(r)).toEqual(["BAD_USER_INPUT"]);
    expect(r.errors![0]!.extensions?.field).toBe("receivedAt");
    expect(await paymentsOf()).toBe(before);
  });

  it("refuses allocateCases for a bucket that is not a DelinquencyBucket, and places nothing", async () => {
    const placements = async () => (await fed.agencies.ds.query("SELECT count(*)::int AS n FROM placement"))[0].n;
    const before = await placements();
    const r = await q(
      `mutation($i: AllocateCasesInput!) { allocateCases(input: $i) { placed { caseId } } }`,
      { i: { bucket: "BOGUS", expiresAt: "2027-01-31T00:00:00Z", commissionBps: 1500, maxDiscountBps: 1000, maxInstalments: 12 } },
    );
    expect([r.status, codes(r)]).toEqual([400, ["BAD_USER_INPUT"]]);
    expect(r.errors![0]!.message).toContain("DelinquencyBucket");
    expect(await placements()).toBe(before);
  });

  it("refuses a home visit at 02:00-03:00 borrower time, with the borrower's time zone from the loans subgraph's events", async () => {
    const [{ n }] = await fed.loans.ds.query("SELECT count(*)::int AS n FROM collection_case");
    await until(async () => (await fed.agencies.ds.query("SELECT count(*)::int AS n FROM case_directory WHERE timezone IS NOT NULL"))[0].n === n, "the case directory");
    const { demoAgencyId } = await seedDemoAgencies(fed.agencies.ds, clock);
    const agency = await fed.token({ role: "agency", agency_id: demoAgencyId });
    const held: Array<{ case_id: string }> = await fed.agencies.ds.query(
      "SELECT case_id FROM placement WHERE agency_id = $1 AND status = 'ACTIVE' ORDER BY case_id",
      [demoAgencyId],
    );
    const [london] = await fed.loans.ds.query(
      "SELECT c.id FROM collection_case c JOIN borrower b ON b.id = c.borrower_id WHERE c.id = ANY($1::uuid[]) AND b.timezone = 'Europe/London' ORDER BY c.id LIMIT 1",
      [held.map((h) => h.case_id)],
    );
    const [agent] = await fed.agencies.ds.query("SELECT id FROM agent WHERE agency_id = $1 AND active ORDER BY id LIMIT 1", [demoAgencyId]);
    const visitsOf = async () => (await fed.agencies.ds.query("SELECT count(*)::int AS n FROM home_visit WHERE case_id = $1", [london.id]))[0].n;
    const ask = (windowStart: string, windowEnd: string) =>
      fed.query(`mutation($i: RequestHomeVisitInput!) { requestHomeVisit(input: $i) { id status } }`, {
        i: { caseId: london.id, agentId: agent.id, reason: "No answer by phone", windowStart, windowEnd },
      }, agency);
    const before = await visitsOf();
    const night = await ask("2026-11-26T02:00:00Z", "2026-11-26T03:00:00Z");
    expect(codes(night)).toEqual(["BAD_USER_INPUT"]);
    expect(night.errors![0]!.extensions?.field).toBe("windowStart");
    expect(night.errors![0]!.message).toContain("Europe/London");
    expect(await visitsOf()).toBe(before);
    const day = await ask("2026-11-26T10:00:00Z", "2026-11-26T12:00:00Z");
    expect(day.errors).toBeUndefined();
    expect(day.data.requestHomeVisit.status).toBe("REQUESTED");
  });
});

describe("CORS_ORIGINS on the gateway", () => {
  const preflight = (url: string, origin: string) =>
    fetch(url, { method: "OPTIONS", headers: { origin, "access-control-request-method": "POST", "access-control-request-headers": "authorization, content-type" } });

  it("answers a preflight from an allowed origin with 204 and the Access-Control-* headers, and a query with the origin", async () => {
    const gateway = await fed.startGateway({ corsOrigins: ["https://app.example.com"] });
    const ok = await preflight(gateway.url, "https://app.example.com");
    expect(ok.status).toBe(204);
    expect(ok.headers.get("access-control-allow-origin")).toBe("https://app.example.com");
    expect(ok.headers.get("access-control-allow-methods")).toContain("POST");
    expect(ok.headers.get("access-control-allow-headers")).toContain("authorization");
    const res = await fetch(gateway.url, {
      method: "POST",
      headers: { origin: "https://app.example.com", "content-type": "application/json", authorization: `Bearer ${lender}` },
      body: JSON.stringify({ query: "{ collectionCases(first: 1) { totalCount } }" }),
    });
    expect(res.status).toBe(200);
    expect(res.headers.get("access-control-allow-origin")).toBe("https://app.example.com");
    const other = await preflight(gateway.url, "https://elsewhere.example.com");
    expect(other.headers.get("access-control-allow-origin")).toBeNull();
  });

  it("allows no origin by default", async () => {
    const r = await preflight(fed.gatewayUrl, "https://app.example.com");
    expect(r.status).toBe(204);
    expect(r.headers.get("access-control-allow-origin")).toBeNull();
    expect(r.headers.get("access-control-allow-methods")).toBeNull();
  });
});
