import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FixedClock, uuidv7 } from "@concord/service-kit";
import type { Principal } from "@concord/schema";
import { agencyPrincipal, auditorPrincipal, borrowerPrincipal, codes, lenderPrincipal, subgraphCaller } from "@concord/test-kit";
import type { OutreachService } from "../../index";
import { knownCase, startOutreach } from "../../testing/fixtures";

/**
 * Reports of contacts: who may report on which case, idempotency (sequential and concurrent),
 * a report that broke a rule stored, flagged and emitted, and who sees which of its fields.
 */

// Tuesday 2026-11-24, 15:00 in New York.
const NOW = new Date("2026-11-24T20:00:00Z");
const clock = new FixedClock(NOW);
let svc: OutreachService;
let stop: () => Promise<void>;
let principal: Principal;
const call = subgraphCaller("outreach", () => svc.url, () => principal);
const lender = uuidv7();
const agency = uuidv7();
const otherAgency = uuidv7();
const HOUR = 3_600_000;

beforeAll(async () => {
  ({ svc, stop } = await startOutreach("activities", clock));
});
afterAll(async () => stop?.());

const REPORT = `mutation($input: ReportActivityInput!) {
  reportActivity(input: $input) {
    replayed
    activity { id channel outcome flagged notes agencyId }
    violations { rule limit observed }
  }
}`;

const report = (caseId: string, over: Record<string, unknown> = {}) => ({
  idempotencyKey: uuidv7(), caseId, channel: "CALL", direction: "OUTBOUND", outcome: "NO_ANSWER",
  occurredAt: new Date(NOW.getTime() - HOUR).toISOString(), agentId: uuidv7(), notes: "Rang out", ...over,
});

describe("reportActivity", () => {
  it("stores an agency's report on a case it holds, once per idempotency key", async () => {
    const { caseId } = await knownCase(svc, clock, { lenderId: lender, agencyId: agency });
    principal = agencyPrincipal(agency);
    const input = report(caseId);
    const first = await call(REPORT, { input });
    expect(first.errors).toBeUndefined();
    expect(first.data.reportActivity).toMatchObject({ replayed: false, violations: [], activity: { channel: "CALL", flagged: false, agencyId: agency } });
    const again = await call(REPORT, { input });
    expect(again.data.reportActivity.replayed).toBe(true);
    expect(again.data.reportActivity.activity.id).toBe(first.data.reportActivity.activity.id);
    const changed = await call(REPORT, { input: { ...input, outcome: "VOICEMAIL" } });
    expect(codes(changed)).toEqual(["CONFLICT"]);
    const [{ n }] = await svc.ds.query("SELECT count(*)::int AS n FROM activity WHERE case_id = $1", [caseId]);
    expect(n).toBe(1);
  });

  it("counts two concurrent reports under one key once", async () => {
    const { caseId } = await knownCase(svc, clock, { lenderId: lender, agencyId: agency });
    principal = agencyPrincipal(agency);
    const input = report(caseId);
    const results = await Promise.all([call(REPORT, { input }), call(REPORT, { input }), call(REPORT, { input })]);
    for (const r of results) expect(r.errors).toBeUndefined();
    expect(results.filter((r) => !r.data.reportActivity.replayed)).toHaveLength(1);
    expect(new Set(results.map((r) => r.data.reportActivity.activity.id)).size).toBe(1);
    const [{ n }] = await svc.ds.query("SELECT count(*)::int AS n FROM activity WHERE case_id = $1", [caseId]);
    expect(n).toBe(1);
  });

  it("stores one of two reports sent at once under one key for two different cases, and answers the other CONFLICT", async () => {
    const [a, b] = [await knownCase(svc, clock, { lenderId: lender, agencyId: agency }), await knownCase(svc, clock, { lenderId: lender, agencyId: agency })];
    principal = agencyPrincipal(agency);
    const key = uuidv7();
    const results = await Promise.all([a, b].map((c) => call(REPORT, { input: report(c.caseId, { idempotencyKey: key }) })));
    expect(results.map((r) => (r.errors ? codes(r)[0] : "stored")).sort()).toEqual(["CONFLICT", "stored"]);
    const [{ n }] = await svc.ds.query("SELECT count(*)::int AS n FROM activity WHERE idempotency_key = $1", [key]);
    expect(n).toBe(1);
  });

  it("refuses an agency's report on a case it does not hold, and stores nothing", async () => {
    const { caseId } = await knownCase(svc, clock, { lenderId: lender, agencyId: otherAgency });
    principal = agencyPrincipal(agency);
    const r = await call(REPORT, { input: report(caseId) });
    expect(codes(r)).toEqual(["NOT_FOUND"]);
    const [{ n }] = await svc.ds.query("SELECT count(*)::int AS n FROM activity WHERE case_id = $1", [caseId]);
    expect(n).toBe(0);
  });

  it("lets a lender report its own collectors' contacts on its own cases only", async () => {
    const { caseId } = await knownCase(svc, clock, { lenderId: lender });
    principal = lenderPrincipal(lender);
    const own = await call(REPORT, { input: report(caseId, { outcome: "RIGHT_PARTY_CONTACT" }) });
    expect(own.errors).toBeUndefined();
    expect(own.data.reportActivity.activity.agencyId).toBeNull();
    principal = lenderPrincipal(uuidv7());
    expect(codes(await call(REPORT, { input: report(caseId) }))).toEqual(["NOT_FOUND"]);
  });

  it("stores a report that broke a rule, flags it and emits ComplianceViolation in the same transaction", async () => {
    const { caseId } = await knownCase(svc, clock, { lenderId: lender, agencyId: agency });
    principal = agencyPrincipal(agency);
    // 21:30 in New York: after contact hours.
    const late = await call(REPORT, { input: report(caseId, { occurredAt: "2026-11-24T02:30:00Z" }) });
    expect(late.errors).toBeUndefined();
    expect(late.data.reportActivity.activity.flagged).toBe(true);
    expect(late.data.reportActivity.violations).toEqual([{ rule: "CONTACT_HOURS", limit: expect.stringContaining("21:00"), observed: expect.stringContaining("21:30") }]);
    const events = await svc.ds.query("SELECT type, envelope FROM outbox WHERE aggregate_id = $1", [late.data.reportActivity.activity.id]);
    expect(events.map((e: any) => e.type)).toEqual(["ComplianceViolation"]);
    expect(JSON.parse(events[0].envelope).payload).toMatchObject({ caseId, agencyId: agency, rule: "CONTACT_HOURS", reporterRole: "agency" });
  });

  it("shows notes to the reporting agency, not to another agency holding the case later, and outcomes only to the borrower", async () => {
    const { caseId, borrowerId } = await knownCase(svc, clock, { lenderId: lender, agencyId: agency });
    principal = agencyPrincipal(agency);
    const made = await call(REPORT, { input: report(caseId, { notes: "Borrower asked for a callback" }) });
    const id = made.data.reportActivity.activity.id;
    const READ = `query($id: ID!) { activity(id: $id) { id outcome notes } }`;
    principal = lenderPrincipal(lender);
    expect((await call(READ, { id })).data.activity).toEqual({ id, outcome: "NO_ANSWER", notes: "Borrower asked for a callback" });
    principal = auditorPrincipal();
    expect((await call(READ, { id })).data.activity.notes).toBe("Borrower asked for a callback");
    principal = borrowerPrincipal(borrowerId);
    const mine = await call(READ, { id });
    expect(mine.data.activity).toEqual({ id, outcome: "NO_ANSWER", notes: null });
    expect(codes(mine)).toEqual(["FORBIDDEN"]);
    principal = agencyPrincipal(otherAgency);
    expect(codes(await call(READ, { id }))).toEqual(["NOT_FOUND"]);
  });

  it("pages a case's activities latest first", async () => {
    const { caseId } = await knownCase(svc, clock, { lenderId: lender, agencyId: agency });
    principal = agencyPrincipal(agency);
    for (let i = 0; i < 3; i++) await call(REPORT, { input: report(caseId, { occurredAt: new Date(NOW.getTime() - (i + 1) * HOUR).toISOString(), channel: "SMS", outcome: "DELIVERED" }) });
    const PAGE = `query($reps: [_Any!]!, $after: String) { _entities(representations: $reps) { ... on CollectionCase { activities(first: 2, after: $after) { edges { cursor node { occurredAt } } pageInfo { hasNextPage endCursor } } } } }`;
    const reps = [{ __typename: "CollectionCase", id: caseId }];
    const one = await call(PAGE, { reps });
    expect(one.errors).toBeUndefined();
    const a = one.data._entities[0].activities;
    expect(a.edges.map((e: any) => e.node.occurredAt)).toEqual([new Date(NOW.getTime() - HOUR).toISOString(), new Date(NOW.getTime() - 2 * HOUR).toISOString()]);
    expect(a.pageInfo.hasNextPage).toBe(true);
    const two = await call(PAGE, { reps, after: a.pageInfo.endCursor });
    expect(two.data._entities[0].activities.edges.map((e: any) => e.node.occurredAt)).toEqual([new Date(NOW.getTime() - 3 * HOUR).toISOString()]);
  });
});
