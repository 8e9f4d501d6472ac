import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { applyToCaseDirectory, createLogger, FixedClock, newEvent, uuidv7 } from "@concord/service-kit";
import type { Principal } from "@concord/schema";
import { agencyPrincipal, codes, createTestDatabase, holdJobLock, lenderPrincipal, subgraphCaller, TEST_GATEWAY_KEYS, type TestDatabase } from "@concord/test-kit";
import { start, type AgenciesService } from "../../index";
import { caseResolvedHandler } from "../../access/case-resolved";
import { expirePlacements, suspendAgency } from "../placement/placement.jobs";

/**
 * Home visits end with their placement: confirming, reporting and approving need it in force
 * (by the case directory at the request's clock), and ending it, any of the ways it ends,
 * cancels the visits that have not happened, with HomeVisitCancelled in the same transaction.
 */

let db: TestDatabase;
let svc: AgenciesService;
let principal: Principal;
const call = subgraphCaller("agencies", () => svc.url, () => principal);
const START = new Date("2026-11-25T10:00:00Z");
const clock = new FixedClock(START);
const lender = uuidv7();
const HOUR = 3_600_000;

beforeAll(async () => {
  db = await createTestDatabase("visits");
  svc = await start({ databaseUrl: db.url, clock, gatewayKeys: TEST_GATEWAY_KEYS, logger: createLogger("agencies").child({}, { level: "silent" }) });
});
afterAll(async () => {
  await svc?.stop();
  await db?.drop();
});

const PLACE = `mutation($input: PlaceCaseInput!) { placeCase(input: $input) { id } }`;
const REQUEST = `mutation($i: RequestHomeVisitInput!) { requestHomeVisit(input: $i) { id status } }`;
const APPROVE = `mutation($id: ID!) { approveHomeVisit(visitId: $id) { status } }`;
const CONFIRM = `mutation($id: ID!) { confirmHomeVisit(visitId: $id) { status } }`;
const COMPLETE = `mutation($id: ID!) { completeHomeVisit(visitId: $id, report: "Met the borrower", recordingReference: "rec-1") { status } }`;
const CANCEL = `mutation($id: ID!) { cancelHomeVisit(visitId: $id) { status } }`;
const RECALL = `mutation($id: ID!) { recallPlacement(placementId: $id, reason: "In-house") { status } }`;
const RETURN = `mutation($id: ID!) { returnPlacement(placementId: $id, reason: "Cannot reach the borrower") { status } }`;

/**
 * A case of `lender` the directory knows (its borrower in `timezone`; none: from an event before
 * time zones were carried), placed with a new agency (with an agent) until `expiresAt`.
 */
async function placed(expiresAt = new Date(START.getTime() + 48 * HOUR), timezone: string | null = "Europe/London") {
  const [agencyId, agentId, caseId] = [uuidv7(), uuidv7(), uuidv7()];
  await svc.ds.query(
    `INSERT INTO agency (id, name, licence_number, licence_review_due, regions, capacity, channels, status)
     VALUES ($1, 'Visiting Agency', $2, '2027-06-01', '{Leeds}', 10, '{CALL,VISIT}', 'ACTIVE')`,
    [agencyId, `LIC-${agencyId.slice(-10)}`],
  );
  await svc.ds.query("INSERT INTO agent (id, agency_id, name, employee_number) VALUES ($1, $2, 'Agent One', 'E-001')", [agentId, agencyId]);
  const opened = newEvent(
    {
      type: "CaseOpened", aggregateType: "CollectionCase", aggregateId: caseId, aggregateVersion: 1, lenderId: lender,
      payload: {
        caseId, loanId: uuidv7(), borrowerId: uuidv7(), region: "Leeds", status: "OPEN", daysPastDue: 40, bucket: "DPD_31_60",
        amountOverdueMinor: "100", outstandingBalanceMinor: "1000", currency: "GBP", asOf: "2026-11-25", ...(timezone ? { timezone } : {}),
      },
    },
    clock.now(),
  );
  await svc.ds.transaction((tx) => applyToCaseDirectory(tx, opened));
  principal = lenderPrincipal(lender);
  const r = await call(PLACE, {
    input: { caseId, agencyId, expiresAt: expiresAt.toISOString(), commissionBps: 1000, maxDiscountBps: 500, maxInstalments: 6 },
  });
  expect(r.errors).toBeUndefined();
  return { agencyId, agentId, caseId, placementId: r.data.placeCase.id as string, resolved: () => resolvedEvent(caseId) };
}

function resolvedEvent(caseId: string) {
  return newEvent(
    {
      type: "CaseResolved", aggregateType: "CollectionCase", aggregateId: caseId, aggregateVersion: 2, lenderId: lender,
      payload: {
        caseId, loanId: uuidv7(), borrowerId: uuidv7(), region: "Leeds", status: "RESOLVED", daysPastDue: 0, bucket: null,
        amountOverdueMinor: "0", outstandingBalanceMinor: "0", currency: "GBP", asOf: "2026-11-25",
      },
    },
    clock.now(),
  );
}

type Placed = Awaited<ReturnType<typeof placed>>;

/** Runs `query` as `who` and puts the principal back. */
async function as(who: Principal, query: string, variables: Record<string, unknown>) {
  const before = principal;
  principal = who;
  try {
    return await call(query, variables);
  } finally {
    principal = before;
  }
}

/** A visit of the placed case, asked by its agency for a window `fromH` to `toH` hours from now, taken as far as `upTo`. */
async function visit(p: Placed, upTo: "REQUESTED" | "APPROVED" | "SCHEDULED", fromH = 2, toH = 4): Promise<string> {
  const now = clock.now().getTime();
  const r = await as(agencyPrincipal(p.agencyId), REQUEST, {
    i: { caseId: p.caseId, agentId: p.agentId, reason: "No answer by phone", windowStart: new Date(now + fromH * HOUR).toISOString(), windowEnd: new Date(now + toH * HOUR).toISOString() },
  });
  expect(r.errors).toBeUndefined();
  const id = r.data.requestHomeVisit.id as string;
  if (upTo !== "REQUESTED") expect((await as(lenderPrincipal(lender), APPROVE, { id })).data.approveHomeVisit.status).toBe("APPROVED");
  if (upTo === "SCHEDULED") expect((await as(agencyPrincipal(p.agencyId), CONFIRM, { id })).data.confirmHomeVisit.status).toBe("SCHEDULED");
  return id;
}

const status = async (visitId: string) => (await svc.ds.query("SELECT status FROM home_visit WHERE id = $1", [visitId]))[0].status;
const violations = async (visitId: string) =>
  (await svc.ds.query("SELECT rule FROM visit_violation WHERE visit_id = $1 ORDER BY attempted_at, id", [visitId])).map((r: any) => r.rule);
const cancelledEvents = async (visitId: string) =>
  (await svc.ds.query("SELECT count(*)::int AS n FROM outbox WHERE type = 'HomeVisitCancelled' AND aggregate_id = $1", [visitId]))[0].n;
const windowClosed = async (visitId: string) =>
  (await svc.ds.query("SELECT closed_at IS NOT NULL AS closed FROM case_directory_visit WHERE visit_id = $1", [visitId]))[0]?.closed ?? false;

describe("a placement that ends cancels its visits that have not happened", () => {
  const ways: Array<[string, (p: Placed) => Promise<unknown>]> = [
    ["recalled by the lender", async (p) => expect((await as(lenderPrincipal(lender), RECALL, { id: p.placementId })).data.recallPlacement.status).toBe("RECALLED")],
    ["returned by the agency", async (p) => expect((await as(agencyPrincipal(p.agencyId), RETURN, { id: p.placementId })).data.returnPlacement.status).toBe("RETURNED")],
    ["expired (by the job)", async () => {
      clock.set(new Date(START.getTime() + 49 * HOUR));
      try {
        // (The service's own run of the job may get there first: the statuses below tell.)
        await expirePlacements(svc.ds, clock);
      } finally {
        clock.set(START);
      }
    }],
    ["ended by the agency's suspension", async (p) => expect(await suspendAgency(svc.ds, clock, p.agencyId, "Licence withdrawn")).toBe(1)],
    ["completed when the case is resolved", async (p) => {
      const e = p.resolved();
      await svc.ds.transaction(async (tx) => {
        await applyToCaseDirectory(tx, e);
        await caseResolvedHandler(clock)(e, tx);
      });
    }],
  ];

  it.each(ways)("%s: every open visit is CANCELLED, and the approved ones' windows are closed by HomeVisitCancelled", async (_how, end) => {
    const p = await placed();
    const requested = await visit(p, "REQUESTED", 2, 4);
    const approved = await visit(p, "APPROVED", 5, 7);
    const scheduled = await visit(p, "SCHEDULED", 8, 10);
    // 20:00-21:00 in London: the last hour of contact hours.
    const rejected = await visit(p, "REQUESTED", 10, 11);
    expect((await as(lenderPrincipal(lender), `mutation($id: ID!) { rejectHomeVisit(visitId: $id) { status } }`, { id: rejected })).errors).toBeUndefined();
    expect(await windowClosed(approved)).toBe(false);

    await end(p);

    expect(await status(requested)).toBe("CANCELLED");
    expect(await status(approved)).toBe("CANCELLED");
    expect(await status(scheduled)).toBe("CANCELLED");
    expect(await status(rejected)).toBe("REJECTED");
    // In the outbox (so every directory hears of it) and in this subgraph's own directory at once.
    expect([await cancelledEvents(approved), await cancelledEvents(scheduled)]).toEqual([1, 1]);
    expect(await cancelledEvents(requested)).toBe(0); // it never opened a window
    expect([await windowClosed(approved), await windowClosed(scheduled)]).toEqual([true, true]);
  });

  it("cancels nothing of the agency's visits of its other cases", async () => {
    const p = await placed();
    const other = await placed();
    const keep = await visit(other, "APPROVED");
    const gone = await visit(p, "APPROVED");
    await as(lenderPrincipal(lender), RECALL, { id: p.placementId });
    expect([await status(gone), await status(keep)]).toEqual(["CANCELLED", "APPROVED"]);
  });
});

describe("a visit needs its placement in force", () => {
  it("refuses confirming and reporting once the placement has ended, and keeps each attempt as a violation", async () => {
    const p = await placed();
    const toConfirm = await visit(p, "APPROVED", 1, 3);
    const toReport = await visit(p, "SCHEDULED", 1, 3);
    await as(lenderPrincipal(lender), RECALL, { id: p.placementId });
    const agency = agencyPrincipal(p.agencyId);
    clock.set(new Date(START.getTime() + 2 * HOUR)); // inside the window it had
    try {
      for (const [query, id] of [[CONFIRM, toConfirm], [COMPLETE, toReport]] as const) {
        const r = await as(agency, query, { id });
        expect(r.errors?.map((e) => [e.extensions?.code, e.extensions?.rule])).toEqual([["FORBIDDEN", "VISIT_AFTER_PLACEMENT_ENDED"]]);
        expect(await status(id)).toBe("CANCELLED");
        expect(await violations(id)).toEqual(["VISIT_AFTER_PLACEMENT_ENDED"]);
      }
    } finally {
      clock.set(START);
    }
  });

  it("refuses them at the placement's expiresAt by the clock alone, before any job has cancelled the visit", async () => {
    const p = await placed(new Date(START.getTime() + 3 * HOUR));
    const requested = await visit(p, "REQUESTED", 4, 5);
    const approved = await visit(p, "APPROVED", 1, 5);
    const scheduled = await visit(p, "SCHEDULED", 1, 5);
    const job = await holdJobLock(svc.ds, "agencies:expire-placements");
    clock.set(new Date(START.getTime() + 3.5 * HOUR)); // past expiresAt, inside the visits' windows
    try {
      const agency = agencyPrincipal(p.agencyId);
      const confirm = await as(agency, CONFIRM, { id: approved });
      expect(confirm.errors?.map((e) => e.extensions?.rule)).toEqual(["VISIT_AFTER_PLACEMENT_ENDED"]);
      const report = await as(agency, COMPLETE, { id: scheduled });
      expect(report.errors?.map((e) => e.extensions?.rule)).toEqual(["VISIT_AFTER_PLACEMENT_ENDED"]);
      // The lender cannot approve a visit of a placement that has ended either.
      const approve = await as(lenderPrincipal(lender), APPROVE, { id: requested });
      expect(approve.errors?.map((e) => [e.extensions?.code, e.extensions?.rule])).toEqual([["FORBIDDEN", "PLACEMENT_ENDED"]]);
      expect([await status(requested), await status(approved), await status(scheduled)]).toEqual(["REQUESTED", "APPROVED", "SCHEDULED"]);
      expect([...(await violations(approved)), ...(await violations(scheduled))]).toEqual(["VISIT_AFTER_PLACEMENT_ENDED", "VISIT_AFTER_PLACEMENT_ENDED"]);
      expect(await violations(requested)).toEqual([]);
    } finally {
      clock.set(START);
      await job.release();
    }
  });

  it("still confirms, reports and approves while the placement is in force", async () => {
    const p = await placed();
    const id = await visit(p, "SCHEDULED", 1, 3);
    clock.set(new Date(START.getTime() + 2 * HOUR));
    try {
      expect((await as(agencyPrincipal(p.agencyId), COMPLETE, { id })).data.completeHomeVisit.status).toBe("COMPLETED");
    } finally {
      clock.set(START);
    }
    expect(await violations(id)).toEqual([]);
  });
});

describe("a visit that is not the caller's", () => {
  /** Every error's code and message, with `id` written as <id>. */
  const answer = async (who: Principal, query: string, id: string) => {
    const r = await as(who, query, { id });
    return JSON.stringify({ data: r.data, errors: r.errors?.map((e) => ({ message: e.message, code: e.extensions?.code, path: e.path })) }).replaceAll(id, "<id>");
  };

  it("answers another agency or lender exactly as a visit that does not exist, and changes nothing", async () => {
    const p = await placed();
    const id = await visit(p, "APPROVED");
    const unknown = uuidv7();
    const otherAgency = agencyPrincipal(uuidv7());
    const otherLender = lenderPrincipal(uuidv7());
    for (const [who, query] of [[otherAgency, CONFIRM], [otherAgency, COMPLETE], [otherAgency, CANCEL], [otherLender, APPROVE], [otherLender, CANCEL]] as const) {
      const foreign = await answer(who, query, id);
      expect(foreign).toContain('"code":"NOT_FOUND"');
      expect(foreign).toBe(await answer(who, query, unknown));
    }
    expect(await status(id)).toBe("APPROVED");
    expect(await violations(id)).toEqual([]);
  });

  it("asks for a visit of a case the agency never held as of a case that does not exist; one it held once is FORBIDDEN", async () => {
    const p = await placed();
    const [agentId, stranger] = [uuidv7(), uuidv7()];
    await svc.ds.query(
      `INSERT INTO agency (id, name, licence_number, licence_review_due, regions, capacity, channels, status)
       VALUES ($1, 'Stranger', $2, '2027-06-01', '{Leeds}', 10, '{CALL,VISIT}', 'ACTIVE')`,
      [stranger, `LIC-${stranger.slice(-10)}`],
    );
    await svc.ds.query("INSERT INTO agent (id, agency_id, name, employee_number) VALUES ($1, $2, 'Agent Two', 'E-002')", [agentId, stranger]);
    const ask = async (who: Principal, caseId: string, agent: string) => {
      const now = clock.now().getTime();
      const r = await as(who, REQUEST, {
        i: { caseId, agentId: agent, reason: "No answer", windowStart: new Date(now + HOUR).toISOString(), windowEnd: new Date(now + 2 * HOUR).toISOString() },
      });
      return { r, shape: JSON.stringify({ data: r.data, errors: r.errors?.map((e) => [e.message, e.extensions?.code]) }).replaceAll(caseId, "<id>") };
    };
    const unknown = uuidv7();
    const foreign = await ask(agencyPrincipal(stranger), p.caseId, agentId);
    expect(codes(foreign.r)).toEqual(["NOT_FOUND"]);
    expect(foreign.shape).toBe((await ask(agencyPrincipal(stranger), unknown, agentId)).shape);
    await as(lenderPrincipal(lender), RECALL, { id: p.placementId });
    expect(codes((await ask(agencyPrincipal(p.agencyId), p.caseId, p.agentId)).r)).toEqual(["FORBIDDEN"]);
  });
});

describe("a visit window sits inside contact hours in the borrower's time zone", () => {
  const ask = (p: Placed, windowStart: string, windowEnd: string) =>
    as(agencyPrincipal(p.agencyId), REQUEST, { i: { caseId: p.caseId, agentId: p.agentId, reason: "No answer by phone", windowStart, windowEnd } });
  const visitsOf = async (p: Placed) => (await svc.ds.query("SELECT count(*)::int AS n FROM home_visit WHERE case_id = $1", [p.caseId]))[0].n;

  it.each([
    ["02:00-03:00 at night", "2026-11-26T02:00:00Z", "2026-11-26T03:00:00Z", "windowStart"],
    ["one starting before 08:00", "2026-11-26T07:30:00Z", "2026-11-26T09:00:00Z", "windowStart"],
    ["one ending after 21:00", "2026-11-26T20:00:00Z", "2026-11-26T21:30:00Z", "windowEnd"],
    ["one running past midnight", "2026-11-26T20:00:00Z", "2026-11-27T09:00:00Z", "windowEnd"],
  ])("refuses %s (borrower time) with BAD_USER_INPUT naming the field, and writes nothing", async (_label, from, until, field) => {
    const p = await placed();
    const r = await ask(p, from, until);
    expect(codes(r)).toEqual(["BAD_USER_INPUT"]);
    expect(r.errors![0]!.extensions?.field).toBe(field);
    expect(r.errors![0]!.message).toContain("08:00-21:00");
    expect(r.errors![0]!.message).toContain("Europe/London");
    expect(await visitsOf(p)).toBe(0);
  });

  it("takes a window from 08:00 to 21:00 of one day", async () => {
    const p = await placed();
    const r = await ask(p, "2026-11-26T08:00:00Z", "2026-11-26T21:00:00Z");
    expect(r.errors).toBeUndefined();
    expect(r.data.requestHomeVisit.status).toBe("REQUESTED");
  });

  it("reads the hours in the borrower's zone, which the case's events carry: 02:00-03:00 UTC is 10:00-11:00 in Shanghai", async () => {
    const p = await placed(undefined, "Asia/Shanghai");
    expect((await ask(p, "2026-11-26T02:00:00Z", "2026-11-26T03:00:00Z")).errors).toBeUndefined();
    // 13:00-14:00 UTC, fine in London, is 21:00-22:00 in Shanghai.
    const late = await ask(p, "2026-11-25T13:00:00Z", "2026-11-25T14:00:00Z");
    expect(codes(late)).toEqual(["BAD_USER_INPUT"]);
    expect(late.errors![0]!.message).toContain("Asia/Shanghai");
    expect(await visitsOf(p)).toBe(1);
  });

  it("refuses (CONFLICT) while the borrower's zone is unknown here, and asks nothing more once a case event brings it", async () => {
    const p = await placed(undefined, null);
    const unknown = await ask(p, "2026-11-26T10:00:00Z", "2026-11-26T12:00:00Z");
    expect(codes(unknown)).toEqual(["CONFLICT"]);
    expect(await visitsOf(p)).toBe(0);
    const updated = newEvent(
      {
        type: "CaseUpdated", aggregateType: "CollectionCase", aggregateId: p.caseId, aggregateVersion: 2, lenderId: lender,
        payload: {
          caseId: p.caseId, loanId: uuidv7(), borrowerId: uuidv7(), region: "Leeds", timezone: "Europe/London", status: "OPEN", daysPastDue: 41,
          bucket: "DPD_31_60", amountOverdueMinor: "100", outstandingBalanceMinor: "1000", currency: "GBP", asOf: "2026-11-26", changed: ["daysPastDue"],
        },
      },
      clock.now(),
    );
    await svc.ds.transaction((tx) => applyToCaseDirectory(tx, updated));
    expect((await ask(p, "2026-11-26T10:00:00Z", "2026-11-26T12:00:00Z")).errors).toBeUndefined();
  });
});
