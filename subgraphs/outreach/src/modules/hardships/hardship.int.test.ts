import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FixedClock, uuidv7 } from "@concord/service-kit";
import type { Principal } from "@concord/schema";
import { agencyPrincipal, auditorPrincipal, borrowerPrincipal, codes, holdJobLock, lenderPrincipal, subgraphCaller } from "@concord/test-kit";
import type { OutreachService } from "../../index";
import { knownCase, startOutreach } from "../../testing/fixtures";
import { plusDays } from "./hardship-hold";
import { announceEndedHardshipHolds } from "./hardship.service";

/** Hardships as their callers meet them: the holds they place on contact, who sees what, idempotency. */

// Tuesday 2026-11-24, 11:00 in New York: inside contact hours, as are +14 and +30 days, so only the hold blocks.
const NOW = new Date("2026-11-24T16:00:00Z");
const clock = new FixedClock(NOW);
let svc: OutreachService;
let stop: () => Promise<void>;
let principal: Principal;
const call = subgraphCaller("outreach", () => svc.url, () => principal);
const lender = uuidv7();
const agency = uuidv7();

const DECLARE = `mutation($caseId: ID!, $kind: HardshipKind!, $ev: String) { declareHardship(caseId: $caseId, kind: $kind, evidenceReference: $ev) { id caseId status declaredAt decidedAt holdUntil kind evidenceReference } }`;
const DECIDE = `mutation($id: ID!, $approve: Boolean!, $days: Int, $note: String) { decideHardship(hardshipId: $id, approve: $approve, holdDays: $days, note: $note) { id status decidedAt holdUntil decisionNote } }`;
const END = `mutation($id: ID!) { endHardship(hardshipId: $id) { id status holdUntil } }`;
const POLICY = `query($caseId: ID!, $at: DateTimeISO) { contactPolicy(caseId: $caseId, channel: CALL, at: $at) { allowed blockedBy { rule until } nextAllowedAt } }`;
const HARDSHIP = `query($id: ID!) { hardship(id: $id) { id status holdUntil } }`;
const DETAIL = `query($id: ID!) { hardship(id: $id) { id status holdUntil kind evidenceReference } }`;

async function policy(caseId: string, at: Date) {
  const r = await call(POLICY, { caseId, at: at.toISOString() });
  expect(r.errors).toBeUndefined();
  return r.data.contactPolicy as { allowed: boolean; blockedBy: Array<{ rule: string; until: string | null }>; nextAllowedAt: string | null };
}

/** A case with a hardship its borrower declared at NOW; the principal is left the lender. */
async function declared(kind = "JOB_LOSS") {
  const { caseId, borrowerId } = await knownCase(svc, clock, { lenderId: lender, agencyId: agency });
  clock.set(NOW);
  principal = borrowerPrincipal(borrowerId);
  const r = await call(DECLARE, { caseId, kind, ev: "doc-123" });
  expect(r.errors).toBeUndefined();
  principal = lenderPrincipal(lender);
  return { caseId, borrowerId, hardship: r.data.declareHardship };
}

/** Contact is held until exactly `end` (the engine's next allowed instant, inside contact hours) and allowed from it. */
async function heldUntil(caseId: string, end: Date) {
  const before = await policy(caseId, new Date(end.getTime() - 1));
  expect(before).toMatchObject({ allowed: false, nextAllowedAt: end.toISOString() });
  expect(before.blockedBy).toEqual([{ rule: "CONTACT_HOLD", until: end.toISOString() }]);
  expect(await policy(caseId, end)).toMatchObject({ allowed: true, blockedBy: [] });
}

let releaseJob: () => Promise<void>;
beforeAll(async () => {
  ({ svc, stop } = await startOutreach("hardships", clock));
  // The scheduled job stays out of the way: each test runs it itself, at the instants it sets.
  ({ release: releaseJob } = await holdJobLock(svc.ds, "outreach:hardship-holds-ended"));
});
afterAll(async () => {
  await releaseJob?.();
  await stop?.();
});

describe("declareHardship", () => {
  it("holds every contact from the declaration for exactly 14 days while the lender decides", async () => {
    const { caseId, hardship } = await declared();
    const end = plusDays(NOW, 14);
    expect(hardship).toMatchObject({ caseId, status: "DECLARED", declaredAt: NOW.toISOString(), decidedAt: null, holdUntil: end.toISOString(), kind: "JOB_LOSS", evidenceReference: "doc-123" });
    expect((await policy(caseId, new Date(NOW.getTime() - 1))).allowed).toBe(true);
    expect((await policy(caseId, NOW)).allowed).toBe(false);
    await heldUntil(caseId, end);
    const events = await svc.ds.query("SELECT envelope FROM outbox WHERE aggregate_id = $1 ORDER BY seq", [hardship.id]);
    expect(JSON.parse(events[0].envelope).payload).toEqual({ hardshipId: hardship.id, caseId, activityId: null, status: "DECLARED", holdUntil: end.toISOString() });
    expect(events.map((e: any) => e.envelope).join()).not.toMatch(/JOB_LOSS|doc-123/);
  });

  it("returns the open hardship when declared again, placing no second hold", async () => {
    const { caseId, borrowerId, hardship } = await declared();
    principal = borrowerPrincipal(borrowerId);
    const again = await call(DECLARE, { caseId, kind: "BEREAVEMENT" });
    expect(again.errors).toBeUndefined();
    expect(again.data.declareHardship).toEqual(hardship);
    expect((await svc.ds.query("SELECT count(*)::int AS n FROM contact_hold WHERE case_id = $1", [caseId]))[0].n).toBe(1);
  });

  it("is NOT_FOUND for another borrower's or lender's case and FORBIDDEN for an agency", async () => {
    const { caseId } = await knownCase(svc, clock, { lenderId: lender, agencyId: agency });
    clock.set(NOW);
    principal = borrowerPrincipal(uuidv7());
    expect(codes(await call(DECLARE, { caseId, kind: "OTHER" }))).toEqual(["NOT_FOUND"]);
    principal = lenderPrincipal(uuidv7());
    expect(codes(await call(DECLARE, { caseId, kind: "OTHER" }))).toEqual(["NOT_FOUND"]);
    principal = agencyPrincipal(agency);
    expect(codes(await call(DECLARE, { caseId, kind: "OTHER" }))).toEqual(["FORBIDDEN"]);
    expect((await svc.ds.query("SELECT count(*)::int AS n FROM hardship WHERE case_id = $1", [caseId]))[0].n).toBe(0);
  });

  it("is recorded by the case's lender from a declaration received in writing, holding contact as the borrower's would", async () => {
    const { caseId } = await knownCase(svc, clock, { lenderId: lender, agencyId: agency });
    clock.set(NOW);
    principal = lenderPrincipal(lender);
    const r = await call(DECLARE, { caseId, kind: "BEREAVEMENT", ev: "letter of 2026-11-20" });
    expect(r.errors).toBeUndefined();
    expect(r.data.declareHardship).toMatchObject({ caseId, status: "DECLARED", kind: "BEREAVEMENT", holdUntil: plusDays(NOW, 14).toISOString() });
    const [row] = await svc.ds.query("SELECT declared_by_role FROM hardship WHERE id = $1", [r.data.declareHardship.id]);
    expect(row.declared_by_role).toBe("lender");
    await heldUntil(caseId, plusDays(NOW, 14));
  });

  it("still returns an undecided hardship whose 14 days ran out, placing no new pause; deciding it later holds contact again", async () => {
    const { caseId, borrowerId, hardship } = await declared();
    const later = plusDays(NOW, 20);
    clock.set(later);
    principal = borrowerPrincipal(borrowerId);
    const again = await call(DECLARE, { caseId, kind: "OTHER" });
    expect(again.data.declareHardship).toEqual(hardship);
    principal = lenderPrincipal(lender);
    expect(await policy(caseId, later)).toMatchObject({ allowed: true, blockedBy: [] });
    const r = await call(DECIDE, { id: hardship.id, approve: true, days: 10 });
    expect(r.errors).toBeUndefined();
    await heldUntil(caseId, plusDays(later, 10));
  });
});

describe("announceEndedHardshipHolds", () => {
  const announced = (hardshipId: string) =>
    svc.ds.query("SELECT envelope FROM outbox WHERE aggregate_id = $1 ORDER BY seq", [hardshipId]).then((rows: Array<{ envelope: string }>) =>
      rows.map((r) => JSON.parse(r.envelope)).map((e) => ({ type: e.type, version: e.aggregateVersion, status: e.payload.status, holdUntil: e.payload.holdUntil })),
    );

  it("tells once that a hold ran out, at its end and not a millisecond before, with the hardship's next version", async () => {
    const { hardship } = await declared();
    const end = plusDays(NOW, 14);
    clock.set(new Date(end.getTime() - 1));
    await announceEndedHardshipHolds(svc.ds, clock);
    expect((await announced(hardship.id)).map((e) => e.type)).toEqual(["HardshipDeclared"]);
    clock.set(end);
    await announceEndedHardshipHolds(svc.ds, clock);
    await announceEndedHardshipHolds(svc.ds, clock);
    // A decision after the lapse holds contact again, and its own end is told in turn.
    principal = lenderPrincipal(lender);
    expect((await call(DECIDE, { id: hardship.id, approve: true, days: 5 })).errors).toBeUndefined();
    clock.set(plusDays(end, 5));
    await announceEndedHardshipHolds(svc.ds, clock);
    expect(await announced(hardship.id)).toEqual([
      { type: "HardshipDeclared", version: 1, status: "DECLARED", holdUntil: end.toISOString() },
      { type: "HardshipHoldEnded", version: 2, status: "DECLARED", holdUntil: end.toISOString() },
      { type: "HardshipDecided", version: 3, status: "APPROVED", holdUntil: plusDays(end, 5).toISOString() },
      { type: "HardshipHoldEnded", version: 4, status: "APPROVED", holdUntil: plusDays(end, 5).toISOString() },
    ]);
  });

  it("tells nothing of a rejected hardship or of an open-ended one", async () => {
    const rejected = await declared();
    expect((await call(DECIDE, { id: rejected.hardship.id, approve: false })).errors).toBeUndefined();
    const crisis = await declared("MENTAL_HEALTH_CRISIS");
    expect((await call(DECIDE, { id: crisis.hardship.id, approve: true })).errors).toBeUndefined();
    clock.set(plusDays(NOW, 500));
    await announceEndedHardshipHolds(svc.ds, clock);
    for (const h of [rejected, crisis]) expect((await announced(h.hardship.id)).map((e) => e.type)).toEqual(["HardshipDeclared", "HardshipDecided"]);
  });
});

describe("decideHardship and endHardship", () => {
  it("approved for 30 days holds contact until exactly 30 days from the decision; deciding twice is CONFLICT", async () => {
    const { caseId, hardship } = await declared();
    const r = await call(DECIDE, { id: hardship.id, approve: true, days: 30, note: "Payslips seen" });
    expect(r.errors).toBeUndefined();
    const end = plusDays(NOW, 30);
    expect(r.data.decideHardship).toEqual({ id: hardship.id, status: "APPROVED", decidedAt: NOW.toISOString(), holdUntil: end.toISOString(), decisionNote: "Payslips seen" });
    await heldUntil(caseId, end);
    expect(codes(await call(DECIDE, { id: hardship.id, approve: false }))).toEqual(["CONFLICT"]);
    const holds = await svc.ds.query("SELECT kind, ends_at, lifted_at FROM contact_hold WHERE case_id = $1 AND lifted_at IS NULL", [caseId]);
    expect(holds).toEqual([{ kind: "HARDSHIP", ends_at: end, lifted_at: null }]);
  });

  it("rejected allows contact again at once", async () => {
    const { caseId, hardship } = await declared();
    const at = new Date(NOW.getTime() + 3_600_000);
    clock.set(at);
    const r = await call(DECIDE, { id: hardship.id, approve: false });
    expect(r.errors).toBeUndefined();
    expect(r.data.decideHardship).toMatchObject({ status: "REJECTED", holdUntil: null });
    expect((await policy(caseId, new Date(at.getTime() - 1))).allowed).toBe(false);
    expect(await policy(caseId, at)).toMatchObject({ allowed: true, blockedBy: [] });
  });

  it("approved for a mental-health crisis holds with no end until the lender ends it, then exactly 30 days more", async () => {
    const { caseId, hardship } = await declared("MENTAL_HEALTH_CRISIS");
    const r = await call(DECIDE, { id: hardship.id, approve: true });
    expect(r.data.decideHardship).toMatchObject({ status: "APPROVED", holdUntil: null });
    expect(await policy(caseId, plusDays(NOW, 400))).toMatchObject({ allowed: false, nextAllowedAt: null });

    const endedAt = new Date(NOW.getTime() + 7 * 86_400_000 + 3_600_000);
    clock.set(endedAt);
    const ended = await call(END, { id: hardship.id });
    expect(ended.errors).toBeUndefined();
    const end = plusDays(endedAt, 30);
    expect(ended.data.endHardship).toEqual({ id: hardship.id, status: "ENDED", holdUntil: end.toISOString() });
    await heldUntil(caseId, end);
    expect(codes(await call(END, { id: hardship.id }))).toEqual(["CONFLICT"]);
  });

  it("is breathing space under a UK_FCA lender: 60 days allowed, 61 refused", async () => {
    const ukLender = uuidv7();
    const { caseId, borrowerId } = await knownCase(svc, clock, { lenderId: ukLender, timezone: "Europe/London" });
    clock.set(NOW);
    principal = lenderPrincipal(ukLender);
    expect((await call(`mutation { setContactProfile(jurisdiction: UK_FCA) { jurisdiction } }`)).errors).toBeUndefined();
    principal = borrowerPrincipal(borrowerId);
    const id = (await call(DECLARE, { caseId, kind: "JOB_LOSS" })).data.declareHardship.id;
    principal = lenderPrincipal(ukLender);
    expect(codes(await call(DECIDE, { id, approve: true, days: 61 }))).toEqual(["BAD_USER_INPUT"]);
    const r = await call(DECIDE, { id, approve: true, days: 60 });
    expect(r.errors).toBeUndefined();
    expect(r.data.decideHardship.holdUntil).toBe(plusDays(NOW, 60).toISOString());
    const holds = await svc.ds.query("SELECT kind FROM contact_hold WHERE case_id = $1 AND lifted_at IS NULL", [caseId]);
    expect(holds).toEqual([{ kind: "BREATHING_SPACE" }]);
  });

  it("refuses holdDays out of range, and another lender's hardship is NOT_FOUND", async () => {
    const { hardship } = await declared();
    expect(codes(await call(DECIDE, { id: hardship.id, approve: true, days: 366 }))).toEqual(["BAD_USER_INPUT"]);
    principal = lenderPrincipal(uuidv7());
    expect(codes(await call(DECIDE, { id: hardship.id, approve: true, days: 30 }))).toEqual(["NOT_FOUND"]);
  });
});

describe("who sees a hardship", () => {
  it("shows an agency holding the case its status and hold end, FORBIDDEN on kind and evidence; another borrower NOT_FOUND", async () => {
    const { caseId, borrowerId, hardship } = await declared("SERIOUS_ILLNESS");
    principal = agencyPrincipal(agency);
    expect((await call(HARDSHIP, { id: hardship.id })).data.hardship).toEqual({ id: hardship.id, status: "DECLARED", holdUntil: hardship.holdUntil });
    const detail = await call(DETAIL, { id: hardship.id });
    expect(detail.data.hardship).toMatchObject({ status: "DECLARED", kind: null, evidenceReference: null });
    expect(codes(detail)).toEqual(["FORBIDDEN", "FORBIDDEN"]);
    const CASE = `query($reps: [_Any!]!) { _entities(representations: $reps) { ... on CollectionCase { hardships { id status holdUntil } } } }`;
    expect((await call(CASE, { reps: [{ __typename: "CollectionCase", id: caseId }] })).data._entities[0].hardships).toEqual([{ id: hardship.id, status: "DECLARED", holdUntil: hardship.holdUntil }]);

    principal = auditorPrincipal();
    expect(codes(await call(DETAIL, { id: hardship.id }))).toEqual(["FORBIDDEN", "FORBIDDEN"]);
    principal = borrowerPrincipal(borrowerId);
    expect((await call(DETAIL, { id: hardship.id })).data.hardship).toMatchObject({ kind: "SERIOUS_ILLNESS", evidenceReference: "doc-123" });
    principal = borrowerPrincipal(uuidv7());
    expect(codes(await call(HARDSHIP, { id: hardship.id }))).toEqual(["NOT_FOUND"]);
  });
});

describe("reportActivity with outcome HARDSHIP_DECLARED", () => {
  it("opens a hardship of kind OTHER, declared by the agency and linked to the activity, in the report", async () => {
    const { caseId } = await knownCase(svc, clock, { lenderId: lender, agencyId: agency });
    clock.set(NOW);
    principal = agencyPrincipal(agency);
    const REPORT = `mutation($input: ReportActivityInput!) { reportActivity(input: $input) { activity { id } replayed } }`;
    const input = { idempotencyKey: uuidv7(), caseId, channel: "CALL", direction: "OUTBOUND", outcome: "HARDSHIP_DECLARED", occurredAt: new Date(NOW.getTime() - 60_000).toISOString() };
    const r = await call(REPORT, { input });
    expect(r.errors).toBeUndefined();
    const activityId = r.data.reportActivity.activity.id;
    const rows = await svc.ds.query("SELECT declared_by_role, activity_id, status, kind FROM hardship WHERE case_id = $1", [caseId]);
    expect(rows).toEqual([{ declared_by_role: "agency", activity_id: activityId, status: "DECLARED", kind: "OTHER" }]);
    expect((await policy(caseId, NOW)).blockedBy.map((b) => b.rule)).toContain("CONTACT_HOLD");
    expect((await call(REPORT, { input })).data.reportActivity.replayed).toBe(true);
    expect(await svc.ds.query("SELECT id FROM hardship WHERE case_id = $1", [caseId])).toHaveLength(1);
  });
});
