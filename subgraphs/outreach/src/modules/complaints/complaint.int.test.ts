import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FixedClock, uuidv7 } from "@concord/service-kit";
import type { Principal } from "@concord/schema";
import { agencyPrincipal, auditorPrincipal, borrowerPrincipal, codes, holdJobLock, lenderPrincipal, subgraphCaller } from "@concord/test-kit";
import { reportOverdueComplaints, type OutreachService } from "../../index";
import { knownCase, startOutreach } from "../../testing/fixtures";

/** Complaints as their callers meet them: deadlines per profile, responses, idempotency, who sees what, the deadline job. */

// Tuesday 2026-11-24, 11:00 in New York.
const NOW = new Date("2026-11-24T16:00:00Z");
const clock = new FixedClock(NOW);
let svc: OutreachService;
let stop: () => Promise<void>;
let principal: Principal;
const call = subgraphCaller("outreach", () => svc.url, () => principal);
const lender = uuidv7();
const agency = uuidv7();

const FIELDS = `id caseId category description status receivedAt filedByRole complex firstResponseDueAt finalResponseDueAt respondBy closedAt overdueStages`;
const FILE = `mutation($caseId: ID!, $category: ComplaintCategory!, $description: String!, $key: String) {
  fileComplaint(caseId: $caseId, category: $category, description: $description, idempotencyKey: $key) { ${FIELDS} } }`;
const RESPOND = `mutation($id: ID!, $response: String!, $final: Boolean!) { respondToComplaint(complaintId: $id, response: $response, final: $final) { id status respondBy closedAt overdueStages responses { response final respondedAt } } }`;
const COMPLEX = `mutation($id: ID!) { markComplaintComplex(complaintId: $id) { id complex firstResponseDueAt finalResponseDueAt respondBy } }`;
const COMPLAINT = `query($id: ID!) { complaint(id: $id) { id category status description respondBy overdueStages responses { response } } }`;
const PROFILE = (j: string) => `mutation { setContactProfile(jurisdiction: ${j}) { jurisdiction } }`;

type Outboxed = { type: string; aggregateType: string; aggregateVersion: number; lenderId: string; payload: Record<string, any> };
const outbox = async (id: string): Promise<Outboxed[]> =>
  (await svc.ds.query("SELECT type, envelope FROM outbox WHERE aggregate_id = $1 ORDER BY seq", [id])).map((e: any) => ({ type: e.type as string, ...JSON.parse(e.envelope) }));

let filed = 0;
/** Files a complaint; each call's default description is its own (two identical open ones without a key are one). */
async function file(caseId: string, o: { category?: string; description?: string; key?: string } = {}) {
  const r = await call(FILE, { caseId, category: o.category ?? "CONDUCT", description: o.description ?? `The collector shouted at me (${++filed}).`, key: o.key });
  expect(r.errors).toBeUndefined();
  return r.data.fileComplaint;
}

/** A case of a lender under `jurisdiction`, the borrower in `timezone`. */
async function caseUnder(jurisdiction: string, timezone: string) {
  const lenderId = uuidv7();
  clock.set(NOW);
  const c = await knownCase(svc, clock, { lenderId, timezone });
  principal = lenderPrincipal(lenderId);
  expect((await call(PROFILE(jurisdiction))).errors).toBeUndefined();
  return { ...c, lenderId };
}

let releaseJob: () => Promise<void>;
beforeAll(async () => {
  ({ svc, stop } = await startOutreach("complaints", clock));
  // The scheduled job stays out of the way: each test runs it itself, at the instants it sets.
  ({ release: releaseJob } = await holdJobLock(svc.ds, "outreach:complaint-deadlines"));
});
afterAll(async () => {
  await releaseJob?.();
  await stop?.();
});

describe("fileComplaint", () => {
  it("files the borrower's complaint with the US_REG_F deadlines of a lender without a profile, and emits ComplaintFiled without the description", async () => {
    const { caseId, borrowerId } = await knownCase(svc, clock, { lenderId: lender });
    clock.set(NOW);
    principal = borrowerPrincipal(borrowerId);
    const c = await file(caseId, { description: "The collector shouted at me." });
    expect(c).toEqual({
      id: expect.any(String),
      caseId,
      category: "CONDUCT",
      description: "The collector shouted at me.",
      status: "OPEN",
      receivedAt: NOW.toISOString(),
      filedByRole: "borrower",
      complex: false,
      // 15 and 60 days after 24 November, each to the end of the day in New York.
      firstResponseDueAt: "2026-12-10T05:00:00.000Z",
      finalResponseDueAt: "2027-01-24T05:00:00.000Z",
      respondBy: "2026-12-10T05:00:00.000Z",
      closedAt: null,
      overdueStages: [],
    });
    const events = await outbox(c.id);
    expect(events.map((e) => e.type)).toEqual(["ComplaintFiled"]);
    expect(events[0]).toMatchObject({ aggregateType: "Complaint", aggregateVersion: 1, lenderId: lender });
    expect(events[0].payload).toEqual({
      complaintId: c.id, caseId, category: "CONDUCT", filedByRole: "borrower", status: "OPEN",
      receivedAt: NOW.toISOString(), firstResponseDueAt: "2026-12-10T05:00:00.000Z", finalResponseDueAt: "2027-01-24T05:00:00.000Z",
    });
    expect(JSON.stringify(events)).not.toContain("shouted");
  });

  it("returns the first complaint for a retry with the same idempotencyKey, and refuses the key with other content (CONFLICT, nothing written)", async () => {
    const { caseId, borrowerId } = await knownCase(svc, clock, { lenderId: lender });
    const other = await knownCase(svc, clock, { lenderId: lender, borrowerId });
    clock.set(NOW);
    principal = borrowerPrincipal(borrowerId);
    const key = uuidv7();
    const first = await file(caseId, { key, description: "Calls every hour" });
    clock.set(new Date(NOW.getTime() + 60_000));
    expect(await file(caseId, { key, description: "Calls every hour" })).toEqual(first);
    for (const changed of [{ description: "Calls every day" }, { category: "PRIVACY" }]) {
      expect(codes(await call(FILE, { caseId, category: "CONDUCT", description: "Calls every hour", key, ...changed }))).toEqual(["CONFLICT"]);
    }
    expect(codes(await call(FILE, { caseId: other.caseId, category: "CONDUCT", description: "Calls every hour", key }))).toEqual(["CONFLICT"]);
    const [{ n }] = await svc.ds.query("SELECT count(*)::int AS n FROM complaint WHERE borrower_id = $1", [borrowerId]);
    expect(n).toBe(1);
    expect((await outbox(first.id)).map((e) => e.type)).toEqual(["ComplaintFiled"]);
    // With another key, a complaint of its own.
    const second = await file(caseId, { description: "Calls every hour", key: uuidv7() });
    expect(second.id).not.toBe(first.id);
    // Without a key: a resend of one still open is that one; other words, or once it is closed, a new one.
    const third = await file(caseId, { description: "Calls every hour" });
    expect(await file(caseId, { description: "Calls every hour" })).toEqual(third);
    const fourth = await file(caseId, { description: "Calls every hour, still" });
    expect(new Set([first.id, second.id, third.id, fourth.id]).size).toBe(4);
    principal = lenderPrincipal(lender);
    expect((await call(`mutation($id: ID!) { respondToComplaint(complaintId: $id, response: "Done", final: true) { status } }`, { id: third.id })).errors).toBeUndefined();
    principal = borrowerPrincipal(borrowerId);
    expect((await file(caseId, { description: "Calls every hour" })).id).not.toBe(third.id);
  });

  it("lets the lender record one received in writing on its own case, and is NOT_FOUND on another lender's or borrower's case, FORBIDDEN for an agency", async () => {
    const { caseId } = await knownCase(svc, clock, { lenderId: lender, agencyId: agency });
    clock.set(NOW);
    principal = lenderPrincipal(lender);
    expect((await file(caseId, { category: "AMOUNT", description: "Letter of 2026-11-20" })).filedByRole).toBe("lender");
    for (const p of [lenderPrincipal(uuidv7()), borrowerPrincipal(uuidv7())]) {
      principal = p;
      expect(codes(await call(FILE, { caseId, category: "OTHER", description: "x" })), p.role).toEqual(["NOT_FOUND"]);
    }
    expect(codes(await call(FILE, { caseId: uuidv7(), category: "OTHER", description: "x" }))).toEqual(["NOT_FOUND"]);
    principal = agencyPrincipal(agency);
    expect(codes(await call(FILE, { caseId, category: "OTHER", description: "x" }))).toEqual(["FORBIDDEN"]);
    principal = lenderPrincipal(lender);
    expect(codes(await call(FILE, { caseId, category: "OTHER", description: "   " }))).toEqual(["BAD_USER_INPUT"]);
    expect(await svc.ds.query("SELECT filed_by_role FROM complaint WHERE case_id = $1", [caseId])).toEqual([{ filed_by_role: "lender" }]);
  });
});

describe("respondToComplaint", () => {
  it("moves the deadline to the final response after a first one, closes the complaint with the final one, and refuses another (CONFLICT)", async () => {
    const { caseId, borrowerId } = await knownCase(svc, clock, { lenderId: lender });
    clock.set(NOW);
    principal = borrowerPrincipal(borrowerId);
    const c = await file(caseId);
    principal = borrowerPrincipal(borrowerId);
    expect(codes(await call(RESPOND, { id: c.id, response: "x", final: false }))).toEqual(["FORBIDDEN"]);

    principal = lenderPrincipal(lender);
    const t1 = new Date(NOW.getTime() + 86_400_000);
    clock.set(t1);
    const first = await call(RESPOND, { id: c.id, response: "We are looking into it.", final: false });
    expect(first.errors).toBeUndefined();
    expect(first.data.respondToComplaint).toEqual({
      id: c.id, status: "RESPONDED", respondBy: c.finalResponseDueAt, closedAt: null, overdueStages: [],
      responses: [{ response: "We are looking into it.", final: false, respondedAt: t1.toISOString() }],
    });
    // The same response again is a retry: nothing more is written.
    expect((await call(RESPOND, { id: c.id, response: "We are looking into it.", final: false })).data.respondToComplaint.responses).toHaveLength(1);

    const t2 = new Date(NOW.getTime() + 2 * 86_400_000);
    clock.set(t2);
    const closed = await call(RESPOND, { id: c.id, response: "We apologise; the agent was retrained.", final: true });
    expect(closed.errors).toBeUndefined();
    expect(closed.data.respondToComplaint).toMatchObject({ status: "CLOSED", respondBy: null, closedAt: t2.toISOString() });
    expect(closed.data.respondToComplaint.responses.map((r: any) => r.final)).toEqual([false, true]);

    expect(codes(await call(RESPOND, { id: c.id, response: "One more thing", final: false }))).toEqual(["CONFLICT"]);
    expect(codes(await call(RESPOND, { id: c.id, response: "Another final", final: true }))).toEqual(["CONFLICT"]);
    // A retry of the final response returns the closed complaint.
    expect((await call(RESPOND, { id: c.id, response: "We apologise; the agent was retrained.", final: true })).data.respondToComplaint.status).toBe("CLOSED");
    const events = await outbox(c.id);
    expect(events.map((e) => [e.type, e.aggregateVersion])).toEqual([["ComplaintFiled", 1], ["ComplaintResponded", 2], ["ComplaintResponded", 3]]);
    expect(events[2].payload).toEqual({ complaintId: c.id, caseId, final: true, status: "CLOSED", respondBy: null });
    expect(events[1].payload).toEqual({ complaintId: c.id, caseId, final: false, status: "RESPONDED", respondBy: c.finalResponseDueAt });
    expect(JSON.stringify(events)).not.toMatch(/looking|apologise/);
    expect(await svc.ds.query("SELECT count(*)::int AS n FROM complaint_response WHERE complaint_id = $1", [c.id])).toEqual([{ n: 2 }]);
  });

  it("is NOT_FOUND for another lender's complaint (respond, mark complex, read) and another borrower's", async () => {
    const { caseId, borrowerId } = await knownCase(svc, clock, { lenderId: lender });
    clock.set(NOW);
    principal = borrowerPrincipal(borrowerId);
    const c = await file(caseId);
    principal = lenderPrincipal(uuidv7());
    expect(codes(await call(RESPOND, { id: c.id, response: "x", final: true }))).toEqual(["NOT_FOUND"]);
    expect(codes(await call(COMPLEX, { id: c.id }))).toEqual(["NOT_FOUND"]);
    expect(codes(await call(COMPLAINT, { id: c.id }))).toEqual(["NOT_FOUND"]);
    expect(codes(await call(RESPOND, { id: uuidv7(), response: "x", final: true }))).toEqual(["NOT_FOUND"]);
    principal = borrowerPrincipal(uuidv7());
    expect(codes(await call(COMPLAINT, { id: c.id }))).toEqual(["NOT_FOUND"]);
    expect((await outbox(c.id)).map((e) => e.type)).toEqual(["ComplaintFiled"]);
  });
});

describe("who sees a complaint", () => {
  it("shows an agency holding the case and an auditor its category and status, never its description or responses", async () => {
    const { caseId, borrowerId } = await knownCase(svc, clock, { lenderId: lender, agencyId: agency });
    clock.set(NOW);
    principal = borrowerPrincipal(borrowerId);
    const c = await file(caseId, { category: "PRIVACY", description: "They told my neighbour about my debt." });
    principal = lenderPrincipal(lender);
    await call(RESPOND, { id: c.id, response: "We are sorry.", final: false });

    for (const p of [agencyPrincipal(agency), auditorPrincipal()]) {
      principal = p;
      const r = await call(COMPLAINT, { id: c.id });
      expect(r.data.complaint, p.role).toEqual({ id: c.id, category: "PRIVACY", status: "RESPONDED", description: null, respondBy: c.finalResponseDueAt, overdueStages: [], responses: null });
      expect(codes(r), p.role).toEqual(["FORBIDDEN", "FORBIDDEN"]);
    }
    principal = agencyPrincipal(uuidv7());
    expect(codes(await call(COMPLAINT, { id: c.id }))).toEqual(["NOT_FOUND"]);
    for (const p of [borrowerPrincipal(borrowerId), lenderPrincipal(lender)]) {
      principal = p;
      const r = await call(COMPLAINT, { id: c.id });
      expect(r.errors, p.role).toBeUndefined();
      expect(r.data.complaint, p.role).toMatchObject({ description: "They told my neighbour about my debt.", responses: [{ response: "We are sorry." }] });
    }

    const CASE = `query($reps: [_Any!]!) { _entities(representations: $reps) { ... on CollectionCase { complaints { id category description } } } }`;
    principal = agencyPrincipal(agency);
    const seen = await call(CASE, { reps: [{ __typename: "CollectionCase", id: caseId }] });
    expect(seen.data._entities[0].complaints).toEqual([{ id: c.id, category: "PRIVACY", description: null }]);
    principal = borrowerPrincipal(borrowerId);
    const own = await call(CASE, { reps: [{ __typename: "CollectionCase", id: caseId }] });
    expect(own.errors).toBeUndefined();
    expect(own.data._entities[0].complaints).toEqual([{ id: c.id, category: "PRIVACY", description: "They told my neighbour about my debt." }]);
  });
});

describe("deadlines per profile", () => {
  it("UK_FCA: a Friday complaint wants its summary resolution by the end of Wednesday in London, the final response 8 weeks on; complex changes nothing", async () => {
    const { caseId, borrowerId, lenderId } = await caseUnder("UK_FCA", "Europe/London");
    clock.set("2026-11-27T12:00:00Z"); // Friday
    principal = borrowerPrincipal(borrowerId);
    const c = await file(caseId);
    expect(c).toMatchObject({ firstResponseDueAt: "2026-12-03T00:00:00.000Z", finalResponseDueAt: "2027-01-23T00:00:00.000Z", respondBy: "2026-12-03T00:00:00.000Z" });
    principal = lenderPrincipal(lenderId);
    const r = await call(COMPLEX, { id: c.id });
    expect(r.errors).toBeUndefined();
    expect(r.data.markComplaintComplex).toEqual({ id: c.id, complex: true, firstResponseDueAt: c.firstResponseDueAt, finalResponseDueAt: c.finalResponseDueAt, respondBy: c.respondBy });
  });

  it("CN_NIFA: one deadline, 15 days in Shanghai, 30 once marked complex; marking again returns it; too late once the 15 days passed", async () => {
    const { caseId, borrowerId, lenderId } = await caseUnder("CN_NIFA", "Asia/Shanghai");
    clock.set(NOW); // 00:00 on 25 November in Shanghai
    principal = borrowerPrincipal(borrowerId);
    const c = await file(caseId);
    expect(c).toMatchObject({ firstResponseDueAt: null, finalResponseDueAt: "2026-12-10T16:00:00.000Z", respondBy: "2026-12-10T16:00:00.000Z" });
    principal = borrowerPrincipal(borrowerId);
    expect(codes(await call(COMPLEX, { id: c.id }))).toEqual(["FORBIDDEN"]);
    principal = lenderPrincipal(lenderId);
    const marked = await call(COMPLEX, { id: c.id });
    expect(marked.data.markComplaintComplex).toEqual({ id: c.id, complex: true, firstResponseDueAt: null, finalResponseDueAt: "2026-12-25T16:00:00.000Z", respondBy: "2026-12-25T16:00:00.000Z" });
    expect((await call(COMPLEX, { id: c.id })).data.markComplaintComplex).toEqual(marked.data.markComplaintComplex);
    // One ComplaintMarkedComplex with the new deadline: marking again emitted nothing.
    const events = await svc.ds.query("SELECT envelope FROM outbox WHERE aggregate_id = $1 AND type = 'ComplaintMarkedComplex'", [c.id]);
    expect(events.map((e: { envelope: string }) => JSON.parse(e.envelope).payload)).toEqual([{ complaintId: c.id, caseId, finalResponseDueAt: "2026-12-25T16:00:00.000Z" }]);

    // Another one, marked at its 15-day deadline: too late (and a millisecond before: in time).
    principal = borrowerPrincipal(borrowerId);
    const late = await file(caseId);
    const tooLate = await file(caseId);
    principal = lenderPrincipal(lenderId);
    clock.set(new Date(new Date(late.finalResponseDueAt).getTime() - 1));
    expect((await call(COMPLEX, { id: late.id })).data.markComplaintComplex.complex).toBe(true);
    clock.set(tooLate.finalResponseDueAt);
    expect(codes(await call(COMPLEX, { id: tooLate.id }))).toEqual(["CONFLICT"]);
    expect((await svc.ds.query("SELECT complex FROM complaint WHERE id = $1", [tooLate.id]))[0].complex).toBe(false);
  });
});

describe("the complaint-deadlines job", () => {
  const overdue = async (id: string) => (await outbox(id)).filter((e) => e.type === "ComplaintOverdue").map((e) => e.payload);

  it("reports FIRST_RESPONSE at its deadline (not a millisecond before), once, and FINAL_RESPONSE at its own", async () => {
    const { caseId, borrowerId } = await caseUnder("UK_FCA", "Europe/London");
    clock.set("2026-11-27T12:00:00Z");
    principal = borrowerPrincipal(borrowerId);
    const c = await file(caseId);
    const first = new Date(c.firstResponseDueAt);
    const final = new Date(c.finalResponseDueAt);

    clock.set(new Date(first.getTime() - 1));
    await reportOverdueComplaints(svc.ds, clock);
    expect(await overdue(c.id)).toEqual([]);
    expect((await call(COMPLAINT, { id: c.id })).data.complaint.overdueStages).toEqual([]);

    clock.set(first);
    expect(await reportOverdueComplaints(svc.ds, clock)).toBeGreaterThanOrEqual(1);
    expect(await overdue(c.id)).toEqual([{ complaintId: c.id, caseId, stage: "FIRST_RESPONSE", deadline: first.toISOString() }]);
    expect((await call(COMPLAINT, { id: c.id })).data.complaint.overdueStages).toEqual(["FIRST_RESPONSE"]);
    clock.set(new Date(first.getTime() + 120_000));
    await reportOverdueComplaints(svc.ds, clock);
    expect(await overdue(c.id)).toHaveLength(1);

    // A late first response ends the overdue stage; the final deadline still runs.
    principal = lenderPrincipal((await svc.ds.query("SELECT lender_id FROM complaint WHERE id = $1", [c.id]))[0].lender_id);
    const responded = (await call(RESPOND, { id: c.id, response: "Sorry for the delay.", final: false })).data.respondToComplaint;
    expect(responded).toMatchObject({ status: "RESPONDED", respondBy: final.toISOString(), overdueStages: [] });

    clock.set(new Date(final.getTime() - 1));
    await reportOverdueComplaints(svc.ds, clock);
    expect(await overdue(c.id)).toHaveLength(1);
    clock.set(final);
    await reportOverdueComplaints(svc.ds, clock);
    await reportOverdueComplaints(svc.ds, clock);
    expect((await overdue(c.id)).map((p) => [p.stage, p.deadline])).toEqual([["FIRST_RESPONSE", first.toISOString()], ["FINAL_RESPONSE", final.toISOString()]]);
    expect((await outbox(c.id)).map((e) => e.aggregateVersion)).toEqual([1, 2, 3, 4]);
  });

  it("reports nothing for a stage answered a millisecond before its deadline, and a stage answered exactly at it as late", async () => {
    const { caseId, borrowerId, lenderId } = await caseUnder("US_REG_F", "America/New_York");
    principal = borrowerPrincipal(borrowerId);
    const inTime = await file(caseId);
    const atDeadline = await file(caseId);
    const due = new Date(inTime.firstResponseDueAt);
    expect(atDeadline.firstResponseDueAt).toBe(inTime.firstResponseDueAt);
    principal = lenderPrincipal(lenderId);
    clock.set(new Date(due.getTime() - 1));
    expect((await call(RESPOND, { id: inTime.id, response: "Answered.", final: false })).errors).toBeUndefined();
    clock.set(due);
    // Answered before the job ran, but at the deadline: late.
    expect((await call(RESPOND, { id: atDeadline.id, response: "Answered.", final: false })).errors).toBeUndefined();
    await reportOverdueComplaints(svc.ds, clock);
    expect(await overdue(inTime.id)).toEqual([]);
    expect((await overdue(atDeadline.id)).map((p) => p.stage)).toEqual(["FIRST_RESPONSE"]);
  });

  it("lets a final response meet both stages, and reports both for a complaint never answered", async () => {
    const { caseId, borrowerId, lenderId } = await caseUnder("US_REG_F", "America/New_York");
    principal = borrowerPrincipal(borrowerId);
    const answered = await file(caseId);
    const ignored = await file(caseId);
    principal = lenderPrincipal(lenderId);
    clock.set(new Date(NOW.getTime() + 3_600_000));
    expect((await call(RESPOND, { id: answered.id, response: "Resolved: refund made.", final: true })).errors).toBeUndefined();
    clock.set(ignored.finalResponseDueAt);
    await reportOverdueComplaints(svc.ds, clock);
    expect(await overdue(answered.id)).toEqual([]);
    expect((await overdue(ignored.id)).map((p) => p.stage).sort()).toEqual(["FINAL_RESPONSE", "FIRST_RESPONSE"]);
    expect((await call(COMPLAINT, { id: ignored.id })).data.complaint.overdueStages).toEqual(["FIRST_RESPONSE", "FINAL_RESPONSE"]);
  });

  it("reports a CN_NIFA complaint's one deadline as FINAL_RESPONSE only, and a complex one's at 30 days, not 15", async () => {
    const { caseId, borrowerId, lenderId } = await caseUnder("CN_NIFA", "Asia/Shanghai");
    principal = borrowerPrincipal(borrowerId);
    const c = await file(caseId);
    const complex = await file(caseId);
    principal = lenderPrincipal(lenderId);
    const extended = (await call(COMPLEX, { id: complex.id })).data.markComplaintComplex.finalResponseDueAt;
    clock.set(c.finalResponseDueAt);
    await reportOverdueComplaints(svc.ds, clock);
    expect(await overdue(c.id)).toEqual([{ complaintId: c.id, caseId, stage: "FINAL_RESPONSE", deadline: c.finalResponseDueAt }]);
    expect(await overdue(complex.id)).toEqual([]);
    clock.set(new Date(new Date(extended).getTime() - 1));
    await reportOverdueComplaints(svc.ds, clock);
    expect(await overdue(complex.id)).toEqual([]);
    clock.set(extended);
    await reportOverdueComplaints(svc.ds, clock);
    expect(await overdue(complex.id)).toEqual([{ complaintId: complex.id, caseId, stage: "FINAL_RESPONSE", deadline: "2026-12-25T16:00:00.000Z" }]);
  });
});
