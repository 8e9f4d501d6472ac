import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FixedClock, uuidv7 } from "@concord/service-kit";
import type { Principal } from "@concord/schema";
import { agencyPrincipal, borrowerPrincipal, codes, lenderPrincipal, subgraphCaller } from "@concord/test-kit";
import type { OutreachService } from "../../index";
import { knownCase, placeHold, startOutreach } from "../../testing/fixtures";

/**
 * The contact rules as a caller meets them through GraphQL: contactPolicy (and the case's own
 * contactPolicy field, as the gateway resolves it through _entities) at each rule's boundary,
 * one instant allowed and the next refused, with the instant it frees up; who may ask; and
 * reportActivity flagging a reported contact at the same boundaries.
 *
 * Every expected instant is written in UTC with the borrower's local time beside it: the offsets
 * (EST -5, EDT -4, GMT 0, BST +1, CST +8) are the oracle, not the engine's own arithmetic.
 */

// Tuesday 2026-11-24, 15:00 in New York: every report below happened before it.
const NOW = new Date("2026-11-24T20:00:00Z");
const clock = new FixedClock(NOW);
let svc: OutreachService;
let stop: () => Promise<void>;
let principal: Principal;
const call = subgraphCaller("outreach", () => svc.url, () => principal);
/** A lender that never chose a profile (US_REG_F applies), and one that chose CN_NIFA. */
const lender = uuidv7();
const cnLender = uuidv7();
const agency = uuidv7();
const otherAgency = uuidv7();

const DECISION = `caseId channel at allowed blockedBy { rule message until } nextAllowedAt timeZone profile { jurisdiction chosen }
  counters { callAttemptsInWindow connectedCallsToday unansweredCallsToday lastConversationAt }`;
const POLICY = `query($caseId: ID!, $channel: Channel!, $at: DateTimeISO, $party: ContactParty) {
  contactPolicy(caseId: $caseId, channel: $channel, at: $at, party: $party) { ${DECISION} }
}`;
const CASE_POLICY = `query($reps: [_Any!]!, $channel: Channel!, $at: DateTimeISO, $party: ContactParty) {
  _entities(representations: $reps) { ... on CollectionCase { contactPolicy(channel: $channel, at: $at, party: $party) { ${DECISION} } } }
}`;
const REPORT = `mutation($input: ReportActivityInput!) {
  reportActivity(input: $input) { activity { id flagged } violations { rule limit observed activityId caseId agencyId } }
}`;

type Decision = {
  caseId: string;
  allowed: boolean;
  at: string;
  blockedBy: Array<{ rule: string; message: string; until: string | null }>;
  nextAllowedAt: string | null;
  timeZone: string;
  profile: { jurisdiction: string; chosen: boolean };
  counters: { callAttemptsInWindow: number; connectedCallsToday: number; unansweredCallsToday: number; lastConversationAt: string | null };
};

/** contactPolicy as the current principal, asserting it answered without errors. */
async function policy(caseId: string, channel: string, at: string, party?: string): Promise<Decision> {
  const r = await call(POLICY, { caseId, channel, at, party });
  expect(r.errors).toBeUndefined();
  return r.data.contactPolicy;
}

/** contactPolicy asked both ways (the root query and CollectionCase.contactPolicy): the two must agree. */
async function decide(caseId: string, channel: string, at: string, party?: string): Promise<Decision> {
  const root = await policy(caseId, channel, at, party);
  const viaCase = await call(CASE_POLICY, { reps: [{ __typename: "CollectionCase", id: caseId }], channel, at, party });
  expect(viaCase.errors).toBeUndefined();
  expect(viaCase.data._entities[0].contactPolicy).toEqual(root);
  return root;
}

const rules = (d: Decision) => d.blockedBy.map((b) => b.rule);
const iso = (s: string) => new Date(s).toISOString();

/** Reports one contact as the current principal; what it stored and the rules it broke. */
async function report(caseId: string, occurredAt: string, over: Record<string, unknown> = {}) {
  const r = await call(REPORT, {
    input: { idempotencyKey: uuidv7(), caseId, channel: "CALL", direction: "OUTBOUND", outcome: "NO_ANSWER", occurredAt, agentId: uuidv7(), ...over },
  });
  expect(r.errors).toBeUndefined();
  return r.data.reportActivity as { activity: { id: string; flagged: boolean }; violations: Array<{ rule: string; limit: string; observed: string; activityId: string; caseId: string; agencyId: string | null }> };
}

/**
 * Seven unanswered call attempts by the agency in New York: four on Friday 2026-11-20 (10:00 to
 * 13:00 EST) and three on Saturday 11-21 (10:00 to 12:00). The window of 7 local days ending on a
 * day D holds all seven until D = 11-26, and only Saturday's three from D = 11-27.
 */
const SEVEN_ATTEMPTS = [
  "2026-11-20T15:00:00Z",
  "2026-11-20T16:00:00Z",
  "2026-11-20T17:00:00Z",
  "2026-11-20T18:00:00Z",
  "2026-11-21T15:00:00Z",
  "2026-11-21T16:00:00Z",
  "2026-11-21T17:00:00Z",
];

beforeAll(async () => {
  ({ svc, stop } = await startOutreach("contact-policy", clock));
  // The CN lender chooses its profile before anything is asked of its cases.
  principal = lenderPrincipal(cnLender);
  const set = await call(`mutation { setContactProfile(jurisdiction: CN_NIFA) { jurisdiction version } }`);
  expect(set.errors).toBeUndefined();
  expect(set.data.setContactProfile).toEqual({ jurisdiction: "CN_NIFA", version: 1 });
});
afterAll(async () => stop?.());

describe("contactPolicy: contact hours in the borrower's time zone", () => {
  it("allows 20:59 and refuses 21:00 in New York, free again at 08:00 the next morning", async () => {
    const { caseId } = await knownCase(svc, clock, { lenderId: lender });
    principal = lenderPrincipal(lender);
    // Tuesday 2026-11-24, EST (UTC-5).
    const before = await decide(caseId, "CALL", "2026-11-25T01:59:00Z");
    expect(before).toMatchObject({ caseId, allowed: true, blockedBy: [], nextAllowedAt: iso("2026-11-25T01:59:00Z"), timeZone: "America/New_York" });
    expect(before.profile).toEqual({ jurisdiction: "US_REG_F", chosen: false });
    const at = await decide(caseId, "CALL", "2026-11-25T02:00:00Z");
    expect(at.allowed).toBe(false);
    expect(at.blockedBy).toEqual([{ rule: "CONTACT_HOURS", message: expect.stringContaining("21:00"), until: iso("2026-11-25T13:00:00Z") }]);
    // Wednesday 08:00 EST.
    expect(at.nextAllowedAt).toBe(iso("2026-11-25T13:00:00Z"));
    expect((await decide(caseId, "CALL", "2026-11-25T12:59:00Z")).allowed).toBe(false);
    expect((await decide(caseId, "CALL", "2026-11-25T13:00:00Z")).allowed).toBe(true);
  });

  it("reads the evening of 2026-03-08 (DST began that night) in EDT, and the night before it frees at 08:00 EDT", async () => {
    const { caseId } = await knownCase(svc, clock, { lenderId: lender });
    principal = lenderPrincipal(lender);
    // 20:59 EDT (UTC-4).
    expect((await decide(caseId, "SMS", "2026-03-09T00:59:00Z")).allowed).toBe(true);
    // 21:00 EDT: as EST this instant would be 20:00 and allowed.
    const nine = await decide(caseId, "SMS", "2026-03-09T01:00:00Z");
    expect(rules(nine)).toEqual(["CONTACT_HOURS"]);
    expect(nine.nextAllowedAt).toBe(iso("2026-03-09T12:00:00Z"));
    // 01:30 EST, before the clocks went forward: contact hours open at 08:00 EDT, 12:00Z, not 13:00Z.
    const night = await decide(caseId, "CALL", "2026-03-08T06:30:00Z");
    expect(night.blockedBy).toEqual([{ rule: "CONTACT_HOURS", message: expect.any(String), until: iso("2026-03-08T12:00:00Z") }]);
    expect(night.nextAllowedAt).toBe(iso("2026-03-08T12:00:00Z"));
    expect((await decide(caseId, "CALL", "2026-03-08T11:59:00Z")).allowed).toBe(false);
    expect((await decide(caseId, "CALL", "2026-03-08T12:00:00Z")).allowed).toBe(true);
  });

  it("reads Europe/London on 2026-03-29 (BST began at 01:00Z) in BST", async () => {
    const { caseId } = await knownCase(svc, clock, { lenderId: lender, timezone: "Europe/London" });
    principal = lenderPrincipal(lender);
    // 00:30 GMT: hours open at 08:00 BST = 07:00Z.
    const night = await decide(caseId, "CALL", "2026-03-29T00:30:00Z");
    expect(night.blockedBy.map((b) => [b.rule, b.until])).toEqual([["CONTACT_HOURS", iso("2026-03-29T07:00:00Z")]]);
    expect(night.timeZone).toBe("Europe/London");
    expect((await decide(caseId, "CALL", "2026-03-29T06:59:00Z")).allowed).toBe(false);
    expect((await decide(caseId, "CALL", "2026-03-29T07:00:00Z")).allowed).toBe(true);
    // 20:59 BST allowed; 21:00 BST (20:00Z, which as GMT would be allowed) refused until Monday 08:00 BST.
    expect((await decide(caseId, "CALL", "2026-03-29T19:59:00Z")).allowed).toBe(true);
    const nine = await decide(caseId, "CALL", "2026-03-29T20:00:00Z");
    expect(rules(nine)).toEqual(["CONTACT_HOURS"]);
    expect(nine.nextAllowedAt).toBe(iso("2026-03-30T07:00:00Z"));
  });

  it("under CN_NIFA allows 21:59 and refuses 22:00 in Shanghai, free at 08:00; the same instant is refused under US_REG_F's 21:00", async () => {
    const cn = await knownCase(svc, clock, { lenderId: cnLender, timezone: "Asia/Shanghai" });
    const us = await knownCase(svc, clock, { lenderId: lender, timezone: "Asia/Shanghai" });
    principal = lenderPrincipal(cnLender);
    // Tuesday 2026-11-24 in Shanghai (UTC+8).
    const late = await decide(cn.caseId, "CALL", "2026-11-24T13:59:00Z");
    expect(late).toMatchObject({ allowed: true, timeZone: "Asia/Shanghai", profile: { jurisdiction: "CN_NIFA", chosen: true } });
    const ten = await decide(cn.caseId, "CALL", "2026-11-24T14:00:00Z");
    expect(ten.blockedBy).toEqual([{ rule: "CONTACT_HOURS", message: expect.stringContaining("22:00"), until: iso("2026-11-25T00:00:00Z") }]);
    expect(ten.nextAllowedAt).toBe(iso("2026-11-25T00:00:00Z"));
    principal = lenderPrincipal(lender);
    expect(rules(await decide(us.caseId, "CALL", "2026-11-24T13:30:00Z"))).toEqual(["CONTACT_HOURS"]);
  });
});

describe("contactPolicy: how often a borrower may be called", () => {
  it("allows the 7th call attempt in 7 days and refuses the 8th until 08:00 on the day the window frees", async () => {
    const { caseId } = await knownCase(svc, clock, { lenderId: lender, agencyId: agency });
    principal = agencyPrincipal(agency);
    for (const [i, at] of SEVEN_ATTEMPTS.slice(0, 6).entries()) await report(caseId, at, { outcome: i % 2 ? "VOICEMAIL" : "NO_ANSWER" });
    // Saturday 12:00 EST, six attempts made: the 7th is allowed.
    const seventh = await decide(caseId, "CALL", "2026-11-21T17:00:00Z");
    expect(seventh).toMatchObject({ allowed: true, blockedBy: [] });
    expect(seventh.counters).toEqual({ callAttemptsInWindow: 6, connectedCallsToday: 0, unansweredCallsToday: 2, lastConversationAt: null });
    await report(caseId, SEVEN_ATTEMPTS[6]!);

    // Sunday 10:00 EST: seven in the window, the 8th is refused; all seven stay in the window
    // ending Thursday 11-26, and Friday's four leave it on 11-27: free at 08:00 EST that day.
    const eighth = await decide(caseId, "CALL", "2026-11-22T15:00:00Z");
    expect(eighth.allowed).toBe(false);
    expect(eighth.blockedBy).toEqual([{ rule: "CALL_ATTEMPTS_7_DAYS", message: expect.stringContaining("7"), until: iso("2026-11-27T05:00:00Z") }]);
    expect(eighth.nextAllowedAt).toBe(iso("2026-11-27T13:00:00Z"));
    expect(eighth.counters.callAttemptsInWindow).toBe(7);
    expect((await decide(caseId, "CALL", "2026-11-27T04:59:00Z")).counters.callAttemptsInWindow).toBe(7);
    expect(rules(await decide(caseId, "CALL", "2026-11-27T04:59:00Z"))).toEqual(["CONTACT_HOURS", "CALL_ATTEMPTS_7_DAYS"]);
    const free = await decide(caseId, "CALL", "2026-11-27T13:00:00Z");
    expect(free).toMatchObject({ allowed: true, counters: { callAttemptsInWindow: 3 } });
    // The cap is on calls: a text at the refused instant is allowed.
    expect((await decide(caseId, "SMS", "2026-11-22T15:00:00Z")).allowed).toBe(true);
  });

  it("does not count a busy signal: eight calls of which one was BUSY leave the 8th allowed, and then the 9th refused", async () => {
    const { caseId } = await knownCase(svc, clock, { lenderId: lender, agencyId: agency });
    principal = agencyPrincipal(agency);
    const calls = SEVEN_ATTEMPTS.map((at, i) => report(caseId, at, { outcome: i === 3 ? "BUSY" : "NO_ANSWER" }));
    for (const c of await Promise.all(calls)) expect(c.violations).toEqual([]);
    const eighth = await decide(caseId, "CALL", "2026-11-22T15:00:00Z");
    expect(eighth).toMatchObject({ allowed: true, counters: { callAttemptsInWindow: 6 } });
    const made = await report(caseId, "2026-11-22T15:00:00Z");
    expect(made).toMatchObject({ activity: { flagged: false }, violations: [] });
    const ninth = await decide(caseId, "CALL", "2026-11-22T16:00:00Z");
    expect(rules(ninth)).toEqual(["CALL_ATTEMPTS_7_DAYS"]);
    expect(ninth.counters.callAttemptsInWindow).toBe(7);
  });

  it("keeps day 7 after a right-party conversation quiet and allows a call on day 8 at 08:00", async () => {
    const { caseId } = await knownCase(svc, clock, { lenderId: lender, agencyId: agency });
    principal = agencyPrincipal(agency);
    // Monday 2026-11-16, 10:00 EST: day 1. Day 7 is Sunday 11-22, day 8 Monday 11-23.
    await report(caseId, "2026-11-16T15:00:00Z", { outcome: "RIGHT_PARTY_CONTACT", durationSeconds: 300 });
    const day7 = await decide(caseId, "CALL", "2026-11-23T01:59:00Z");
    expect(day7.blockedBy).toEqual([{ rule: "QUIET_AFTER_CONVERSATION", message: expect.stringContaining("2026-11-16"), until: iso("2026-11-23T05:00:00Z") }]);
    expect(day7.nextAllowedAt).toBe(iso("2026-11-23T13:00:00Z"));
    expect(day7.counters).toMatchObject({ callAttemptsInWindow: 1, lastConversationAt: iso("2026-11-16T15:00:00Z") });
    // Quiet is for calls: a text on day 7 is allowed.
    expect((await decide(caseId, "SMS", "2026-11-23T01:59:00Z")).allowed).toBe(true);
    const day8 = await decide(caseId, "CALL", "2026-11-23T13:00:00Z");
    expect(day8).toMatchObject({ allowed: true, counters: { callAttemptsInWindow: 0, lastConversationAt: iso("2026-11-16T15:00:00Z") } });
  });

  it("under CN_NIFA allows the 3rd connected call of a day, lender and agency together, and refuses the 4th until 08:00 the next day", async () => {
    const { caseId } = await knownCase(svc, clock, { lenderId: cnLender, agencyId: agency, timezone: "Asia/Shanghai", currency: "CNY" });
    // Tuesday 2026-11-24 in Shanghai: 09:00 by the lender's collectors, 10:00 by the agency.
    principal = lenderPrincipal(cnLender);
    await report(caseId, "2026-11-24T01:00:00Z", { outcome: "RIGHT_PARTY_CONTACT" });
    principal = agencyPrincipal(agency);
    await report(caseId, "2026-11-24T02:00:00Z", { outcome: "PROMISE_TO_PAY", promise: { amountMinor: 5000, currency: "CNY", dueDate: "2026-11-24" } });
    // An unanswered call did not connect.
    await report(caseId, "2026-11-24T03:00:00Z", { outcome: "NO_ANSWER" });
    const third = await decide(caseId, "CALL", "2026-11-24T04:00:00Z");
    expect(third).toMatchObject({ allowed: true, counters: { connectedCallsToday: 2, unansweredCallsToday: 1, lastConversationAt: iso("2026-11-24T02:00:00Z") } });
    await report(caseId, "2026-11-24T04:00:00Z", { outcome: "RIGHT_PARTY_CONTACT" });
    // 14:00 in Shanghai: the day's three are made; the next local day begins at 16:00Z, and its hours at 08:00 (00:00Z).
    const fourth = await decide(caseId, "CALL", "2026-11-24T06:00:00Z");
    expect(fourth.blockedBy).toEqual([{ rule: "CONNECTED_CALLS_PER_DAY", message: expect.stringContaining("3"), until: iso("2026-11-24T16:00:00Z") }]);
    expect(fourth.nextAllowedAt).toBe(iso("2026-11-25T00:00:00Z"));
    expect(fourth.counters.connectedCallsToday).toBe(3);
    const tomorrow = await decide(caseId, "CALL", "2026-11-25T00:00:00Z");
    expect(tomorrow).toMatchObject({ allowed: true, counters: { connectedCallsToday: 0 } });
  });
});

describe("contactPolicy: holds, channels and who may ask", () => {
  it("blocks a held channel until the hold ends, leaves other channels open, and gives no next time for an open hold", async () => {
    const { caseId } = await knownCase(svc, clock, { lenderId: lender, agencyId: agency });
    principal = agencyPrincipal(agency);
    // Wednesday 2026-11-25 12:00 EST to Thursday 11-26 10:00 EST, on calls only.
    const endsAt = "2026-11-26T15:00:00Z";
    await placeHold(svc, clock, { caseId, lenderId: lender, kind: "DISPUTE", channels: ["CALL"], startsAt: new Date("2026-11-25T17:00:00Z"), endsAt: new Date(endsAt) });
    expect((await decide(caseId, "CALL", "2026-11-25T16:59:00Z")).allowed).toBe(true);
    const held = await decide(caseId, "CALL", "2026-11-25T17:00:00Z");
    expect(held.blockedBy).toEqual([{ rule: "CONTACT_HOLD", message: expect.stringContaining("DISPUTE"), until: iso(endsAt) }]);
    expect(held.nextAllowedAt).toBe(iso(endsAt));
    expect((await decide(caseId, "CALL", "2026-11-26T14:59:00Z")).allowed).toBe(false);
    expect((await decide(caseId, "CALL", endsAt)).allowed).toBe(true);
    expect((await decide(caseId, "SMS", "2026-11-25T17:00:00Z")).allowed).toBe(true);

    // A cease request: every channel, until an event lifts it.
    await placeHold(svc, clock, { caseId, lenderId: lender, kind: "CEASE", startsAt: new Date("2026-11-27T00:00:00Z"), endsAt: null });
    for (const channel of ["CALL", "EMAIL"]) {
      const ceased = await decide(caseId, channel, "2026-11-27T15:00:00Z");
      expect(ceased.blockedBy).toEqual([{ rule: "CONTACT_HOLD", message: expect.stringContaining("CEASE"), until: null }]);
      expect(ceased.nextAllowedAt).toBeNull();
    }
  });

  it("refuses an agency a channel its placement does not allow, with no next time; the lender's own collectors may use it", async () => {
    const { caseId } = await knownCase(svc, clock, { lenderId: lender, agencyId: agency, channels: ["CALL", "SMS"] });
    principal = agencyPrincipal(agency);
    const at = "2026-11-24T16:00:00Z";
    expect((await decide(caseId, "SMS", at)).allowed).toBe(true);
    const email = await decide(caseId, "EMAIL", at);
    expect(email.blockedBy).toEqual([{ rule: "AGENCY_CHANNEL", message: expect.stringContaining("EMAIL"), until: null }]);
    expect(email.nextAllowedAt).toBeNull();
    principal = lenderPrincipal(lender);
    expect((await decide(caseId, "EMAIL", at)).allowed).toBe(true);
  });

  it("tells an agency that held the case once FORBIDDEN naming ACTIVE_PLACEMENT, any other agency NOT_FOUND, a borrower FORBIDDEN", async () => {
    const { caseId, borrowerId } = await knownCase(svc, clock, { lenderId: lender, agencyId: agency, expiresAt: new Date(NOW.getTime() - 60_000) });
    const at = "2026-11-24T16:00:00Z";
    principal = agencyPrincipal(agency);
    const once = await call(POLICY, { caseId, channel: "CALL", at });
    expect(once.data?.contactPolicy ?? null).toBeNull();
    expect(once.errors?.map((e) => [e.extensions?.code, e.extensions?.rule])).toEqual([["FORBIDDEN", "ACTIVE_PLACEMENT"]]);
    principal = agencyPrincipal(otherAgency);
    expect(codes(await call(POLICY, { caseId, channel: "CALL", at }))).toEqual(["NOT_FOUND"]);
    principal = borrowerPrincipal(borrowerId);
    expect(codes(await call(POLICY, { caseId, channel: "CALL", at }))).toEqual(["FORBIDDEN"]);
    principal = lenderPrincipal(uuidv7());
    expect(codes(await call(POLICY, { caseId, channel: "CALL", at }))).toEqual(["NOT_FOUND"]);
    // The case's own lender is answered.
    principal = lenderPrincipal(lender);
    expect((await policy(caseId, "CALL", at)).allowed).toBe(true);
  });
});

describe("reportActivity flags a contact at the same boundaries", () => {
  it("keeps the 7th attempt unflagged and flags the 8th CALL_ATTEMPTS_7_DAYS with the limit and what was observed", async () => {
    const { caseId } = await knownCase(svc, clock, { lenderId: lender, agencyId: agency });
    principal = agencyPrincipal(agency);
    for (const at of SEVEN_ATTEMPTS) expect((await report(caseId, at)).violations).toEqual([]);
    const eighth = await report(caseId, "2026-11-22T15:00:00Z");
    expect(eighth.activity.flagged).toBe(true);
    expect(eighth.violations).toEqual([
      { rule: "CALL_ATTEMPTS_7_DAYS", limit: expect.stringContaining("7 call attempts"), observed: "8", activityId: eighth.activity.id, caseId, agencyId: agency },
    ]);
  });

  it("flags a call on day 7 after a conversation QUIET_AFTER_CONVERSATION, and not one on day 8", async () => {
    const { caseId } = await knownCase(svc, clock, { lenderId: lender, agencyId: agency });
    principal = agencyPrincipal(agency);
    await report(caseId, "2026-11-16T15:00:00Z", { outcome: "RIGHT_PARTY_CONTACT" });
    const day7 = await report(caseId, "2026-11-23T01:59:00Z");
    expect(day7.violations.map((v) => [v.rule, v.observed])).toEqual([["QUIET_AFTER_CONVERSATION", "day 7"]]);
    expect((await report(caseId, "2026-11-23T13:00:00Z")).violations).toEqual([]);
  });

  it("flags 21:00 in New York CONTACT_HOURS and not 20:59; under CN_NIFA flags 22:00 in Shanghai and not 21:59", async () => {
    const us = await knownCase(svc, clock, { lenderId: lender, agencyId: agency });
    const cn = await knownCase(svc, clock, { lenderId: cnLender, agencyId: agency, timezone: "Asia/Shanghai" });
    principal = agencyPrincipal(agency);
    expect((await report(us.caseId, "2026-11-24T01:59:00Z", { channel: "SMS", outcome: "DELIVERED" })).violations).toEqual([]);
    const usLate = await report(us.caseId, "2026-11-24T02:00:00Z", { channel: "SMS", outcome: "DELIVERED" });
    expect(usLate.violations.map((v) => [v.rule, v.limit, v.observed])).toEqual([["CONTACT_HOURS", "08:00-21:00", "21:00 borrower's time"]]);
    expect((await report(cn.caseId, "2026-11-24T13:59:00Z", { channel: "SMS", outcome: "DELIVERED" })).violations).toEqual([]);
    const cnLate = await report(cn.caseId, "2026-11-24T14:00:00Z", { channel: "SMS", outcome: "DELIVERED" });
    expect(cnLate.violations.map((v) => [v.rule, v.limit, v.observed])).toEqual([["CONTACT_HOURS", "08:00-22:00", "22:00 borrower's time"]]);
  });

  it("flags a contact with a third party DEBTOR_ONLY under CN_NIFA, not under US_REG_F, and not one with the debtor", async () => {
    const cn = await knownCase(svc, clock, { lenderId: cnLender, agencyId: agency, timezone: "Asia/Shanghai" });
    const us = await knownCase(svc, clock, { lenderId: lender, agencyId: agency });
    principal = agencyPrincipal(agency);
    // 10:00 in each borrower's zone.
    expect((await report(cn.caseId, "2026-11-24T02:00:00Z", { outcome: "RIGHT_PARTY_CONTACT" })).violations).toEqual([]);
    const third = await report(cn.caseId, "2026-11-24T03:00:00Z", { outcome: "CALLBACK_REQUESTED", party: "THIRD_PARTY" });
    expect(third.activity.flagged).toBe(true);
    expect(third.violations.map((v) => [v.rule, v.observed])).toEqual([["DEBTOR_ONLY", "THIRD_PARTY"]]);
    expect((await report(us.caseId, "2026-11-24T15:00:00Z", { outcome: "CALLBACK_REQUESTED", party: "THIRD_PARTY" })).violations).toEqual([]);
    // And asked beforehand, contactPolicy refuses the third party for good under CN_NIFA only.
    const asked = await decide(cn.caseId, "CALL", "2026-11-24T05:00:00Z", "THIRD_PARTY");
    expect(asked.blockedBy).toEqual([{ rule: "DEBTOR_ONLY", message: expect.any(String), until: null }]);
    expect(asked.nextAllowedAt).toBeNull();
    expect((await decide(us.caseId, "CALL", "2026-11-24T16:00:00Z", "THIRD_PARTY")).allowed).toBe(true);
  });

  it("flags a contact on a held channel CONTACT_HOLD, and not one on another channel or after the hold", async () => {
    const { caseId } = await knownCase(svc, clock, { lenderId: lender, agencyId: agency });
    await placeHold(svc, clock, {
      caseId, lenderId: lender, kind: "OPT_OUT", channels: ["SMS"], startsAt: new Date("2026-11-23T14:00:00Z"), endsAt: new Date("2026-11-24T14:00:00Z"),
    });
    principal = agencyPrincipal(agency);
    const held = await report(caseId, "2026-11-23T15:00:00Z", { channel: "SMS", outcome: "DELIVERED" });
    expect(held.violations.map((v) => [v.rule, v.observed])).toEqual([["CONTACT_HOLD", "OPT_OUT"]]);
    expect((await report(caseId, "2026-11-23T15:30:00Z", { channel: "EMAIL", outcome: "DELIVERED" })).violations).toEqual([]);
    expect((await report(caseId, "2026-11-24T14:00:00Z", { channel: "SMS", outcome: "DELIVERED" })).violations).toEqual([]);
  });
});
