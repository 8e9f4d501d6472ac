import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { applyToCaseDirectory, createLogger, FixedClock, newEvent, QueryCounter, uuidv7 } from "@concord/service-kit";
import type { Principal } from "@concord/schema";
import {
  agencyPrincipal,
  auditorPrincipal,
  borrowerPrincipal,
  codes,
  createTestDatabase,
  lenderPrincipal,
  subgraphCaller,
  TEST_GATEWAY_KEYS,
  type TestDatabase,
} from "@concord/test-kit";
import { start, type AgenciesService } from "../../index";

/**
 * The lists a lender needs beside one visit by id: home visits (those waiting for its approval
 * first of all) and the violations recorded on its cases; an agency lists its own visits, an
 * auditor every visit and violation.
 */

let db: TestDatabase;
let svc: AgenciesService;
let principal: Principal;
const call = subgraphCaller("agencies", () => svc.url, () => principal);
const clock = new FixedClock(new Date("2026-11-25T10:00:00Z"));
const counter = new QueryCounter();
const [lenderA, lenderB] = [uuidv7(), uuidv7()];
const HOUR = 3_600_000;

/** An agency with one agent; returns both ids. */
async function agency(): Promise<{ agencyId: string; agentId: string }> {
  const [agencyId, agentId] = [uuidv7(), uuidv7()];
  await svc.ds.query(
    `INSERT INTO agency (id, name, licence_number, licence_review_due, regions, capacity, channels, status)
     VALUES ($1, 'Listing Agency', $2, '2027-06-01', '{Leeds}', 50, '{CALL,VISIT}', 'ACTIVE')`,
    [agencyId, `LIC-${agencyId.slice(-10)}`],
  );
  await svc.ds.query("INSERT INTO agent (id, agency_id, name, employee_number) VALUES ($1, $2, 'Agent One', 'E-001')", [agentId, agencyId]);
  return { agencyId, agentId };
}

/** A visit row of `lenderId`'s case by the agency, in `status`. */
async function visitRow(lenderId: string, a: { agencyId: string; agentId: string }, status: string): Promise<string> {
  const id = uuidv7();
  const start = new Date(clock.now().getTime() + 2 * HOUR);
  await svc.ds.query(
    `INSERT INTO home_visit (id, case_id, agency_id, agent_id, lender_id, reason, window_start, window_end, status, requested_at)
     VALUES ($1, $2, $3, $4, $5, 'No answer by phone', $6, $7, $8, $9)`,
    [id, uuidv7(), a.agencyId, a.agentId, lenderId, start, new Date(start.getTime() + HOUR), status, clock.now()],
  );
  return id;
}

let a1: { agencyId: string; agentId: string };
let a2: { agencyId: string; agentId: string };
const visits: Record<string, string[]> = {};

beforeAll(async () => {
  db = await createTestDatabase("visitlists");
  svc = await start({ databaseUrl: db.url, clock, counter, gatewayKeys: TEST_GATEWAY_KEYS, logger: createLogger("agencies").child({}, { level: "silent" }) });
  [a1, a2] = [await agency(), await agency()];
  const plan: Array<[string, string, typeof a1, string]> = [];
  for (let i = 0; i < 30; i++) plan.push([`A-a1-${i % 3 ? "REQUESTED" : "APPROVED"}`, lenderA, a1, i % 3 ? "REQUESTED" : "APPROVED"]);
  for (let i = 0; i < 5; i++) plan.push(["A-a2-REQUESTED", lenderA, a2, "REQUESTED"]);
  for (let i = 0; i < 7; i++) plan.push(["B-a1-REQUESTED", lenderB, a1, "REQUESTED"]);
  for (const [key, lenderId, a, status] of plan) (visits[key] ??= []).push(await visitRow(lenderId, a, status));
});
afterAll(async () => {
  await svc?.stop();
  await db?.drop();
});

const VISITS = `query($first: Int, $after: String, $filter: HomeVisitFilter) {
  homeVisits(first: $first, after: $after, filter: $filter) { pageInfo { hasNextPage endCursor } edges { cursor node { id status caseId reason } } }
}`;

/** Every page of homeVisits for `filter`, `first` at a time: the ids, in order. */
async function walk(filter: Record<string, unknown> | null, first: number): Promise<string[]> {
  const seen: string[] = [];
  let after: string | null = null;
  for (let pages = 0; pages < 100; pages++) {
    const r: any = await call(VISITS, { first, after, filter });
    expect(r.errors).toBeUndefined();
    const conn = r.data.homeVisits;
    expect(conn.edges.length).toBeLessThanOrEqual(first);
    seen.push(...conn.edges.map((e: any) => e.node.id));
    if (!conn.pageInfo.hasNextPage) return seen;
    after = conn.pageInfo.endCursor;
  }
  throw new Error("never reached the last page");
}

const of = (...keys: string[]) => keys.flatMap((k) => visits[k] ?? []).sort();

describe("homeVisits", () => {
  it("gives a lender the visits of its cases, and those waiting for its decision with status: REQUESTED, page by page", async () => {
    principal = lenderPrincipal(lenderA);
    const all = await walk(null, 7);
    expect(all).toEqual(of("A-a1-REQUESTED", "A-a1-APPROVED", "A-a2-REQUESTED"));
    // In the order they were requested (ids are UUIDv7), each exactly once.
    expect(all).toEqual([...all].sort());
    expect(await walk({ status: "REQUESTED" }, 4)).toEqual(of("A-a1-REQUESTED", "A-a2-REQUESTED"));
    expect(await walk({ status: "COMPLETED" }, 4)).toEqual([]);
    principal = lenderPrincipal(lenderB);
    expect(await walk({ status: "REQUESTED" }, 50)).toEqual(of("B-a1-REQUESTED"));
  });

  it("gives an agency its own visits, of every lender, and an auditor every visit", async () => {
    principal = agencyPrincipal(a1.agencyId);
    expect(await walk(null, 9)).toEqual(of("A-a1-REQUESTED", "A-a1-APPROVED", "B-a1-REQUESTED"));
    principal = agencyPrincipal(a2.agencyId);
    expect(await walk({ status: "REQUESTED" }, 2)).toEqual(of("A-a2-REQUESTED"));
    principal = agencyPrincipal(uuidv7());
    expect(await walk(null, 5)).toEqual([]);
    principal = auditorPrincipal();
    expect(await walk({ status: "APPROVED" }, 500)).toEqual(of("A-a1-APPROVED"));
  });

  it("sends as many statements for a page of 5 as for a page of 35", async () => {
    principal = lenderPrincipal(lenderA);
    counter.reset();
    expect((await call(VISITS, { first: 5 })).data.homeVisits.edges).toHaveLength(5);
    const small = counter.count;
    counter.reset();
    expect((await call(VISITS, { first: 35 })).data.homeVisits.edges).toHaveLength(35);
    expect(counter.count).toBe(small);
  });

  it("refuses a borrower (no scope for visits), a bad status, a bad page size and a malformed cursor", async () => {
    principal = borrowerPrincipal(uuidv7());
    expect(codes(await call(VISITS, {}))).toEqual(["FORBIDDEN"]);
    principal = lenderPrincipal(lenderA);
    const bad = await call(VISITS, { filter: { status: "WAITING" } });
    expect(bad.errors).toHaveLength(1);
    expect(bad.data?.homeVisits ?? null).toBeNull();
    expect(codes(await call(VISITS, { first: 0 }))).toEqual(["BAD_USER_INPUT"]);
    expect(codes(await call(VISITS, { after: "nope!" }))).toEqual(["BAD_USER_INPUT"]);
  });
});

const VIOLATIONS = `query($first: Int, $after: String) {
  violations(first: $first, after: $after) { pageInfo { hasNextPage endCursor } edges { node { id kind rule caseId agencyId visitId occurredAt detail } } }
}`;

describe("violations", () => {
  it("lists the attempts that broke a visit rule: to the case's lender its own, to an auditor all, oldest first", async () => {
    // A real attempt: the agency reports a visit with no approval; refused, and recorded all the same.
    const caseId = uuidv7();
    const opened = newEvent(
      {
        type: "CaseOpened", aggregateType: "CollectionCase", aggregateId: caseId, aggregateVersion: 1, lenderId: lenderB,
        payload: {
          caseId, loanId: uuidv7(), borrowerId: uuidv7(), region: "Leeds", timezone: "Europe/London", status: "OPEN", daysPastDue: 40, bucket: "DPD_31_60",
          amountOverdueMinor: "100", outstandingBalanceMinor: "1000", currency: "GBP", asOf: "2026-11-25",
        },
      },
      clock.now(),
    );
    await svc.ds.transaction((tx) => applyToCaseDirectory(tx, opened));
    principal = lenderPrincipal(lenderB);
    const placed = await call(`mutation($i: PlaceCaseInput!) { placeCase(input: $i) { id } }`, {
      i: { caseId, agencyId: a2.agencyId, expiresAt: "2027-01-31T00:00:00Z", commissionBps: 1000, maxDiscountBps: 500, maxInstalments: 6 },
    });
    expect(placed.errors).toBeUndefined();
    principal = agencyPrincipal(a2.agencyId);
    const requested = await call(`mutation($i: RequestHomeVisitInput!) { requestHomeVisit(input: $i) { id } }`, {
      i: { caseId, agentId: a2.agentId, reason: "No answer", windowStart: new Date(clock.now().getTime() + 2 * HOUR).toISOString(), windowEnd: new Date(clock.now().getTime() + 3 * HOUR).toISOString() },
    });
    expect(requested.errors).toBeUndefined();
    const visitId = requested.data.requestHomeVisit.id;
    const report = await call(`mutation($id: ID!) { completeHomeVisit(visitId: $id, report: "Went anyway", recordingReference: "rec-9") { status } }`, { id: visitId });
    expect(report.errors?.[0]?.extensions).toMatchObject({ code: "FORBIDDEN", rule: "VISIT_WITHOUT_APPROVAL" });
    // Two recorded straight in the table, for another lender and for this one, later.
    const other = uuidv7(clock.now().getTime() + 1);
    const later = uuidv7(clock.now().getTime() + 2);
    await svc.ds.query(
      `INSERT INTO visit_violation (id, visit_id, case_id, agency_id, lender_id, rule, attempted_at, detail)
       VALUES ($1, $3, $4, $5, $6, 'VISIT_OUTSIDE_WINDOW', $7, 'status APPROVED'), ($2, $3, $4, $5, $8, 'VISIT_AFTER_PLACEMENT_ENDED', $7, 'status SCHEDULED')`,
      [other, later, visits["A-a1-APPROVED"]![0], uuidv7(), a1.agencyId, lenderA, clock.now(), lenderB],
    );

    principal = lenderPrincipal(lenderB);
    const mine = await call(VIOLATIONS, { first: 1 });
    expect(mine.errors).toBeUndefined();
    expect(mine.data.violations.edges.map((e: any) => e.node)).toEqual([
      { id: expect.any(String), kind: "HOME_VISIT", rule: "VISIT_WITHOUT_APPROVAL", caseId, agencyId: a2.agencyId, visitId, occurredAt: clock.now().toISOString(), detail: "status REQUESTED" },
    ]);
    expect(mine.data.violations.pageInfo.hasNextPage).toBe(true);
    const next = await call(VIOLATIONS, { first: 5, after: mine.data.violations.pageInfo.endCursor });
    expect(next.data.violations.edges.map((e: any) => e.node.id)).toEqual([later]);
    expect(next.data.violations.pageInfo.hasNextPage).toBe(false);

    principal = lenderPrincipal(lenderA);
    expect((await call(VIOLATIONS, {})).data.violations.edges.map((e: any) => e.node.id)).toEqual([other]);
    principal = auditorPrincipal();
    const all = await call(VIOLATIONS, { first: 500 });
    expect(all.data.violations.edges.map((e: any) => e.node.id)).toEqual([mine.data.violations.edges[0].node.id, other, later]);
    // Each agency lists its own breaches, whoever's case they were on.
    principal = agencyPrincipal(a2.agencyId);
    expect((await call(VIOLATIONS, {})).data.violations.edges.map((e: any) => e.node.id)).toEqual([mine.data.violations.edges[0].node.id]);
    principal = agencyPrincipal(a1.agencyId);
    expect((await call(VIOLATIONS, {})).data.violations.edges.map((e: any) => e.node.id)).toEqual([other, later]);
  });

  it("is not the borrower's to list", async () => {
    principal = borrowerPrincipal(uuidv7());
    const r = await call(VIOLATIONS, {});
    expect(codes(r)).toEqual(["FORBIDDEN"]);
    expect(r.data?.violations ?? null).toBeNull();
  });
});
