import { describe, expect, it } from "vitest";
import { decideContact } from "../evaluate";
import { contact, situation } from "../fixtures";
import type { Outcome } from "../types";
import { unansweredCallsRule } from "./unanswered-calls";

const cn = { timeZone: "Asia/Shanghai", jurisdiction: "CN_NIFA" as const };
// Unanswered calls on 10 June 2026 from 09:00 Shanghai time, ten minutes apart; asked at 12:00.
const OUTCOMES: Outcome[] = ["NO_ANSWER", "VOICEMAIL", "BUSY", "NO_ANSWER", "VOICEMAIL", "BUSY"];
const unanswered = (n: number, contactPoint = "phone") =>
  OUTCOMES.slice(0, n).map((o, i) => contact(new Date(Date.parse("2026-06-10T01:00:00Z") + i * 600_000).toISOString(), o, { contactPoint }));
const AT = "2026-06-10T04:00:00Z";

describe("UNANSWERED_CALLS_PER_DAY", () => {
  it("allows the 6th unanswered call to a number and refuses the 7th until the next morning", () => {
    expect(decideContact(situation(AT, { ...cn, history: unanswered(5) })).allowed).toBe(true);
    const s = situation(AT, { ...cn, history: unanswered(6) });
    const d = decideContact(s);
    expect(d.blockedBy.map((b) => b.rule)).toEqual(["UNANSWERED_CALLS_PER_DAY"]);
    expect(d.counters.unansweredCallsToday).toBe(6);
    expect(unansweredCallsRule.block(s)?.until?.toISOString()).toBe("2026-06-10T16:00:00.000Z");
    expect(d.nextAllowedAt?.toISOString()).toBe("2026-06-11T00:00:00.000Z");
  });

  it("counts per contact point: another number may still be called", () => {
    const d = decideContact(situation(AT, { ...cn, contactPoint: "work-phone", history: unanswered(6) }));
    expect(d.allowed).toBe(true);
    expect(d.counters.unansweredCallsToday).toBe(0);
  });

  it("is breached by a 7th unanswered call to the number, not by a 7th that connected or a 6th", () => {
    const s = situation(AT, { ...cn, history: unanswered(6) });
    expect(unansweredCallsRule.breach(s, contact(AT, "BUSY"))).toMatchObject({
      rule: "UNANSWERED_CALLS_PER_DAY",
      limit: "6 unanswered calls per number per day",
      observed: "7",
    });
    expect(unansweredCallsRule.breach(s, contact(AT, "RIGHT_PARTY_CONTACT"))).toBeNull();
    expect(unansweredCallsRule.breach(s, contact(AT, "NO_ANSWER", { contactPoint: "work-phone" }))).toBeNull();
    expect(unansweredCallsRule.breach(situation(AT, { ...cn, history: unanswered(5) }), contact(AT, "NO_ANSWER"))).toBeNull();
  });
});
