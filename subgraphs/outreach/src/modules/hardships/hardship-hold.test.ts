import { describe, expect, it } from "vitest";
import { approvedHold, DEFAULT_HOLD_DAYS, plusDays } from "./hardship-hold";
import { HardshipKind } from "./hardship.type";

const NOW = new Date("2026-11-24T16:00:00Z");

describe("approvedHold", () => {
  it("holds for the days the lender grants, 60 when it does not say", () => {
    expect(approvedHold(HardshipKind.JOB_LOSS, "US_REG_F", 30, NOW)).toEqual({ kind: "HARDSHIP", endsAt: plusDays(NOW, 30) });
    expect(approvedHold(HardshipKind.JOB_LOSS, "US_REG_F", null, NOW).endsAt).toEqual(plusDays(NOW, DEFAULT_HOLD_DAYS));
  });

  it("allows 365 days outside UK_FCA and refuses 366 or none", () => {
    expect(approvedHold(HardshipKind.BEREAVEMENT, "CN_NIFA", 365, NOW).endsAt).toEqual(plusDays(NOW, 365));
    expect(() => approvedHold(HardshipKind.BEREAVEMENT, "CN_NIFA", 366, NOW)).toThrow(/holdDays/);
    expect(() => approvedHold(HardshipKind.BEREAVEMENT, "CN_NIFA", 0, NOW)).toThrow(/holdDays/);
    expect(approvedHold(HardshipKind.BEREAVEMENT, "CN_NIFA", 1, NOW).endsAt).toEqual(plusDays(NOW, 1));
  });

  it("is breathing space under UK_FCA: at most 60 days, 61 refused", () => {
    expect(approvedHold(HardshipKind.JOB_LOSS, "UK_FCA", 60, NOW)).toEqual({ kind: "BREATHING_SPACE", endsAt: plusDays(NOW, 60) });
    expect(() => approvedHold(HardshipKind.JOB_LOSS, "UK_FCA", 61, NOW)).toThrow(/holdDays/);
  });

  it("is open-ended for a mental-health crisis, and for no other kind", () => {
    expect(approvedHold(HardshipKind.MENTAL_HEALTH_CRISIS, "UK_FCA", null, NOW)).toEqual({ kind: "BREATHING_SPACE", endsAt: null });
    expect(approvedHold(HardshipKind.SERIOUS_ILLNESS, "UK_FCA", null, NOW).endsAt).toEqual(plusDays(NOW, 60));
  });
});
