import { describe, expect, it } from "vitest";
import { CONTACT_RULES, breachesOf, decideContact } from "./evaluate";
import { contact, hold, situation } from "./fixtures";
import { RULE_NAMES, type PastContact } from "./types";

// Wednesday 10 June 2026, 11:00 EDT.
const AT = "2026-06-10T15:00:00Z";

/** Seven outbound calls nobody answered, one a day at 10:00 EDT on 4..10 June. */
const sevenAttempts: PastContact[] = [4, 5, 6, 7, 8, 9, 10].map((d) => contact(`2026-06-${String(d).padStart(2, "0")}T14:00:00Z`, "NO_ANSWER"));

describe("the rule set", () => {
  it("has one rule for every rule name, each described", () => {
    expect(CONTACT_RULES.map((r) => r.name).sort()).toEqual([...RULE_NAMES].sort());
    for (const r of CONTACT_RULES) expect(r.description.length).toBeGreaterThan(20);
  });
});

describe("decideContact", () => {
  it("allows a contact no rule blocks, at once, with the counters", () => {
    // Seven call attempts hold back calls, not texts; the counters still show them.
    const sms = decideContact(situation(AT, { channel: "SMS", history: sevenAttempts }));
    expect(sms).toEqual({
      allowed: true,
      blockedBy: [],
      nextAllowedAt: new Date(AT),
      counters: { callAttemptsInWindow: 7, connectedCallsToday: 0, unansweredCallsToday: 1, lastConversationAt: null },
    });
  });

  it("lists every rule that blocks and waits until all of them allow", () => {
    // 22:00 EDT, seven attempts in the window, a promise hold until 12 June 09:00 EDT.
    const s = situation("2026-06-11T02:00:00Z", { history: sevenAttempts, holds: [hold("PROMISE", "2026-06-01T00:00:00Z", "2026-06-12T13:00:00Z")] });
    const d = decideContact(s);
    expect(d.blockedBy.map((b) => b.rule)).toEqual(["CONTACT_HOLD", "CONTACT_HOURS", "CALL_ATTEMPTS_7_DAYS"]);
    // Calls of 4 and 5 June leave the window on 11 and 12 June; the hold ends at 09:00 on the 12th.
    expect(d.nextAllowedAt).toEqual(new Date("2026-06-12T13:00:00Z"));
  });

  it("gives no next time when a block only an event lifts is among them", () => {
    const d = decideContact(situation("2026-06-11T02:00:00Z", { holds: [hold("CEASE", "2026-06-01T00:00:00Z", null)] }));
    expect(d.blockedBy.map((b) => b.rule)).toEqual(["CONTACT_HOLD", "CONTACT_HOURS"]);
    expect(d.nextAllowedAt).toBeNull();
  });

  it("gives no next time beyond a year", () => {
    expect(decideContact(situation(AT, { holds: [hold("HARDSHIP", "2026-06-01T00:00:00Z", "2027-06-10T15:00:01Z")] })).nextAllowedAt).toBeNull();
    expect(decideContact(situation(AT, { holds: [hold("HARDSHIP", "2026-06-01T00:00:00Z", "2027-06-10T15:00:00Z")] })).nextAllowedAt).toEqual(new Date("2027-06-10T15:00:00Z"));
  });

  it("asks only the rules named in `only`", () => {
    const s = situation("2026-06-11T02:00:00Z", { history: sevenAttempts });
    const d = decideContact(s, ["CALL_ATTEMPTS_7_DAYS"]);
    expect(d.blockedBy.map((b) => b.rule)).toEqual(["CALL_ATTEMPTS_7_DAYS"]);
    // Hours are not asked: the next time is when 4 June leaves the window, 00:00 EDT on 11 June.
    expect(d.nextAllowedAt).toEqual(new Date("2026-06-11T04:00:00Z"));
    expect(decideContact(s, ["AGENCY_CHANNEL"]).allowed).toBe(true);
  });

  it("fills the counters even when the zone is unknown (read in UTC)", () => {
    const d = decideContact(situation(AT, { timeZone: null, history: sevenAttempts }));
    expect(d.allowed).toBe(false);
    expect(d.counters.callAttemptsInWindow).toBe(7);
  });

  it("finds every blocking rule of a busy case with 50 past contacts and a promise hold", () => {
    const outcomes = ["NO_ANSWER", "BUSY", "VOICEMAIL", "RIGHT_PARTY_CONTACT", "DELIVERED"] as const;
    const history = Array.from({ length: 50 }, (_, i) =>
      contact(new Date(Date.parse("2026-06-02T13:00:00Z") + i * 4 * 3_600_000).toISOString(), outcomes[i % outcomes.length]!, { channel: i % 5 === 4 ? "SMS" : "CALL" }),
    );
    const s = situation("2026-06-11T02:00:00Z", { history, holds: [hold("PROMISE", "2026-06-01T00:00:00Z", "2026-06-12T13:00:00Z")] });
    // Four rules block here and the search steps three times: about the most a decision does
    // (its cost is measured by bench/outreach.ts, not here: timings belong in benchmarks).
    const d = decideContact(s);
    expect(d.blockedBy).toHaveLength(4);
    expect(d.nextAllowedAt!.getTime()).toBeGreaterThanOrEqual(Date.parse("2026-06-12T13:00:00Z"));
  });
});

describe("breachesOf", () => {
  it("flags an 8th call attempt, made at night, with each rule it broke", () => {
    const made = contact("2026-06-11T01:30:00Z", "VOICEMAIL"); // 21:30 EDT on 10 June
    const breaches = breachesOf(situation(AT, { history: sevenAttempts.slice(0, 6).concat(contact("2026-06-10T14:00:00Z", "NO_ANSWER")) }), made);
    expect(breaches.map((b) => [b.rule, b.limit, b.observed])).toEqual([
      ["CONTACT_HOURS", "08:00-21:00", "21:30 borrower's time"],
      ["CALL_ATTEMPTS_7_DAYS", "7 call attempts in 7 days", "8"],
    ]);
  });

  it("does not flag a busy 8th call inside hours, nor an inbound call", () => {
    const s = situation(AT, { history: sevenAttempts });
    expect(breachesOf(s, contact("2026-06-10T20:00:00Z", "BUSY"))).toEqual([]);
    expect(breachesOf(s, contact("2026-06-11T03:00:00Z", "RIGHT_PARTY_CONTACT", { direction: "INBOUND" }))).toEqual([]);
  });

  it("judges the contact's own channel and party, not the situation's", () => {
    const s = situation("2026-06-10T02:00:00Z", { timeZone: "Asia/Shanghai", jurisdiction: "CN_NIFA", channel: "SMS", party: "DEBTOR" });
    expect(breachesOf(s, contact("2026-06-10T02:00:00Z", "RIGHT_PARTY_CONTACT", { party: "THIRD_PARTY" })).map((b) => b.rule)).toEqual(["DEBTOR_ONLY"]);
  });
});
