import { describe, expect, it } from "vitest";
import { decideContact } from "../evaluate";
import { contact, situation } from "../fixtures";
import { blockedDayRule } from "./blocked-day";

/** A US lender that blocks Sundays (and, when asked, Saturdays and Christmas). */
const blocking = (at: string, weekdays: (1 | 2 | 3 | 4 | 5 | 6 | 7)[] = [7], dates: string[] = []) => {
  const s = situation(at);
  s.profile.parameters.blockedWeekdays = weekdays;
  s.profile.parameters.blockedDates = dates;
  return s;
};

describe("BLOCKED_DAY", () => {
  it("refuses a blocked Sunday until Monday begins, and the decision waits for Monday's hours", () => {
    // Sunday 14 June 2026, 14:00 EDT.
    const s = blocking("2026-06-14T18:00:00Z");
    expect(blockedDayRule.block(s)?.until?.toISOString()).toBe("2026-06-15T04:00:00.000Z");
    const d = decideContact(s);
    expect(d.blockedBy.map((b) => b.rule)).toEqual(["BLOCKED_DAY"]);
    expect(d.nextAllowedAt?.toISOString()).toBe("2026-06-15T12:00:00.000Z");
  });

  it("allows Saturday 20:59 and, from Saturday 21:00, looks past Sunday to Monday 08:00", () => {
    expect(decideContact(blocking("2026-06-14T00:59:00Z")).allowed).toBe(true);
    expect(decideContact(blocking("2026-06-14T01:00:00Z")).nextAllowedAt?.toISOString()).toBe("2026-06-15T12:00:00.000Z");
  });

  it("takes the local day: 23:30 EDT on Saturday is Sunday in UTC but not in New York", () => {
    const s = blocking("2026-06-14T03:30:00Z");
    expect(blockedDayRule.block(s)).toBeNull();
  });

  it("refuses a blocked date and skips a blocked weekend after it", () => {
    // Friday 25 December 2026 (EST), weekends blocked too: free on Monday the 28th.
    const s = blocking("2026-12-25T15:00:00Z", [6, 7], ["2026-12-25"]);
    expect(blockedDayRule.block(s)?.until?.toISOString()).toBe("2026-12-28T05:00:00.000Z");
    expect(decideContact(s).nextAllowedAt?.toISOString()).toBe("2026-12-28T13:00:00.000Z");
    expect(blockedDayRule.block(blocking("2026-12-24T15:00:00Z", [6, 7], ["2026-12-25"]))).toBeNull();
  });

  it("with every weekday blocked, nothing frees up by itself", () => {
    const d = decideContact(blocking("2026-06-14T18:00:00Z", [1, 2, 3, 4, 5, 6, 7]));
    expect(d.blockedBy[0]?.until).toBeNull();
    expect(d.nextAllowedAt).toBeNull();
  });

  it("is breached by an outbound contact on the blocked day only", () => {
    const s = blocking("2026-06-14T18:00:00Z");
    expect(blockedDayRule.breach(s, contact("2026-06-14T18:00:00Z", "DELIVERED", { channel: "SMS" }))).toMatchObject({
      rule: "BLOCKED_DAY",
      limit: "no contact on Sunday",
      observed: "Sunday 2026-06-14, borrower's time",
    });
    expect(blockedDayRule.breach(s, contact("2026-06-15T04:00:00Z", "DELIVERED", { channel: "SMS" }))).toBeNull();
    expect(blockedDayRule.breach(s, contact("2026-06-14T18:00:00Z", "RIGHT_PARTY_CONTACT", { direction: "INBOUND" }))).toBeNull();
  });
});
