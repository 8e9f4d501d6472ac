import { describe, expect, it } from "vitest";
import { NOTICE_RULES, noticeRulesFrom, stageInJurisdiction, tightenNoticeRules } from "./notice-rules";

/** The notice part of a contact profile: per-jurisdiction defaults, tightened only. */

describe("tightenNoticeRules", () => {
  it("keeps the jurisdiction's rules when nothing is asked, and adds prerequisites and lead days asked for", () => {
    expect(tightenNoticeRules("UK_FCA", null)).toEqual({ ok: true, rules: NOTICE_RULES.UK_FCA });
    const r = tightenNoticeRules("CN_NIFA", { legalWarningLeadDays: 30, requires: { LEGAL_WARNING: ["CREDIT_RECORD_CONSEQUENCE", "FIRST_REMINDER"] } });
    expect(r).toMatchObject({ ok: true, rules: { legalWarningLeadDays: 30, requires: { LEGAL_WARNING: ["FIRST_REMINDER", "CREDIT_RECORD_CONSEQUENCE"], GRACE_NOTICE: ["FIRST_REMINDER"] } } });
    // The table itself is not changed.
    expect(NOTICE_RULES.CN_NIFA.requires.LEGAL_WARNING).toEqual(["FIRST_REMINDER"]);
  });

  it("refuses loosening: dropping a jurisdiction's prerequisite, a shorter lead (14 allowed, 13 not), more than 365", () => {
    expect(tightenNoticeRules("US_REG_F", { requires: { LEGAL_WARNING: ["FIRST_REMINDER"] } })).toMatchObject({ ok: false, field: "requires.LEGAL_WARNING" });
    expect(tightenNoticeRules("US_REG_F", { legalWarningLeadDays: 14 }).ok).toBe(true);
    expect(tightenNoticeRules("US_REG_F", { legalWarningLeadDays: 13 })).toMatchObject({ ok: false, field: "legalWarningLeadDays" });
    expect(tightenNoticeRules("US_REG_F", { legalWarningLeadDays: 365 }).ok).toBe(true);
    expect(tightenNoticeRules("US_REG_F", { legalWarningLeadDays: 366 })).toMatchObject({ ok: false, field: "legalWarningLeadDays" });
    expect(tightenNoticeRules("US_REG_F", { legalWarningLeadDays: 14.5 })).toMatchObject({ ok: false });
  });

  it("refuses a stage requiring itself, a cycle, and a stage the jurisdiction does not have", () => {
    expect(tightenNoticeRules("UK_FCA", { requires: { FIRST_REMINDER: ["FIRST_REMINDER"] } })).toMatchObject({ ok: false, field: "requires.FIRST_REMINDER" });
    expect(tightenNoticeRules("UK_FCA", { requires: { FIRST_REMINDER: ["LEGAL_WARNING"] } })).toMatchObject({ ok: false, message: expect.stringContaining("through its prerequisites") });
    expect(tightenNoticeRules("UK_FCA", { requires: { GRACE_NOTICE: ["FIRST_REMINDER", "VALIDATION_NOTICE"] } })).toMatchObject({ ok: false, field: "requires.GRACE_NOTICE" });
    expect(tightenNoticeRules("US_REG_F", { requires: { GRACE_NOTICE: ["FIRST_REMINDER", "VALIDATION_NOTICE"] } }).ok).toBe(true);
  });
});

describe("noticeRulesFrom and stageInJurisdiction", () => {
  it("reads a profile stored before notice rules were kept as the jurisdiction's", () => {
    expect(noticeRulesFrom("US_REG_F", null)).toEqual(NOTICE_RULES.US_REG_F);
    expect(noticeRulesFrom("US_REG_F", { legalWarningLeadDays: 20 }).legalWarningLeadDays).toBe(20);
  });

  it("has the validation notice in US_REG_F only", () => {
    expect(stageInJurisdiction("VALIDATION_NOTICE", "US_REG_F")).toBe(true);
    expect(stageInJurisdiction("VALIDATION_NOTICE", "UK_FCA")).toBe(false);
    expect(stageInJurisdiction("VALIDATION_NOTICE", "CN_NIFA")).toBe(false);
    expect(stageInJurisdiction("LEGAL_WARNING", "CN_NIFA")).toBe(true);
  });
});
