import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { applyToCaseDirectory, FixedClock, newEvent, uuidv7 } from "@concord/service-kit";
import type { Principal } from "@concord/schema";
import { agencyPrincipal, auditorPrincipal, borrowerPrincipal, codes, lenderPrincipal, subgraphCaller } from "@concord/test-kit";
import type { OutreachService } from "../../index";
import { knownCase, startOutreach } from "../../testing/fixtures";

/** Disputes as their callers meet them: the hold they place on contact, who sees what, idempotency. */

// Tuesday 2026-11-24, 11:00 in New York: inside contact hours, so only the hold can block.
const NOW = new Date("2026-11-24T16:00:00Z");
const clock = new FixedClock(NOW);
let svc: OutreachService;
let stop: () => Promise<void>;
let principal: Principal;
const call = subgraphCaller("outreach", () => svc.url, () => principal);
const lender = uuidv7();
const agency = uuidv7();

const RAISE = `mutation($caseId: ID!, $reason: String!) { raiseDispute(caseId: $caseId, reason: $reason) { id caseId status raisedByRole raisedAt resolvedAt reason } }`;
const RESOLVE = `mutation($id: ID!, $r: DisputeResolution!, $note: String) { resolveDispute(disputeId: $id, resolution: $r, note: $note) { id status resolvedAt resolutionNote } }`;
const POLICY = `query($caseId: ID!, $at: DateTimeISO) { contactPolicy(caseId: $caseId, channel: CALL, at: $at) { allowed blockedBy { rule until } nextAllowedAt } }`;
const DISPUTE = `query($id: ID!) { dispute(id: $id) { id status raisedAt reason resolutionNote } }`;

async function policy(caseId: string, at: Date) {
  const r = await call(POLICY, { caseId, at: at.toISOString() });
  expect(r.errors).toBeUndefined();
  return r.data.contactPolicy as { allowed: boolean; blockedBy: Array<{ rule: string; until: string | null }>; nextAllowedAt: string | null };
}

beforeAll(async () => {
  ({ svc, stop } = await startOutreach("disputes", clock));
});
afterAll(async () => stop?.());

describe("raiseDispute and resolveDispute", () => {
  it("holds every contact while the dispute is open, and allows it again from the instant it is resolved", async () => {
    const { caseId, borrowerId } = await knownCase(svc, clock, { lenderId: lender, agencyId: agency });
    clock.set(NOW);
    principal = lenderPrincipal(lender);
    const before = new Date(NOW.getTime() - 1);
    expect((await policy(caseId, before)).allowed).toBe(true);

    principal = borrowerPrincipal(borrowerId);
    const raised = await call(RAISE, { caseId, reason: "I repaid this loan in full in March." });
    expect(raised.errors).toBeUndefined();
    expect(raised.data.raiseDispute).toMatchObject({ caseId, status: "OPEN", raisedByRole: "borrower", raisedAt: NOW.toISOString(), resolvedAt: null, reason: "I repaid this loan in full in March." });
    const id = raised.data.raiseDispute.id;

    principal = lenderPrincipal(lender);
    // Just before the raise contact was allowed; from the raise it is held, with no end in sight.
    expect((await policy(caseId, before)).allowed).toBe(true);
    const held = await policy(caseId, NOW);
    expect(held).toMatchObject({ allowed: false, nextAllowedAt: null });
    expect(held.blockedBy.map((b) => b.rule)).toEqual(["CONTACT_HOLD"]);

    const resolvedAt = new Date(NOW.getTime() + 3_600_000);
    clock.set(resolvedAt);
    const resolved = await call(RESOLVE, { id, r: "VERIFIED", note: "Statement sent." });
    expect(resolved.errors).toBeUndefined();
    expect(resolved.data.resolveDispute).toEqual({ id, status: "VERIFIED", resolvedAt: resolvedAt.toISOString(), resolutionNote: "Statement sent." });
    expect((await policy(caseId, new Date(resolvedAt.getTime() - 1))).allowed).toBe(false);
    expect(await policy(caseId, resolvedAt)).toMatchObject({ allowed: true, blockedBy: [] });

    // Resolving twice is a conflict; nothing changes.
    expect(codes(await call(RESOLVE, { id, r: "REJECTED" }))).toEqual(["CONFLICT"]);
    const events = await svc.ds.query("SELECT type, envelope FROM outbox WHERE aggregate_id = $1 ORDER BY seq", [id]);
    expect(events.map((e: any) => e.type)).toEqual(["DisputeRaised", "DisputeResolved"]);
    // The events carry ids and the status, never the borrower's words.
    expect(JSON.parse(events[0].envelope).payload).toEqual({ disputeId: id, caseId, activityId: null, status: "OPEN" });
    expect(events.map((e: any) => e.envelope).join()).not.toContain("repaid");
  });

  it("returns the open dispute when the borrower raises it again, and opens a new one once it is resolved", async () => {
    const { caseId, borrowerId } = await knownCase(svc, clock, { lenderId: lender });
    clock.set(NOW);
    principal = borrowerPrincipal(borrowerId);
    const first = (await call(RAISE, { caseId, reason: "Not my loan" })).data.raiseDispute;
    const again = await call(RAISE, { caseId, reason: "Not my loan, again" });
    expect(again.errors).toBeUndefined();
    expect(again.data.raiseDispute).toEqual(first);
    expect((await svc.ds.query("SELECT count(*)::int AS n FROM contact_hold WHERE case_id = $1", [caseId]))[0].n).toBe(1);

    principal = lenderPrincipal(lender);
    expect((await call(RESOLVE, { id: first.id, r: "REJECTED" })).errors).toBeUndefined();
    principal = borrowerPrincipal(borrowerId);
    const next = (await call(RAISE, { caseId, reason: "Still not my loan" })).data.raiseDispute;
    expect(next.id).not.toBe(first.id);
    expect(next.status).toBe("OPEN");
  });

  it("is NOT_FOUND for another borrower's case and another lender's dispute, FORBIDDEN for an agency, and refuses an empty reason", async () => {
    const { caseId, borrowerId } = await knownCase(svc, clock, { lenderId: lender, agencyId: agency });
    clock.set(NOW);
    principal = borrowerPrincipal(uuidv7());
    expect(codes(await call(RAISE, { caseId, reason: "x" }))).toEqual(["NOT_FOUND"]);
    principal = agencyPrincipal(agency);
    expect(codes(await call(RAISE, { caseId, reason: "x" }))).toEqual(["FORBIDDEN"]);
    principal = borrowerPrincipal(borrowerId);
    expect(codes(await call(RAISE, { caseId, reason: "   " }))).toEqual(["BAD_USER_INPUT"]);
    const id = (await call(RAISE, { caseId, reason: "Wrong amount" })).data.raiseDispute.id;
    principal = lenderPrincipal(uuidv7());
    expect(codes(await call(RESOLVE, { id, r: "UPHELD" }))).toEqual(["NOT_FOUND"]);
    expect(codes(await call(DISPUTE, { id }))).toEqual(["NOT_FOUND"]);
    principal = borrowerPrincipal(borrowerId);
    expect(codes(await call(RESOLVE, { id, r: "UPHELD" }))).toEqual(["FORBIDDEN"]);
  });

  it("lets the lender record one received in writing on its own case, not on another lender's", async () => {
    const { caseId } = await knownCase(svc, clock, { lenderId: lender });
    clock.set(NOW);
    principal = lenderPrincipal(uuidv7());
    expect(codes(await call(RAISE, { caseId, reason: "Letter of 2026-11-20" }))).toEqual(["NOT_FOUND"]);
    principal = lenderPrincipal(lender);
    const r = await call(RAISE, { caseId, reason: "Letter of 2026-11-20" });
    expect(r.errors).toBeUndefined();
    expect(r.data.raiseDispute).toMatchObject({ status: "OPEN", raisedByRole: "lender" });
  });
});

describe("a closed case", () => {
  it("takes no dispute once the case is RESOLVED: CONFLICT, nothing written", async () => {
    const { caseId, borrowerId } = await knownCase(svc, clock, { lenderId: lender });
    clock.set(NOW);
    const resolved = newEvent(
      {
        type: "CaseResolved", aggregateType: "CollectionCase", aggregateId: caseId, aggregateVersion: 2, lenderId: lender,
        payload: { caseId, loanId: uuidv7(), borrowerId, status: "RESOLVED", daysPastDue: 0, bucket: null, amountOverdueMinor: "0", outstandingBalanceMinor: "0", currency: "USD", asOf: "2026-11-24" },
      },
      NOW,
    );
    await svc.ds.transaction((tx) => applyToCaseDirectory(tx, resolved));
    principal = borrowerPrincipal(borrowerId);
    expect(codes(await call(RAISE, { caseId, reason: "Paid in full" }))).toEqual(["CONFLICT"]);
    const [{ n }] = await svc.ds.query("SELECT (SELECT count(*) FROM dispute WHERE case_id = $1)::int + (SELECT count(*) FROM contact_hold WHERE case_id = $1)::int AS n", [caseId]);
    expect(n).toBe(0);
  });
});

describe("who sees a dispute", () => {
  it("shows an agency holding the case that it is open, never its reason; the borrower and lender see the reason; an auditor does not", async () => {
    const { caseId, borrowerId } = await knownCase(svc, clock, { lenderId: lender, agencyId: agency });
    clock.set(NOW);
    principal = borrowerPrincipal(borrowerId);
    const id = (await call(RAISE, { caseId, reason: "Identity theft" })).data.raiseDispute.id;
    const CASE = `query($reps: [_Any!]!) { _entities(representations: $reps) { ... on CollectionCase { disputes { id status raisedAt reason } } } }`;
    const reps = [{ __typename: "CollectionCase", id: caseId }];

    principal = agencyPrincipal(agency);
    const seen = await call(CASE, { reps });
    expect(seen.data._entities[0].disputes).toEqual([{ id, status: "OPEN", raisedAt: NOW.toISOString(), reason: null }]);
    expect(codes(seen)).toEqual(["FORBIDDEN"]);
    principal = agencyPrincipal(uuidv7());
    expect(codes(await call(DISPUTE, { id }))).toEqual(["NOT_FOUND"]);

    principal = auditorPrincipal();
    const audited = await call(DISPUTE, { id });
    expect(audited.data.dispute).toMatchObject({ id, status: "OPEN", reason: null });
    for (const p of [borrowerPrincipal(borrowerId), lenderPrincipal(lender)]) {
      principal = p;
      const r = await call(DISPUTE, { id });
      expect(r.errors, p.role).toBeUndefined();
      expect(r.data.dispute.reason).toBe("Identity theft");
    }
    principal = borrowerPrincipal(uuidv7());
    expect(codes(await call(DISPUTE, { id }))).toEqual(["NOT_FOUND"]);
  });
});

describe("reportActivity with outcome DISPUTE_RAISED", () => {
  it("opens a dispute of the case, raised by the agency and linked to the activity, and holds contact from the report", async () => {
    const { caseId } = await knownCase(svc, clock, { lenderId: lender, agencyId: agency });
    clock.set(NOW);
    principal = agencyPrincipal(agency);
    const key = uuidv7();
    const REPORT = `mutation($input: ReportActivityInput!) { reportActivity(input: $input) { activity { id } replayed } }`;
    const input = { idempotencyKey: key, caseId, channel: "CALL", direction: "OUTBOUND", outcome: "DISPUTE_RAISED", occurredAt: new Date(NOW.getTime() - 60_000).toISOString() };
    const r = await call(REPORT, { input });
    expect(r.errors).toBeUndefined();
    const activityId = r.data.reportActivity.activity.id;
    const rows = await svc.ds.query("SELECT raised_by_role, activity_id, status, reason FROM dispute WHERE case_id = $1", [caseId]);
    expect(rows).toEqual([{ raised_by_role: "agency", activity_id: activityId, status: "OPEN", reason: null }]);
    // The conversation's quiet period blocks calls too; the hold blocks every channel.
    expect((await policy(caseId, NOW)).blockedBy.map((b) => b.rule)).toContain("CONTACT_HOLD");
    // A retry of the report opens nothing more.
    expect((await call(REPORT, { input })).data.reportActivity.replayed).toBe(true);
    expect(await svc.ds.query("SELECT id FROM dispute WHERE case_id = $1", [caseId])).toHaveLength(1);
  });
});
