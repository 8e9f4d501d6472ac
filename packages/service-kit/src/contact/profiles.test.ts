import { describe, expect, it } from "vitest";
import { CONTACT_PROFILES, DEFAULT_JURISDICTION, describeParameter, formatHours, profileOf, tightenProfile } from "./profiles";
import type { ContactParameters, IsoWeekday, Jurisdiction } from "./types";

const refusal = (j: Jurisdiction, o: Partial<ContactParameters>) => {
  const r = tightenProfile(j, o);
  if (r.ok) throw new Error(`expected a refusal of ${JSON.stringify(o)}`);
  return r;
};
const accepted = (j: Jurisdiction, o: Partial<ContactParameters>): ContactParameters => {
  const r = tightenProfile(j, o);
  if (!r.ok) throw new Error(r.message);
  return r.profile.parameters;
};

describe("jurisdiction profiles", () => {
  it("hold each jurisdiction's defaults with their sources", () => {
    expect(formatHours(CONTACT_PROFILES.US_REG_F.parameters)).toBe("08:00-21:00");
    expect(formatHours(CONTACT_PROFILES.CN_NIFA.parameters)).toBe("08:00-22:00");
    expect(formatHours(CONTACT_PROFILES.UK_FCA.parameters)).toBe("08:00-21:00");
    expect(CONTACT_PROFILES.US_REG_F.sources.hoursEndMinute).toBe("12 CFR 1006.6(b)(1)(i)");
    expect(CONTACT_PROFILES.US_REG_F.parameters.maxCallAttemptsPer7Days).toBe(7);
    expect(CONTACT_PROFILES.CN_NIFA.parameters.debtorOnly).toBe(true);
    expect(CONTACT_PROFILES.UK_FCA.parameters.flagVulnerable).toBe(true);
    expect(DEFAULT_JURISDICTION).toBe("US_REG_F");
    // Every parameter a profile sets to something has a source to check it against.
    for (const { parameters, sources } of Object.values(CONTACT_PROFILES)) {
      for (const [k, v] of Object.entries(parameters)) {
        if (v !== null && v !== false && !(Array.isArray(v) && v.length === 0)) expect(sources[k as keyof ContactParameters], k).toBeTruthy();
      }
    }
  });

  it("describe a parameter with its value and source", () => {
    expect(describeParameter(profileOf("US_REG_F"), "hoursEndMinute")).toBe("contact hours end: 21:00 (12 CFR 1006.6(b)(1)(i))");
  });

  it("give copies: changing a profile does not change the table", () => {
    const p = profileOf("US_REG_F");
    p.parameters.blockedWeekdays.push(7);
    expect(CONTACT_PROFILES.US_REG_F.parameters.blockedWeekdays).toEqual([]);
  });
});

describe("tightenProfile", () => {
  it("keeps the profile as it is without overrides", () => {
    expect(accepted("CN_NIFA", {})).toEqual(CONTACT_PROFILES.CN_NIFA.parameters);
  });

  it("hours: a later start and an earlier end are accepted; earlier, later, or start not before end are refused", () => {
    expect(accepted("US_REG_F", { hoursStartMinute: 480, hoursEndMinute: 1260 })).toMatchObject({ hoursStartMinute: 480, hoursEndMinute: 1260 });
    expect(accepted("US_REG_F", { hoursStartMinute: 540, hoursEndMinute: 1200 })).toMatchObject({ hoursStartMinute: 540, hoursEndMinute: 1200 });
    expect(refusal("US_REG_F", { hoursStartMinute: 479 })).toMatchObject({ parameter: "hoursStartMinute", limit: "08:00", message: "hoursStartMinute may not be earlier than US_REG_F's 08:00" });
    expect(refusal("US_REG_F", { hoursEndMinute: 1261 })).toMatchObject({ parameter: "hoursEndMinute", limit: "21:00" });
    expect(accepted("CN_NIFA", { hoursEndMinute: 1320 }).hoursEndMinute).toBe(1320);
    expect(refusal("CN_NIFA", { hoursEndMinute: 1321 }).message).toBe("hoursEndMinute may not be later than CN_NIFA's 22:00");
    expect(refusal("US_REG_F", { hoursStartMinute: 1260 }).parameter).toBe("hoursStartMinute");
    expect(refusal("US_REG_F", { hoursStartMinute: 600, hoursEndMinute: 600 }).message).toMatch(/must be before hoursEndMinute/);
    expect(accepted("US_REG_F", { hoursStartMinute: 600, hoursEndMinute: 601 }).hoursEndMinute).toBe(601);
  });

  it("hours: minutes outside the day are refused", () => {
    expect(refusal("US_REG_F", { hoursStartMinute: -1 }).parameter).toBe("hoursStartMinute");
    expect(refusal("US_REG_F", { hoursEndMinute: 1441 }).parameter).toBe("hoursEndMinute");
    expect(refusal("US_REG_F", { hoursStartMinute: 500.5 }).parameter).toBe("hoursStartMinute");
  });

  it("blocked weekdays: more days are accepted; days outside 1..7 are refused", () => {
    expect(accepted("US_REG_F", { blockedWeekdays: [7, 6, 7] }).blockedWeekdays).toEqual([6, 7]);
    expect(refusal("US_REG_F", { blockedWeekdays: [0 as IsoWeekday] }).parameter).toBe("blockedWeekdays");
    expect(refusal("US_REG_F", { blockedWeekdays: [8 as IsoWeekday] }).parameter).toBe("blockedWeekdays");
  });

  it("blocked weekdays and dates: a lender's list must keep the profile's", () => {
    // No profile blocks days today; a profile that does keeps them (checked on a stand-in).
    const base = CONTACT_PROFILES.UK_FCA.parameters;
    const saved = { w: base.blockedWeekdays, d: base.blockedDates };
    base.blockedWeekdays = [7];
    base.blockedDates = ["2026-12-25"];
    try {
      expect(accepted("UK_FCA", { blockedWeekdays: [6, 7], blockedDates: ["2026-12-26", "2026-12-25"] })).toMatchObject({
        blockedWeekdays: [6, 7],
        blockedDates: ["2026-12-25", "2026-12-26"],
      });
      expect(refusal("UK_FCA", { blockedWeekdays: [6] })).toMatchObject({ parameter: "blockedWeekdays", message: "blockedWeekdays must keep UK_FCA's Sunday" });
      expect(refusal("UK_FCA", { blockedDates: ["2026-12-26"] })).toMatchObject({ parameter: "blockedDates", limit: "2026-12-25" });
    } finally {
      base.blockedWeekdays = saved.w;
      base.blockedDates = saved.d;
    }
  });

  it("blocked dates: real YYYY-MM-DD dates are accepted; anything else is refused", () => {
    expect(accepted("US_REG_F", { blockedDates: ["2026-12-25"] }).blockedDates).toEqual(["2026-12-25"]);
    expect(refusal("US_REG_F", { blockedDates: ["2026-02-30"] }).parameter).toBe("blockedDates");
    expect(refusal("US_REG_F", { blockedDates: ["25/12/2026"] }).parameter).toBe("blockedDates");
  });

  it("caps: equal or lower is accepted; higher or removed is refused", () => {
    expect(accepted("US_REG_F", { maxCallAttemptsPer7Days: 7 }).maxCallAttemptsPer7Days).toBe(7);
    expect(accepted("US_REG_F", { maxCallAttemptsPer7Days: 5 }).maxCallAttemptsPer7Days).toBe(5);
    expect(refusal("US_REG_F", { maxCallAttemptsPer7Days: 8 })).toEqual({
      ok: false,
      parameter: "maxCallAttemptsPer7Days",
      limit: "7",
      message: "maxCallAttemptsPer7Days may not exceed US_REG_F's 7",
    });
    expect(refusal("US_REG_F", { maxCallAttemptsPer7Days: null }).message).toMatch(/may not be removed/);
    expect(accepted("CN_NIFA", { maxConnectedCallsPerDay: 3, maxUnansweredCallsPerDay: 6 })).toMatchObject({ maxConnectedCallsPerDay: 3, maxUnansweredCallsPerDay: 6 });
    expect(refusal("CN_NIFA", { maxConnectedCallsPerDay: 4 }).parameter).toBe("maxConnectedCallsPerDay");
    expect(refusal("CN_NIFA", { maxUnansweredCallsPerDay: 7 }).parameter).toBe("maxUnansweredCallsPerDay");
  });

  it("caps: any cap where the profile has none is accepted, and so is none; a negative or fractional cap is refused", () => {
    expect(accepted("UK_FCA", { maxCallAttemptsPer7Days: 20, maxConnectedCallsPerDay: 0 })).toMatchObject({ maxCallAttemptsPer7Days: 20, maxConnectedCallsPerDay: 0 });
    expect(accepted("UK_FCA", { maxUnansweredCallsPerDay: null }).maxUnansweredCallsPerDay).toBeNull();
    expect(refusal("UK_FCA", { maxCallAttemptsPer7Days: -1 }).parameter).toBe("maxCallAttemptsPer7Days");
    expect(refusal("UK_FCA", { maxConnectedCallsPerDay: 1.5 }).parameter).toBe("maxConnectedCallsPerDay");
  });

  it("quiet days: as long or longer is accepted; shorter or removed is refused", () => {
    expect(accepted("US_REG_F", { quietDaysAfterConversation: 7 }).quietDaysAfterConversation).toBe(7);
    expect(accepted("US_REG_F", { quietDaysAfterConversation: 10 }).quietDaysAfterConversation).toBe(10);
    expect(refusal("US_REG_F", { quietDaysAfterConversation: 6 })).toMatchObject({ parameter: "quietDaysAfterConversation", message: "quietDaysAfterConversation may not be shorter than US_REG_F's 7" });
    expect(refusal("US_REG_F", { quietDaysAfterConversation: null }).parameter).toBe("quietDaysAfterConversation");
    expect(accepted("CN_NIFA", { quietDaysAfterConversation: 2 }).quietDaysAfterConversation).toBe(2);
    expect(refusal("CN_NIFA", { quietDaysAfterConversation: -2 }).parameter).toBe("quietDaysAfterConversation");
  });

  it("protections: turning one on is accepted; turning off one the profile has on is refused", () => {
    expect(accepted("US_REG_F", { debtorOnly: true, flagVulnerable: true })).toMatchObject({ debtorOnly: true, flagVulnerable: true });
    expect(accepted("CN_NIFA", { debtorOnly: true }).debtorOnly).toBe(true);
    expect(refusal("CN_NIFA", { debtorOnly: false }).message).toBe("debtorOnly may not be turned off: CN_NIFA requires it");
    expect(refusal("UK_FCA", { flagVulnerable: false }).parameter).toBe("flagVulnerable");
    expect(accepted("US_REG_F", { flagVulnerable: false }).flagVulnerable).toBe(false);
  });

  it("refuses a key that is no parameter rather than ignoring it", () => {
    expect(refusal("US_REG_F", { maxCallsPerDay: 3 } as unknown as Partial<ContactParameters>).message).toBe("maxCallsPerDay is not a contact parameter");
    expect(refusal("US_REG_F", { toString: 3 } as unknown as Partial<ContactParameters>).parameter).toBe("toString");
  });
});
