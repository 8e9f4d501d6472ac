import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { applyToCaseDirectory, FixedClock, newEvent, uuidv7 } from "@concord/service-kit";
import type { Principal } from "@concord/schema";
import { agencyPrincipal, codes, lenderPrincipal, subgraphCaller } from "@concord/test-kit";
import type { OutreachService } from "../../index";
import { knownCase, startOutreach } from "../../testing/fixtures";

/**
 * How a reported contact is judged: against every stored contact around it (a report that
 * arrives late included), per debt for attempts and per debtor for the daily caps, by the
 * placement in force when it happened, and never on a stopped case directory.
 */

// Tuesday 2026-11-24, 15:00 in Shanghai.
const NOW = new Date("2026-11-24T07:00:00Z");
const clock = new FixedClock(NOW);
let svc: OutreachService;
let stop: () => Promise<void>;
let principal: Principal;
const call = subgraphCaller("outreach", () => svc.url, () => principal);
const cnLender = uuidv7();
const usLender = uuidv7();
const agency = uuidv7();
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

beforeAll(async () => {
  ({ svc, stop } = await startOutreach("judgement", clock));
  principal = lenderPrincipal(cnLender);
  const set = await call(`mutation { setContactProfile(jurisdiction: CN_NIFA) { version } }`);
  expect(set.errors).toBeUndefined();
});
afterAll(async () => stop?.());

const REPORT = `mutation($input: ReportActivityInput!) { reportActivity(input: $input) { replayed activity { id flagged notes } violations { rule observed } } }`;
const report = (caseId: string, occurredAt: Date, over: Record<string, unknown> = {}) =>
  call(REPORT, {
    input: { idempotencyKey: uuidv7(), caseId, channel: "CALL", direction: "OUTBOUND", outcome: "RIGHT_PARTY_CONTACT", occurredAt: occurredAt.toISOString(), notes: "Spoke", ...over },
  });
const rules = (r: any) => r.data.reportActivity.violations.map((v: any) => v.rule);
const cnCase = (o: { borrowerId?: string } = {}) => knownCase(svc, clock, { lenderId: cnLender, agencyId: agency, timezone: "Asia/Shanghai", ...o });

describe("a contact reported late", () => {
  it("is judged with the day's contacts stored before it: a 09:00 call reported after three connected calls that day is the 4th", async () => {
    const { caseId } = await cnCase();
    principal = agencyPrincipal(agency);
    // 10:00, 11:00 and 12:00 Shanghai time today (02:00-04:00Z), then the 09:00 call (01:00Z) arrives.
    for (const h of [2, 3, 4]) expect(rules(await report(caseId, new Date(Date.UTC(2026, 10, 24, h))))).toEqual([]);
    expect(rules(await report(caseId, new Date(Date.UTC(2026, 10, 24, 1))))).toEqual(["CONNECTED_CALLS_PER_DAY"]);
  });

  it("fills a 7-day window that attempts after it already share: the attempt that makes 8 is flagged, wherever it falls", async () => {
    const { caseId } = await knownCase(svc, clock, { lenderId: usLender, agencyId: agency, timezone: "America/New_York" });
    principal = agencyPrincipal(agency);
    // Seven attempts, one a day at 12:00 New York, from 7 days ago up to yesterday.
    for (let d = 7; d >= 1; d--) expect(rules(await report(caseId, new Date(Date.UTC(2026, 10, 24 - d, 17)), { outcome: "NO_ANSWER" })), `day -${d}`).toEqual([]);
    // One made 6 days ago at 13:00, reported only now: a window it falls in holds the seven already.
    const late = await report(caseId, new Date(Date.UTC(2026, 10, 18, 18)), { outcome: "NO_ANSWER" });
    expect(late.data.reportActivity.violations).toEqual([{ rule: "CALL_ATTEMPTS_7_DAYS", observed: "8" }]);
  });
});

describe("what is counted per debt and per debtor", () => {
  it("counts connected calls per borrower across their cases, and call attempts per case", async () => {
    const borrowerId = uuidv7();
    const a = await cnCase({ borrowerId });
    const b = await cnCase({ borrowerId });
    principal = agencyPrincipal(agency);
    for (const h of [1, 2, 3]) expect(rules(await report(a.caseId, new Date(Date.UTC(2026, 10, 24, h))))).toEqual([]);
    // The 4th connected call to the same borrower today, about the other loan.
    expect(rules(await report(b.caseId, new Date(Date.UTC(2026, 10, 24, 4))))).toEqual(["CONNECTED_CALLS_PER_DAY"]);
    const policy = await call(`query($id: ID!, $at: DateTimeISO) { contactPolicy(caseId: $id, channel: CALL, at: $at) { allowed blockedBy { rule } counters { connectedCallsToday } } }`, {
      id: b.caseId, at: new Date(Date.UTC(2026, 10, 24, 5)).toISOString(),
    });
    expect(policy.data.contactPolicy).toEqual({ allowed: false, blockedBy: [{ rule: "CONNECTED_CALLS_PER_DAY" }], counters: { connectedCallsToday: 4 } });
  });
});

describe("the placement a contact is judged by", () => {
  it("takes a report of a contact made while the agency held the case after its placement ended, and refuses one made after", async () => {
    const { caseId, placementId } = await cnCase();
    principal = agencyPrincipal(agency);
    const ended = newEvent(
      {
        type: "PlacementEnded", aggregateType: "Placement", aggregateId: placementId!, aggregateVersion: 2, lenderId: cnLender,
        payload: { placementId, caseId, agencyId: agency, status: "RECALLED", endedAt: new Date(NOW.getTime() - 2 * HOUR).toISOString() },
      },
      new Date(NOW.getTime() - 2 * HOUR),
    );
    await svc.ds.transaction((tx) => applyToCaseDirectory(tx, ended));
    const before = await report(caseId, new Date(NOW.getTime() - 3 * HOUR));
    // Stored, unflagged; but what it recorded is no longer the agency's to read: it holds the case no more.
    expect(before.data.reportActivity.activity).toEqual({ id: expect.any(String), flagged: null, notes: null });
    expect(codes(before)).toEqual(["FORBIDDEN", "FORBIDDEN"]);
    const [stored] = await svc.ds.query("SELECT violation_count, agency_id FROM activity WHERE id = $1", [before.data.reportActivity.activity.id]);
    expect(stored).toEqual({ violation_count: 0, agency_id: agency });
    const after = await report(caseId, new Date(NOW.getTime() - HOUR));
    expect(codes(after)).toEqual(["FORBIDDEN"]);
    const [{ n }] = await svc.ds.query("SELECT count(*)::int AS n FROM activity WHERE case_id = $1", [caseId]);
    expect(n).toBe(1);
  });

  it("flags ACTIVE_PLACEMENT for a contact made before the agency's placement began, on a case it holds now", async () => {
    const { caseId } = await knownCase(svc, clock, { lenderId: cnLender, agencyId: agency, timezone: "Asia/Shanghai", placedAt: new Date(NOW.getTime() - DAY) });
    principal = agencyPrincipal(agency);
    const early = await report(caseId, new Date(NOW.getTime() - 2 * DAY));
    expect(rules(early)).toEqual(["ACTIVE_PLACEMENT"]);
    expect(early.data.reportActivity.activity.flagged).toBe(true);
  });
});

describe("a stopped case directory", () => {
  it("answers a report UNAVAILABLE and writes nothing, for the lender's collectors and the agency alike", async () => {
    const { caseId } = await cnCase();
    await svc.ds.query("INSERT INTO case_directory_hold (consumer, event_id, subject, seq, reason) VALUES ('outreach.case-directory', $1, 'ContactHold.ContactHoldPlaced', 1, 'test')", [uuidv7()]);
    try {
      for (const p of [lenderPrincipal(cnLender), agencyPrincipal(agency)]) {
        principal = p;
        expect(codes(await report(caseId, new Date(NOW.getTime() - HOUR)))).toEqual(["UNAVAILABLE"]);
      }
      const [{ n }] = await svc.ds.query("SELECT (SELECT count(*) FROM activity WHERE case_id = $1)::int + (SELECT count(*) FROM activity_violation WHERE case_id = $1)::int AS n", [caseId]);
      expect(n).toBe(0);
    } finally {
      await svc.ds.query("DELETE FROM case_directory_hold");
    }
  });
});

describe("inputs", () => {
  it("takes a contact point as a label, never the number itself", async () => {
    const { caseId } = await cnCase();
    principal = agencyPrincipal(agency);
    const r = await report(caseId, new Date(NOW.getTime() - HOUR), { contactPoint: "+8613800138000" });
    expect(codes(r)).toEqual(["BAD_USER_INPUT"]);
    expect(r.errors![0]!.extensions!.field).toBe("contactPoint");
    expect((await report(caseId, new Date(NOW.getTime() - HOUR), { contactPoint: "work-phone" })).errors).toBeUndefined();
  });
});
