import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FixedClock, uuidv7 } from "@concord/service-kit";
import type { Principal } from "@concord/schema";
import { agencyPrincipal, auditorPrincipal, borrowerPrincipal, codes, lenderPrincipal, subgraphCaller } from "@concord/test-kit";
import type { OutreachService } from "../../index";
import { knownCase, startOutreach } from "../../testing/fixtures";

/**
 * A lender's contact profile through GraphQL: tightening accepted and shown beside the
 * jurisdiction's own parameters; each loosening refused at its limit, naming the parameter, with
 * nothing written; one ContactProfileSet per change, none for a repeat; only lenders may set one;
 * and contactPolicy and reportActivity then apply the tightened parameters.
 */

// Tuesday 2026-11-24, 15:00 in New York.
const NOW = new Date("2026-11-24T20:00:00Z");
const clock = new FixedClock(NOW);
let svc: OutreachService;
let stop: () => Promise<void>;
let principal: Principal;
const call = subgraphCaller("outreach", () => svc.url, () => principal);

const PARAMETERS = `contactHoursStart contactHoursEnd blockedWeekdays blockedDates maxCallAttemptsPer7Days quietDaysAfterConversation
  maxConnectedCallsPerDay maxUnansweredCallsPerDay debtorOnly flagVulnerable`;
const PROFILE = `lenderId jurisdiction chosen version updatedAt parameters { ${PARAMETERS} } profileDefaults { ${PARAMETERS} }`;
const SET = `mutation($j: Jurisdiction!, $o: ContactProfileOverrides) { setContactProfile(jurisdiction: $j, overrides: $o) { ${PROFILE} } }`;
const READ = `query($lenderId: ID) { contactProfile(lenderId: $lenderId) { ${PROFILE} } }`;
const POLICY = `query($caseId: ID!, $channel: Channel!, $at: DateTimeISO) {
  contactPolicy(caseId: $caseId, channel: $channel, at: $at) { allowed blockedBy { rule until } nextAllowedAt profile { jurisdiction version parameters { contactHoursStart } } }
}`;
const REPORT = `mutation($input: ReportActivityInput!) { reportActivity(input: $input) { violations { rule limit observed } } }`;

/** Regulation F's parameters, as the research notes give them (12 CFR 1006.6(b)(1)(i), 1006.14(b)(2)). */
const REG_F = {
  contactHoursStart: "08:00",
  contactHoursEnd: "21:00",
  blockedWeekdays: [],
  blockedDates: [],
  maxCallAttemptsPer7Days: 7,
  quietDaysAfterConversation: 7,
  maxConnectedCallsPerDay: null,
  maxUnansweredCallsPerDay: null,
  debtorOnly: false,
  flagVulnerable: false,
};

const TIGHTER = {
  contactHoursStart: "09:00",
  contactHoursEnd: "20:00",
  maxCallAttemptsPer7Days: 5,
  quietDaysAfterConversation: 10,
  blockedWeekdays: ["SUNDAY"],
  blockedDates: ["2026-12-25"],
};

/** What a refused change must leave as it was: the lender's row and every outbox event. */
const written = async (lenderId: string) => ({
  row: await svc.ds.query("SELECT * FROM contact_profile WHERE lender_id = $1", [lenderId]),
  outbox: await svc.ds.query("SELECT id FROM outbox ORDER BY id"),
  directory: await svc.ds.query("SELECT * FROM case_directory_profile WHERE lender_id = $1", [lenderId]),
});

const profileEvents = async (lenderId: string) =>
  (await svc.ds.query("SELECT envelope FROM outbox WHERE type = 'ContactProfileSet' AND aggregate_id = $1 ORDER BY id", [lenderId])).map((r: any) => JSON.parse(r.envelope));

beforeAll(async () => {
  ({ svc, stop } = await startOutreach("contact-profiles", clock));
});
afterAll(async () => stop?.());

describe("setContactProfile", () => {
  it("accepts a tightening and shows the parameters in force beside the profile's own", async () => {
    const lenderId = uuidv7();
    principal = lenderPrincipal(lenderId);
    const before = await call(READ);
    expect(before.data.contactProfile).toMatchObject({ jurisdiction: "US_REG_F", chosen: false, version: 0, updatedAt: null, parameters: REG_F, profileDefaults: REG_F });

    const set = await call(SET, { j: "US_REG_F", o: TIGHTER });
    expect(set.errors).toBeUndefined();
    const expected = { ...REG_F, ...TIGHTER };
    expect(set.data.setContactProfile).toEqual({
      lenderId, jurisdiction: "US_REG_F", chosen: true, version: 1, updatedAt: NOW.toISOString(), parameters: expected, profileDefaults: REG_F,
    });
    expect((await call(READ)).data.contactProfile).toEqual(set.data.setContactProfile);
    principal = auditorPrincipal();
    expect((await call(READ, { lenderId })).data.contactProfile.parameters).toEqual(expected);
  });

  // Each parameter at the profile's own limit is accepted; one step looser is refused.
  const limits: Array<[jurisdiction: string, field: string, atLimit: unknown, looser: unknown, limit: string]> = [
    ["US_REG_F", "contactHoursStart", "08:00", "07:59", "08:00"],
    ["US_REG_F", "contactHoursEnd", "21:00", "21:01", "21:00"],
    ["US_REG_F", "maxCallAttemptsPer7Days", 7, 8, "7"],
    ["US_REG_F", "quietDaysAfterConversation", 7, 6, "7"],
    ["CN_NIFA", "contactHoursEnd", "22:00", "22:01", "22:00"],
    ["CN_NIFA", "maxConnectedCallsPerDay", 3, 4, "3"],
    ["CN_NIFA", "maxUnansweredCallsPerDay", 6, 7, "6"],
    ["CN_NIFA", "debtorOnly", true, false, "yes"],
    ["UK_FCA", "flagVulnerable", true, false, "yes"],
  ];
  it.each(limits)("%s: accepts %s at its limit and refuses one step looser, changing nothing", async (j, field, atLimit, looser, limit) => {
    const lenderId = uuidv7();
    principal = lenderPrincipal(lenderId);
    // A tightening elsewhere first, so there is a row, a version and an event a refusal could disturb.
    const first = await call(SET, { j, o: { contactHoursStart: "09:00", [field]: atLimit } });
    expect(first.errors).toBeUndefined();
    expect(first.data.setContactProfile.parameters[field]).toEqual(atLimit);
    expect(first.data.setContactProfile.version).toBe(1);
    const kept = await written(lenderId);

    clock.set(new Date(NOW.getTime() + 60_000));
    const refused = await call(SET, { j, o: { contactHoursStart: "09:30", [field]: looser } });
    clock.set(NOW);
    expect(refused.data?.setContactProfile ?? null).toBeNull();
    expect(codes(refused)).toEqual(["BAD_USER_INPUT"]);
    expect(refused.errors![0]!.extensions!.field).toBe(`overrides.${field}`);
    expect(refused.errors![0]!.message).toContain(`${j}'s ${limit}`);
    // Not even the other, valid override (09:30) was applied.
    expect(await written(lenderId)).toEqual(kept);
    expect((await call(READ)).data.contactProfile).toEqual(first.data.setContactProfile);
  });

  it("keeps a lengthened quiet period to 90 days (what every decision reads back over)", async () => {
    principal = lenderPrincipal(uuidv7());
    expect((await call(SET, { j: "US_REG_F", o: { quietDaysAfterConversation: 90 } })).errors).toBeUndefined();
    const tooLong = await call(SET, { j: "US_REG_F", o: { quietDaysAfterConversation: 91 } });
    expect(codes(tooLong)).toEqual(["BAD_USER_INPUT"]);
    expect(tooLong.errors![0]!.extensions!.field).toBe("overrides.quietDaysAfterConversation");
    expect((await call(READ)).data.contactProfile.parameters.quietDaysAfterConversation).toBe(90);
  });

  it("emits ContactProfileSet with the version raised per change, and nothing for the same profile set again", async () => {
    const lenderId = uuidv7();
    principal = lenderPrincipal(lenderId);
    const one = await call(SET, { j: "US_REG_F", o: { maxCallAttemptsPer7Days: 6 } });
    expect(one.data.setContactProfile.version).toBe(1);
    clock.set(new Date(NOW.getTime() + 3_600_000));
    const two = await call(SET, { j: "US_REG_F", o: TIGHTER });
    expect(two.data.setContactProfile).toMatchObject({ version: 2, updatedAt: new Date(NOW.getTime() + 3_600_000).toISOString() });
    const events = await profileEvents(lenderId);
    expect(events.map((e: any) => [e.aggregateType, e.aggregateVersion, e.lenderId])).toEqual([
      ["ContactProfile", 1, lenderId],
      ["ContactProfile", 2, lenderId],
    ]);
    expect(events[0].payload).toMatchObject({ lenderId, jurisdiction: "US_REG_F", parameters: { maxCallAttemptsPer7Days: 6, hoursStartMinute: 480 } });
    expect(events[1].payload.parameters).toMatchObject({ hoursStartMinute: 540, hoursEndMinute: 1200, maxCallAttemptsPer7Days: 5, quietDaysAfterConversation: 10, blockedWeekdays: [7], blockedDates: ["2026-12-25"] });
    // The subgraph's own directory applied it in the same transaction.
    const [dir] = await svc.ds.query("SELECT version FROM case_directory_profile WHERE lender_id = $1", [lenderId]);
    expect(Number(dir.version)).toBe(2);

    // The same profile again (a weekday named twice is the same list): nothing changes.
    clock.set(new Date(NOW.getTime() + 7_200_000));
    const kept = await written(lenderId);
    const again = await call(SET, { j: "US_REG_F", o: { ...TIGHTER, blockedWeekdays: ["SUNDAY", "SUNDAY"] } });
    clock.set(NOW);
    expect(again.errors).toBeUndefined();
    expect(again.data.setContactProfile).toEqual(two.data.setContactProfile);
    expect(await written(lenderId)).toEqual(kept);

    // Another jurisdiction is a change.
    const three = await call(SET, { j: "CN_NIFA" });
    expect(three.data.setContactProfile).toMatchObject({ jurisdiction: "CN_NIFA", version: 3, parameters: { contactHoursEnd: "22:00", maxConnectedCallsPerDay: 3, debtorOnly: true } });
    expect((await profileEvents(lenderId)).map((e: any) => e.aggregateVersion)).toEqual([1, 2, 3]);
  });

  it("lets no agency, borrower or auditor set a profile, nor a lender read another's", async () => {
    const lenderId = uuidv7();
    for (const p of [agencyPrincipal(uuidv7()), borrowerPrincipal(uuidv7()), auditorPrincipal()]) {
      principal = p;
      const r = await call(SET, { j: "US_REG_F", o: { maxCallAttemptsPer7Days: 3 } });
      expect(r.data?.setContactProfile ?? null).toBeNull();
      expect(codes(r)).toEqual(["FORBIDDEN"]);
    }
    expect(await svc.ds.query("SELECT 1 FROM outbox WHERE type = 'ContactProfileSet' AND aggregate_id = $1", [lenderId])).toEqual([]);
    principal = lenderPrincipal(uuidv7());
    expect(codes(await call(READ, { lenderId }))).toEqual(["FORBIDDEN"]);
    principal = agencyPrincipal(uuidv7());
    expect(codes(await call(READ, { lenderId }))).toEqual(["FORBIDDEN"]);
  });
});

describe("the tightened profile is what the rules apply", () => {
  let lenderId: string;
  let caseId: string;
  const decide = async (at: string) => {
    const r = await call(POLICY, { caseId, channel: "CALL", at });
    expect(r.errors).toBeUndefined();
    return r.data.contactPolicy;
  };

  beforeAll(async () => {
    lenderId = uuidv7();
    principal = lenderPrincipal(lenderId);
    expect((await call(SET, { j: "US_REG_F", o: TIGHTER })).errors).toBeUndefined();
    ({ caseId } = await knownCase(svc, clock, { lenderId }));
  });

  it("narrows contact hours to 09:00-20:00 in the borrower's zone", async () => {
    principal = lenderPrincipal(lenderId);
    // Tuesday 2026-11-24 in New York (EST, UTC-5).
    const early = await decide("2026-11-24T13:59:00Z");
    expect(early.blockedBy).toEqual([{ rule: "CONTACT_HOURS", until: "2026-11-24T14:00:00.000Z" }]);
    expect(early.profile).toEqual({ jurisdiction: "US_REG_F", version: 1, parameters: { contactHoursStart: "09:00" } });
    expect((await decide("2026-11-24T14:00:00Z")).allowed).toBe(true);
    expect((await decide("2026-11-25T00:59:00Z")).allowed).toBe(true);
    const late = await decide("2026-11-25T01:00:00Z");
    expect(late.blockedBy.map((b: any) => b.rule)).toEqual(["CONTACT_HOURS"]);
    expect(late.nextAllowedAt).toBe("2026-11-25T14:00:00.000Z");
  });

  it("blocks Sundays and the holiday, free at 09:00 the next day", async () => {
    principal = lenderPrincipal(lenderId);
    // Sunday 2026-11-29, 12:00 EST: free Monday 09:00 EST.
    const sunday = await decide("2026-11-29T17:00:00Z");
    expect(sunday.blockedBy).toEqual([{ rule: "BLOCKED_DAY", until: "2026-11-30T05:00:00.000Z" }]);
    expect(sunday.nextAllowedAt).toBe("2026-11-30T14:00:00.000Z");
    expect((await decide("2026-11-28T17:00:00Z")).allowed).toBe(true);
    // Friday 2026-12-25 is blocked; Saturday the 26th is not.
    expect((await decide("2026-12-25T17:00:00Z")).blockedBy.map((b: any) => b.rule)).toEqual(["BLOCKED_DAY"]);
    expect((await decide("2026-12-26T17:00:00Z")).allowed).toBe(true);
  });

  it("caps call attempts at 5 in 7 days and keeps 10 days quiet after a conversation, and reportActivity flags against them", async () => {
    principal = lenderPrincipal(lenderId);
    // Monday 2026-11-16 to Friday 11-20, 10:00 EST each: five attempts, the first a conversation (day 1).
    const outcomes = ["RIGHT_PARTY_CONTACT", "NO_ANSWER", "NO_ANSWER", "VOICEMAIL", "NO_ANSWER"];
    for (const [i, outcome] of outcomes.entries()) {
      const r = await call(REPORT, { input: { idempotencyKey: uuidv7(), caseId, channel: "CALL", direction: "OUTBOUND", outcome, occurredAt: `2026-11-${16 + i}T15:00:00Z` } });
      expect(r.errors).toBeUndefined();
      // The calls after the conversation fall in its quiet days: flagged, but no attempt cap yet.
      expect(r.data.reportActivity.violations.map((v: any) => v.rule)).toEqual(i === 0 ? [] : ["QUIET_AFTER_CONVERSATION"]);
    }
    // Wednesday 11-25 is day 10 after the conversation: quiet; Thursday 11-26, day 11, is free from 09:00 EST.
    const day10 = await decide("2026-11-25T15:00:00Z");
    expect(day10.blockedBy.map((b: any) => b.rule)).toEqual(["QUIET_AFTER_CONVERSATION"]);
    expect(day10.nextAllowedAt).toBe("2026-11-26T14:00:00.000Z");
    // Saturday 11-21: five attempts in the window, the cap reached.
    const saturday = await decide("2026-11-21T15:00:00Z");
    expect(saturday.blockedBy.map((b: any) => b.rule)).toEqual(["CALL_ATTEMPTS_7_DAYS", "QUIET_AFTER_CONVERSATION"]);
    const sixth = await call(REPORT, { input: { idempotencyKey: uuidv7(), caseId, channel: "CALL", direction: "OUTBOUND", outcome: "NO_ANSWER", occurredAt: "2026-11-21T15:00:00Z" } });
    expect(sixth.data.reportActivity.violations).toContainEqual({ rule: "CALL_ATTEMPTS_7_DAYS", limit: expect.stringContaining("5 call attempts"), observed: "6" });
  });
});
