import { describe, expect, it } from "vitest";
import { addDays, formatMinute, isKnownTimeZone, isoWeekdayOf, localDateOf, localMinuteOf, zonedInstant } from "./local-time";

const NY = "America/New_York";
const LONDON = "Europe/London";
const iso = (d: Date) => d.toISOString();

describe("local time", () => {
  it("reads the local date and minute in the zone, not in UTC", () => {
    // 00:59 UTC on 9 March is 20:59 EDT on 8 March, the evening clocks went forward.
    expect(localDateOf(new Date("2026-03-09T00:59:00Z"), NY)).toBe("2026-03-08");
    expect(localMinuteOf(new Date("2026-03-09T00:59:59Z"), NY)).toBe(20 * 60 + 59);
    expect(localMinuteOf(new Date("2026-03-09T01:00:00Z"), NY)).toBe(21 * 60);
    // Midnight is minute 0, not 24:00.
    expect(localMinuteOf(new Date("2026-03-29T00:00:00Z"), LONDON)).toBe(0);
    expect(localDateOf(new Date("2026-03-29T23:30:00Z"), LONDON)).toBe("2026-03-30");
  });

  it("agrees with Intl minute by minute through days the clocks change, and in odd offsets", () => {
    const cases: [string, string][] = [
      [NY, "2026-03-08T00:00:00Z"],
      [NY, "2026-11-01T00:00:00Z"],
      [LONDON, "2026-03-29T00:00:00Z"],
      ["Australia/Lord_Howe", "2026-10-03T00:00:00Z"],
      ["Asia/Kathmandu", "2026-06-10T00:00:00Z"],
    ];
    for (const [zone, from] of cases) {
      const f = new Intl.DateTimeFormat("en-CA", { timeZone: zone, year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", hourCycle: "h23" });
      for (let t = Date.parse(from); t < Date.parse(from) + 2 * 86_400_000; t += 7 * 60_000 + 1_234) {
        const p = Object.fromEntries(f.formatToParts(new Date(t)).map((x) => [x.type, x.value]));
        const at = new Date(t);
        expect([localDateOf(at, zone), localMinuteOf(at, zone)]).toEqual([`${p.year}-${p.month}-${p.day}`, (Number(p.hour) % 24) * 60 + Number(p.minute)]);
      }
    }
  });

  it("numbers weekdays Monday 1 to Sunday 7", () => {
    expect(isoWeekdayOf("2026-03-08")).toBe(7);
    expect(isoWeekdayOf("2026-03-09")).toBe(1);
    expect(isoWeekdayOf("2026-03-14")).toBe(6);
  });

  it("adds days across month and year ends", () => {
    expect(addDays("2026-02-28", 1)).toBe("2026-03-01");
    expect(addDays("2026-12-31", 1)).toBe("2027-01-01");
    expect(addDays("2026-03-08", -6)).toBe("2026-03-02");
  });

  it("knows zones and refuses made-up ones", () => {
    expect(isKnownTimeZone(NY)).toBe(true);
    expect(isKnownTimeZone("Mars/Olympus_Mons")).toBe(false);
    expect(isKnownTimeZone(null)).toBe(false);
    expect(isKnownTimeZone("")).toBe(false);
  });

  it("formats minutes as HH:MM", () => {
    expect(formatMinute(480)).toBe("08:00");
    expect(formatMinute(1259)).toBe("20:59");
    expect(formatMinute(1440)).toBe("24:00");
  });

  describe("zonedInstant", () => {
    it("gives the instant of an ordinary wall time, on either side of a change", () => {
      expect(iso(zonedInstant("2026-03-07", 480, NY))).toBe("2026-03-07T13:00:00.000Z"); // EST
      expect(iso(zonedInstant("2026-03-08", 480, NY))).toBe("2026-03-08T12:00:00.000Z"); // EDT
      expect(iso(zonedInstant("2026-03-08", 0, NY))).toBe("2026-03-08T05:00:00.000Z");
      expect(iso(zonedInstant("2026-03-08", 1440, NY))).toBe("2026-03-09T04:00:00.000Z");
      expect(iso(zonedInstant("2026-03-29", 480, LONDON))).toBe("2026-03-29T07:00:00.000Z"); // BST
      expect(iso(zonedInstant("2026-03-28", 480, LONDON))).toBe("2026-03-28T08:00:00.000Z"); // GMT
    });

    it("moves a wall time in the spring-forward gap to the first instant after it", () => {
      // New York skips 02:00-03:00 EST -> EDT at 07:00 UTC.
      expect(iso(zonedInstant("2026-03-08", 150, NY))).toBe("2026-03-08T07:00:00.000Z");
      expect(iso(zonedInstant("2026-03-08", 120, NY))).toBe("2026-03-08T07:00:00.000Z");
      expect(iso(zonedInstant("2026-03-08", 119, NY))).toBe("2026-03-08T06:59:00.000Z");
      expect(iso(zonedInstant("2026-03-08", 180, NY))).toBe("2026-03-08T07:00:00.000Z");
      // London skips 01:00-02:00 GMT -> BST at 01:00 UTC.
      expect(iso(zonedInstant("2026-03-29", 90, LONDON))).toBe("2026-03-29T01:00:00.000Z");
      expect(iso(zonedInstant("2026-03-29", 120, LONDON))).toBe("2026-03-29T01:00:00.000Z");
    });

    it("takes the earlier of a wall time that happens twice when clocks go back", () => {
      // New York repeats 01:00-02:00 on 1 November: EDT first (05:30 UTC), then EST (06:30 UTC).
      expect(iso(zonedInstant("2026-11-01", 90, NY))).toBe("2026-11-01T05:30:00.000Z");
      expect(iso(zonedInstant("2026-11-01", 120, NY))).toBe("2026-11-01T07:00:00.000Z");
      // London repeats 01:00-02:00 on 25 October: BST first (00:30 UTC).
      expect(iso(zonedInstant("2026-10-25", 90, LONDON))).toBe("2026-10-25T00:30:00.000Z");
    });

    it("reads back as the wall time asked for", () => {
      for (const zone of [NY, LONDON, "Asia/Shanghai", "Australia/Lord_Howe", "Asia/Kathmandu"]) {
        for (const minute of [0, 480, 1259, 1320]) {
          const t = zonedInstant("2026-10-04", minute, zone);
          expect([localDateOf(t, zone), localMinuteOf(t, zone)]).toEqual(["2026-10-04", minute]);
        }
      }
    });
  });
});
