import { describe, expect, it } from "vitest";
import { formatContactHours, insideContactHours, windowInsideContactHours } from "./contact-hours";

const at = (iso: string) => new Date(iso);
const inside = (from: string, until: string, zone: string) => windowInsideContactHours(at(from), at(until), zone);

describe("contact hours", () => {
  it("are 08:00-21:00", () => expect(formatContactHours()).toBe("08:00-21:00"));

  it("hold a window that starts at 08:00 or later and ends by 21:00 on one local day", () => {
    expect(inside("2026-11-26T08:00:00Z", "2026-11-26T21:00:00Z", "Europe/London")).toBe(true);
    expect(inside("2026-11-26T10:00:00Z", "2026-11-26T12:00:00Z", "Europe/London")).toBe(true);
    // 02:00-04:00 UTC is 10:00-12:00 in Shanghai.
    expect(inside("2026-11-26T02:00:00Z", "2026-11-26T04:00:00Z", "Asia/Shanghai")).toBe(true);
  });

  it("refuse a window at night, one that starts too early or ends too late, and one across midnight", () => {
    expect(inside("2026-11-26T02:00:00Z", "2026-11-26T03:00:00Z", "Europe/London")).toBe(false);
    expect(inside("2026-11-26T07:59:59Z", "2026-11-26T09:00:00Z", "Europe/London")).toBe(false);
    expect(inside("2026-11-26T20:00:00Z", "2026-11-26T21:00:00.001Z", "Europe/London")).toBe(false);
    expect(inside("2026-11-26T10:00:00Z", "2026-11-27T10:00:00Z", "Europe/London")).toBe(false);
    // 10:00-12:00 UTC is 18:00-20:00 in Shanghai: inside; 14:00-15:00 UTC is 22:00-23:00: not.
    expect(inside("2026-11-26T10:00:00Z", "2026-11-26T12:00:00Z", "Asia/Shanghai")).toBe(true);
    expect(inside("2026-11-26T14:00:00Z", "2026-11-26T15:00:00Z", "Asia/Shanghai")).toBe(false);
    expect(inside("2026-11-26T12:00:00Z", "2026-11-26T11:00:00Z", "Europe/London")).toBe(false);
  });

  it("follow the zone's summer time", () => {
    // 07:30 UTC in July is 08:30 in London (BST); in January it is 07:30.
    expect(inside("2026-07-01T07:30:00Z", "2026-07-01T08:30:00Z", "Europe/London")).toBe(true);
    expect(inside("2026-01-07T07:30:00Z", "2026-01-07T08:30:00Z", "Europe/London")).toBe(false);
    expect(insideContactHours(at("2026-07-01T19:30:00Z"), "Europe/London")).toBe(true);
    expect(insideContactHours(at("2026-07-01T20:30:00Z"), "Europe/London")).toBe(false);
  });
});
