import { describe, expect, it } from "vitest";
import { checkDueDate, endOfLocalDay, graceEndOf, zoneOfCase } from "./promise-dates";

describe("endOfLocalDay and graceEndOf", () => {
  it("end at the borrower's local midnight: 00:00Z in London in winter, 05:00Z in New York (EST), 16:00Z the day before in Shanghai", () => {
    expect(endOfLocalDay("2026-11-27", "Europe/London")).toEqual(new Date("2026-11-28T00:00:00Z"));
    expect(endOfLocalDay("2026-11-27", "America/New_York")).toEqual(new Date("2026-11-28T05:00:00Z"));
    expect(endOfLocalDay("2026-11-27", "Asia/Shanghai")).toEqual(new Date("2026-11-27T16:00:00Z"));
    expect(graceEndOf("2026-11-27", 3, "Europe/London")).toEqual(new Date("2026-12-01T00:00:00Z"));
    expect(graceEndOf("2026-11-27", 0, "Europe/London")).toEqual(endOfLocalDay("2026-11-27", "Europe/London"));
  });

  it("count local days across a clock change: due in EDT, grace ending in EST", () => {
    // New York leaves daylight time on Sunday 2026-11-01: the due date ends at 04:00Z, the grace at 05:00Z.
    expect(endOfLocalDay("2026-10-30", "America/New_York")).toEqual(new Date("2026-10-31T04:00:00Z"));
    expect(graceEndOf("2026-10-30", 3, "America/New_York")).toEqual(new Date("2026-11-03T05:00:00Z"));
  });
});

describe("checkDueDate", () => {
  // 03:00Z on 2026-11-24 is 22:00 on the 23rd in New York and 03:00 on the 24th in London.
  const at = new Date("2026-11-24T03:00:00Z");

  it("allows the contact's local day to 90 days after it, and refuses a day either side", () => {
    expect(() => checkDueDate("2026-11-23", at, "America/New_York")).not.toThrow();
    expect(() => checkDueDate("2026-11-22", at, "America/New_York")).toThrow(/before the contact's local day/);
    expect(() => checkDueDate("2026-11-23", at, "Europe/London")).toThrow(/before the contact's local day/);
    expect(() => checkDueDate("2027-02-21", at, "America/New_York")).not.toThrow();
    expect(() => checkDueDate("2027-02-22", at, "America/New_York")).toThrow(/at most 90 days/);
  });

  it("reads a case without a known zone in UTC", () => {
    expect(zoneOfCase({ timezone: null })).toBe("UTC");
    expect(zoneOfCase({ timezone: "Not/AZone" })).toBe("UTC");
    expect(zoneOfCase({ timezone: "Asia/Shanghai" })).toBe("Asia/Shanghai");
  });
});
