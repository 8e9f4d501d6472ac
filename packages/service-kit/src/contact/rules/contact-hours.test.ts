import { describe, expect, it } from "vitest";
import { decideContact } from "../evaluate";
import { contact, situation } from "../fixtures";
import { contactHoursRule } from "./contact-hours";

const decide = (at: string, over: Parameters<typeof situation>[1] = {}) => decideContact(situation(at, over));
const next = (at: string, over: Parameters<typeof situation>[1] = {}) => decide(at, over).nextAllowedAt?.toISOString();

describe("CONTACT_HOURS", () => {
  it("US: allows 20:59 and refuses 21:00 borrower time, next allowed at 08:00 the next morning", () => {
    // 10 June 2026, New York on EDT (UTC-4).
    expect(decide("2026-06-11T00:59:00Z").allowed).toBe(true);
    const late = decide("2026-06-11T01:00:00Z");
    expect(late.blockedBy.map((b) => b.rule)).toEqual(["CONTACT_HOURS"]);
    expect(late.nextAllowedAt?.toISOString()).toBe("2026-06-11T12:00:00.000Z");
  });

  it("US: refuses 07:59 and allows 08:00, next allowed the same morning", () => {
    expect(next("2026-06-10T11:59:00Z")).toBe("2026-06-10T12:00:00.000Z");
    expect(decide("2026-06-10T12:00:00Z").allowed).toBe(true);
  });

  it("US across the spring-forward day (America/New_York, 8 March 2026)", () => {
    // That evening is EDT: 20:59 is 00:59 UTC, 21:00 is 01:00 UTC on the 9th.
    expect(decide("2026-03-09T00:59:00Z").allowed).toBe(true);
    expect(decide("2026-03-09T01:00:00Z").allowed).toBe(false);
    expect(next("2026-03-09T01:00:00Z")).toBe("2026-03-09T12:00:00.000Z");
    // 01:30 EST that morning: hours open at 08:00 EDT (12:00 UTC), not seven hours of EST later.
    expect(next("2026-03-08T06:30:00Z")).toBe("2026-03-08T12:00:00.000Z");
    // 21:00 EST the evening before: the next morning's 08:00 is already EDT.
    expect(next("2026-03-08T02:00:00Z")).toBe("2026-03-08T12:00:00.000Z");
    expect(decide("2026-03-08T11:59:00Z").allowed).toBe(false);
    expect(decide("2026-03-08T12:00:00Z").allowed).toBe(true);
  });

  it("UK across the spring-forward day (Europe/London, 29 March 2026)", () => {
    const london = { timeZone: "Europe/London", jurisdiction: "UK_FCA" as const };
    // 00:30 GMT: hours open at 08:00 BST, 07:00 UTC.
    expect(next("2026-03-29T00:30:00Z", london)).toBe("2026-03-29T07:00:00.000Z");
    expect(decide("2026-03-29T06:59:00Z", london).allowed).toBe(false);
    expect(decide("2026-03-29T07:00:00Z", london).allowed).toBe(true);
    // 20:59 BST is 19:59 UTC; 21:00 BST is 20:00 UTC.
    expect(decide("2026-03-29T19:59:00Z", london).allowed).toBe(true);
    expect(next("2026-03-29T20:00:00Z", london)).toBe("2026-03-30T07:00:00.000Z");
    // 21:00 GMT the evening before.
    expect(next("2026-03-28T21:00:00Z", london)).toBe("2026-03-29T07:00:00.000Z");
  });

  it("CN: allows 21:59 and refuses 22:00 in Shanghai, next allowed at 08:00", () => {
    const cn = { timeZone: "Asia/Shanghai", jurisdiction: "CN_NIFA" as const };
    expect(decide("2026-06-10T13:59:00Z", cn).allowed).toBe(true);
    expect(decide("2026-06-10T14:00:00Z", cn).blockedBy.map((b) => b.rule)).toEqual(["CONTACT_HOURS"]);
    expect(next("2026-06-10T14:00:00Z", cn)).toBe("2026-06-11T00:00:00.000Z");
  });

  it("a lender's tighter hours apply", () => {
    const s = situation("2026-06-10T23:00:00Z"); // 19:00 EDT
    s.profile.parameters.hoursEndMinute = 19 * 60;
    expect(contactHoursRule.block(s)?.until?.toISOString()).toBe("2026-06-11T12:00:00.000Z");
    s.at = new Date("2026-06-10T22:59:00Z");
    expect(contactHoursRule.block(s)).toBeNull();
  });

  it("covers SMS and e-mail but not a letter", () => {
    expect(decide("2026-06-11T02:00:00Z", { channel: "SMS" }).allowed).toBe(false);
    expect(decide("2026-06-11T02:00:00Z", { channel: "EMAIL" }).allowed).toBe(false);
    expect(decide("2026-06-11T02:00:00Z", { channel: "LETTER" }).allowed).toBe(true);
  });

  it("is breached by an outbound contact at 21:00, not at 20:59, and never by an inbound one", () => {
    const s = situation("2026-06-11T01:00:00Z");
    expect(contactHoursRule.breach(s, contact("2026-06-11T01:00:00Z", "NO_ANSWER"))).toEqual({
      rule: "CONTACT_HOURS",
      message: expect.stringContaining("outside contact hours"),
      limit: "08:00-21:00",
      observed: "21:00 borrower's time",
    });
    expect(contactHoursRule.breach(s, contact("2026-06-11T00:59:59Z", "NO_ANSWER"))).toBeNull();
    expect(contactHoursRule.breach(s, contact("2026-06-11T03:00:00Z", "RIGHT_PARTY_CONTACT", { direction: "INBOUND" }))).toBeNull();
    expect(contactHoursRule.breach(s, contact("2026-06-11T03:00:00Z", "DELIVERED", { channel: "LETTER" }))).toBeNull();
  });
});
