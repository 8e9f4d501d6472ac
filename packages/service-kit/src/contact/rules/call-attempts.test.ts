import { describe, expect, it } from "vitest";
import { decideContact } from "../evaluate";
import { profileOf } from "../profiles";
import { contact, situation } from "../fixtures";
import type { Outcome, PastContact } from "../types";
import { callAttemptsRule } from "./call-attempts";

/** One outbound call at 10:00 EDT on each of the June 2026 `days`. */
const callsOn = (days: number[], outcome: Outcome = "NO_ANSWER"): PastContact[] =>
  days.map((d) => contact(`2026-06-${String(d).padStart(2, "0")}T14:00:00Z`, outcome));

// Sunday 7 June 2026, 15:00 EDT.
const SUNDAY_AFTERNOON = "2026-06-07T19:00:00Z";

describe("CALL_ATTEMPTS_7_DAYS", () => {
  it("with a cap of 0 (a lender that allows no calls) refuses every call, and nothing but a profile change lifts it", () => {
    const profile = profileOf("US_REG_F");
    profile.parameters.maxCallAttemptsPer7Days = 0;
    const d = decideContact(situation(SUNDAY_AFTERNOON, { profile }));
    expect(d.blockedBy).toEqual([{ rule: "CALL_ATTEMPTS_7_DAYS", message: "The lender's profile allows no call attempts.", until: null }]);
    expect(d.nextAllowedAt).toBeNull();
    expect(decideContact(situation(SUNDAY_AFTERNOON, { profile, channel: "SMS" })).allowed).toBe(true);
  });

  it("counts the attempts of the situation's own case (debt) only", () => {
    const other = callsOn([1, 2, 3, 4, 5, 6, 7]).map((c) => ({ ...c, caseId: "other-case" }));
    expect(decideContact(situation(SUNDAY_AFTERNOON, { caseId: "this-case", history: other })).allowed).toBe(true);
    expect(decideContact(situation(SUNDAY_AFTERNOON, { caseId: "other-case", history: other })).allowed).toBe(false);
  });

  it("allows the 7th attempt in 7 days and refuses the 8th", () => {
    expect(decideContact(situation(SUNDAY_AFTERNOON, { history: callsOn([1, 2, 3, 4, 5, 6]) })).allowed).toBe(true);
    const d = decideContact(situation(SUNDAY_AFTERNOON, { history: callsOn([1, 2, 3, 4, 5, 6, 7]) }));
    expect(d.blockedBy.map((b) => b.rule)).toEqual(["CALL_ATTEMPTS_7_DAYS"]);
    expect(d.counters.callAttemptsInWindow).toBe(7);
  });

  it("frees up on the first local day whose 7-day window holds fewer than 7", () => {
    const s = situation(SUNDAY_AFTERNOON, { history: callsOn([1, 2, 3, 4, 5, 6, 7]) });
    // 1 June leaves the window on 8 June: free from 00:00 EDT, callable from 08:00.
    expect(callAttemptsRule.block(s)?.until?.toISOString()).toBe("2026-06-08T04:00:00.000Z");
    expect(decideContact(s).nextAllowedAt?.toISOString()).toBe("2026-06-08T12:00:00.000Z");
  });

  it("counts the day of `at` and the 6 before it: calls of 1 June count on the 7th, not on the 8th", () => {
    const seven = callsOn([1, 1, 1, 1, 1, 1, 1]);
    expect(decideContact(situation("2026-06-08T03:59:00Z", { history: seven })).blockedBy.map((b) => b.rule)).toContain("CALL_ATTEMPTS_7_DAYS");
    expect(decideContact(situation("2026-06-08T12:00:00Z", { history: seven })).allowed).toBe(true);
  });

  it("waits as many days as it takes for enough attempts to age out", () => {
    // 1 on 1 June and 7 on 2 June: the window of 8 June still holds 7; 9 June holds none.
    const s = situation("2026-06-03T14:00:00Z", { history: [...callsOn([1]), ...callsOn([2, 2, 2, 2, 2, 2, 2])] });
    expect(callAttemptsRule.block(s)?.until?.toISOString()).toBe("2026-06-09T04:00:00.000Z");
  });

  it("does not count busy lines, dead numbers, failed dials, texts, inbound calls or calls after `at`", () => {
    const history = [
      ...callsOn([1, 2, 3, 4, 5, 6]),
      ...callsOn([7], "BUSY"),
      ...callsOn([7], "NOT_IN_SERVICE"),
      ...callsOn([7], "FAILED"),
      contact("2026-06-07T14:00:00Z", "DELIVERED", { channel: "SMS" }),
      contact("2026-06-07T14:00:00Z", "RIGHT_PARTY_CONTACT", { direction: "INBOUND", party: "THIRD_PARTY" }),
      contact("2026-06-07T20:00:00Z", "NO_ANSWER"),
    ];
    const d = decideContact(situation(SUNDAY_AFTERNOON, { history }));
    expect(d.allowed).toBe(true);
    expect(d.counters.callAttemptsInWindow).toBe(6);
  });

  it("counts voicemail and wrong numbers as attempts", () => {
    const history = [...callsOn([1, 2, 3], "VOICEMAIL"), ...callsOn([4, 5], "WRONG_NUMBER"), ...callsOn([6, 7], "CALLBACK_REQUESTED")];
    expect(callAttemptsRule.block(situation(SUNDAY_AFTERNOON, { history }))).not.toBeNull();
  });

  it("does not hold back an SMS", () => {
    expect(callAttemptsRule.block(situation(SUNDAY_AFTERNOON, { channel: "SMS", history: callsOn([1, 2, 3, 4, 5, 6, 7]) }))).toBeNull();
  });

  it("is breached by an 8th attempt, not by a 7th, a busy 8th call or an inbound one", () => {
    const s = situation(SUNDAY_AFTERNOON, { history: callsOn([1, 2, 3, 4, 5, 6, 7]) });
    expect(callAttemptsRule.breach(s, contact(SUNDAY_AFTERNOON, "NO_ANSWER"))).toMatchObject({
      rule: "CALL_ATTEMPTS_7_DAYS",
      limit: "7 call attempts in 7 days",
      observed: "8",
    });
    expect(callAttemptsRule.breach(s, contact(SUNDAY_AFTERNOON, "BUSY"))).toBeNull();
    expect(callAttemptsRule.breach(s, contact(SUNDAY_AFTERNOON, "RIGHT_PARTY_CONTACT", { direction: "INBOUND" }))).toBeNull();
    const six = situation(SUNDAY_AFTERNOON, { history: callsOn([1, 2, 3, 4, 5, 6]) });
    expect(callAttemptsRule.breach(six, contact(SUNDAY_AFTERNOON, "NO_ANSWER"))).toBeNull();
  });
});
