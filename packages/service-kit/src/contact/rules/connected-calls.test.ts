import { describe, expect, it } from "vitest";
import { profileOf } from "../profiles";
import { decideContact } from "../evaluate";
import { contact, situation } from "../fixtures";
import { connectedCallsRule } from "./connected-calls";

const cn = { timeZone: "Asia/Shanghai", jurisdiction: "CN_NIFA" as const };
// 10 June 2026 in Shanghai (UTC+8): calls at 10:00, 11:00, 12:00; asked at 13:00.
const connected = [
  contact("2026-06-10T02:00:00Z", "RIGHT_PARTY_CONTACT"),
  contact("2026-06-10T03:00:00Z", "PROMISE_TO_PAY"),
  contact("2026-06-10T04:00:00Z", "REFUSED"),
];
const AT = "2026-06-10T05:00:00Z";

describe("CONNECTED_CALLS_PER_DAY", () => {
  it("with a cap of 0 refuses every call to the debtor, with no next allowed time (and without searching a year for one)", () => {
    const profile = profileOf("CN_NIFA");
    profile.parameters.maxConnectedCallsPerDay = 0;
    const d = decideContact(situation("2026-06-10T04:00:00Z", { profile, timeZone: "Asia/Shanghai" }));
    expect(d.blockedBy.map((b) => [b.rule, b.until])).toEqual([["CONNECTED_CALLS_PER_DAY", null]]);
    expect(d.nextAllowedAt).toBeNull();
  });

  it("allows the 3rd connected call of the day and refuses the 4th until the next morning", () => {
    expect(decideContact(situation(AT, { ...cn, history: connected.slice(0, 2) })).allowed).toBe(true);
    const s = situation(AT, { ...cn, history: connected });
    const d = decideContact(s);
    expect(d.blockedBy.map((b) => b.rule)).toEqual(["CONNECTED_CALLS_PER_DAY"]);
    expect(d.counters.connectedCallsToday).toBe(3);
    expect(connectedCallsRule.block(s)?.until?.toISOString()).toBe("2026-06-10T16:00:00.000Z");
    expect(d.nextAllowedAt?.toISOString()).toBe("2026-06-11T00:00:00.000Z");
  });

  it("does not count unanswered calls, voicemail, busy lines, inbound calls or yesterday's calls", () => {
    const history = [
      ...connected.slice(0, 2),
      contact("2026-06-10T04:10:00Z", "NO_ANSWER"),
      contact("2026-06-10T04:20:00Z", "VOICEMAIL"),
      contact("2026-06-10T04:30:00Z", "BUSY"),
      contact("2026-06-10T04:40:00Z", "RIGHT_PARTY_CONTACT", { direction: "INBOUND" }),
      contact("2026-06-09T15:59:00Z", "RIGHT_PARTY_CONTACT"), // 23:59 on 9 June
    ];
    const d = decideContact(situation(AT, { ...cn, history }));
    expect(d.allowed).toBe(true);
    expect(d.counters.connectedCallsToday).toBe(2);
  });

  it("is breached by a 4th connected call, not by a 4th call nobody answered or a 3rd connected one", () => {
    const s = situation(AT, { ...cn, history: connected });
    expect(connectedCallsRule.breach(s, contact(AT, "PROMISE_TO_PAY"))).toMatchObject({
      rule: "CONNECTED_CALLS_PER_DAY",
      limit: "3 connected calls per day",
      observed: "4",
    });
    expect(connectedCallsRule.breach(s, contact(AT, "NO_ANSWER"))).toBeNull();
    expect(connectedCallsRule.breach(situation(AT, { ...cn, history: connected.slice(0, 2) }), contact(AT, "PROMISE_TO_PAY"))).toBeNull();
  });
});
