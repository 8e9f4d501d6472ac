/**
 * The jurisdiction profiles: each contact parameter's default, with the text it comes from
 * (research/contact-rules.md), and the one way a lender may change them, tightening.
 */
import { isIsoDate } from "../clock";
import { formatMinute } from "./local-time";
import type { ContactParameters, ContactProfile, IsoWeekday, Jurisdiction } from "./types";

/** A profile's defaults and, per parameter, the rule it comes from. */
export interface JurisdictionProfile {
  parameters: ContactParameters;
  sources: Partial<Record<keyof ContactParameters, string>>;
}

const REG_F_HOURS = "12 CFR 1006.6(b)(1)(i)";
const REG_F_FREQUENCY = "12 CFR 1006.14(b)(2); what counts as a call: comment 14(b)-1, 12 CFR 1006.14(b)(3)";
const NIFA = "NIFA 互联网金融贷后催收业务指引 (2024); GB/T 45251-2025 (secondary sources)";

/** Every jurisdiction's contact parameters and their sources. */
export const CONTACT_PROFILES: Record<Jurisdiction, JurisdictionProfile> = {
  US_REG_F: {
    parameters: {
      hoursStartMinute: 480,
      hoursEndMinute: 1260,
      blockedWeekdays: [],
      blockedDates: [],
      maxCallAttemptsPer7Days: 7,
      quietDaysAfterConversation: 7,
      maxConnectedCallsPerDay: null,
      maxUnansweredCallsPerDay: null,
      debtorOnly: false,
      flagVulnerable: false,
    },
    sources: {
      hoursStartMinute: REG_F_HOURS,
      hoursEndMinute: REG_F_HOURS,
      maxCallAttemptsPer7Days: REG_F_FREQUENCY,
      quietDaysAfterConversation: "12 CFR 1006.14(b)(2) (conversation day = day 1)",
    },
  },
  CN_NIFA: {
    parameters: {
      hoursStartMinute: 480,
      hoursEndMinute: 1320,
      blockedWeekdays: [],
      blockedDates: [],
      maxCallAttemptsPer7Days: null,
      quietDaysAfterConversation: null,
      maxConnectedCallsPerDay: 3,
      maxUnansweredCallsPerDay: 6,
      debtorOnly: true,
      flagVulnerable: false,
    },
    sources: {
      hoursStartMinute: NIFA,
      hoursEndMinute: NIFA,
      maxConnectedCallsPerDay: NIFA,
      maxUnansweredCallsPerDay: "China Banking Association guideline 2026-01-30 (secondary sources)",
      debtorOnly: "GB/T 45251-2025 (secondary sources)",
    },
  },
  UK_FCA: {
    parameters: {
      hoursStartMinute: 480,
      hoursEndMinute: 1260,
      blockedWeekdays: [],
      blockedDates: [],
      maxCallAttemptsPer7Days: null,
      quietDaysAfterConversation: null,
      maxConnectedCallsPerDay: null,
      maxUnansweredCallsPerDay: null,
      debtorOnly: false,
      flagVulnerable: true,
    },
    sources: {
      hoursStartMinute: "FCA CONC 7.9 (no numeric rule; 08:00-21:00 is the customary window, MCOB 13.5)",
      hoursEndMinute: "FCA CONC 7.9 (no numeric rule; 08:00-21:00 is the customary window, MCOB 13.5)",
      flagVulnerable: "FCA CONC 7.2, FG21/1",
    },
  },
};

/** The profile of a lender that chose none: DESIGN's default contact rules are Regulation F's. */
export const DEFAULT_JURISDICTION: Jurisdiction = "US_REG_F";

/** A jurisdiction's profile as it stands, untightened (a copy: callers may not alter the table). */
export function profileOf(jurisdiction: Jurisdiction): ContactProfile {
  return { jurisdiction, parameters: copyParameters(CONTACT_PROFILES[jurisdiction].parameters) };
}

const copyParameters = (p: ContactParameters): ContactParameters => ({ ...p, blockedWeekdays: [...p.blockedWeekdays], blockedDates: [...p.blockedDates] });

const PARAMETER_WORDS: Record<keyof ContactParameters, string> = {
  hoursStartMinute: "contact hours begin",
  hoursEndMinute: "contact hours end",
  blockedWeekdays: "weekdays with no contact",
  blockedDates: "dates with no contact",
  maxCallAttemptsPer7Days: "most call attempts in 7 days",
  quietDaysAfterConversation: "days without calls after a conversation (its day is day 1)",
  maxConnectedCallsPerDay: "most connected calls to the debtor per day",
  maxUnansweredCallsPerDay: "most unanswered calls to one number per day",
  debtorOnly: "contact with the debtor only",
  flagVulnerable: "borrowers flagged vulnerable are shown as such",
};

const WEEKDAY_NAMES = ["", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"] as const;

/** The weekday's English name (7: "Sunday"). */
export const weekdayName = (d: IsoWeekday): string => WEEKDAY_NAMES[d];

/** `08:00-21:00`: a profile's contact hours, for messages and limits. */
export const formatHours = (p: Pick<ContactParameters, "hoursStartMinute" | "hoursEndMinute">): string =>
  `${formatMinute(p.hoursStartMinute)}-${formatMinute(p.hoursEndMinute)}`;

/** A parameter's value in words: `21:00`, `Sunday, Saturday`, `7`, `none`, `yes`. */
export function formatParameterValue<K extends keyof ContactParameters>(name: K, value: ContactParameters[K]): string {
  if (name === "hoursStartMinute" || name === "hoursEndMinute") return formatMinute(value as number);
  if (name === "blockedWeekdays") return (value as IsoWeekday[]).length ? (value as IsoWeekday[]).map(weekdayName).join(", ") : "none";
  if (name === "blockedDates") return (value as string[]).length ? (value as string[]).join(", ") : "none";
  if (typeof value === "boolean") return value ? "yes" : "no";
  return value === null ? "none" : String(value);
}

/** `most call attempts in 7 days: 7 (12 CFR 1006.14(b)(2); ...)`: one parameter of a profile, for documents and screens. */
export function describeParameter(profile: ContactProfile, name: keyof ContactParameters): string {
  const source = CONTACT_PROFILES[profile.jurisdiction].sources[name];
  return `${PARAMETER_WORDS[name]}: ${formatParameterValue(name, profile.parameters[name])}${source ? ` (${source})` : ""}`;
}

/** Why tightenProfile refused: the parameter, the profile's limit in words, and a message. */
export interface TighteningRefusal {
  ok: false;
  parameter: keyof ContactParameters;
  limit: string;
  message: string;
}

const CAPS = ["maxCallAttemptsPer7Days", "maxConnectedCallsPerDay", "maxUnansweredCallsPerDay"] as const;

/**
 * A lender's profile: `jurisdiction`'s parameters with `overrides` applied, each of which may
 * only tighten (later start, earlier end, more blocked days, lower caps, longer quiet periods,
 * protections kept on). Lists are given whole and must keep every entry of the profile's.
 * The first override that loosens the profile, or makes no sense, is refused with its name;
 * so is a key that is no parameter (a misspelt override must not pass for a tightening).
 */
export function tightenProfile(
  jurisdiction: Jurisdiction,
  overrides: Partial<ContactParameters>,
): { ok: true; profile: ContactProfile } | TighteningRefusal {
  const base = CONTACT_PROFILES[jurisdiction].parameters;
  const p = copyParameters(base);
  const refuse = (parameter: keyof ContactParameters, limit: string, message: string): TighteningRefusal => ({ ok: false, parameter, limit, message });

  for (const key of Object.keys(overrides)) {
    if (!Object.hasOwn(PARAMETER_WORDS, key)) return refuse(key as keyof ContactParameters, "", `${key} is not a contact parameter`);
  }

  for (const name of ["hoursStartMinute", "hoursEndMinute"] as const) {
    const v = overrides[name];
    if (v === undefined) continue;
    if (!Number.isInteger(v) || v < 0 || v > 1440) return refuse(name, "0..1440", `${name} must be a whole minute of the day, 0..1440`);
    const limit = formatMinute(base[name]);
    if (name === "hoursStartMinute" && v < base[name]) return refuse(name, limit, `${name} may not be earlier than ${jurisdiction}'s ${limit}`);
    if (name === "hoursEndMinute" && v > base[name]) return refuse(name, limit, `${name} may not be later than ${jurisdiction}'s ${limit}`);
    p[name] = v;
  }
  if (p.hoursStartMinute >= p.hoursEndMinute) {
    const name = overrides.hoursStartMinute !== undefined ? "hoursStartMinute" : "hoursEndMinute";
    return refuse(name, formatHours(p), `hoursStartMinute (${formatMinute(p.hoursStartMinute)}) must be before hoursEndMinute (${formatMinute(p.hoursEndMinute)})`);
  }

  if (overrides.blockedWeekdays !== undefined) {
    const days = overrides.blockedWeekdays;
    if (!Array.isArray(days) || days.some((d) => !Number.isInteger(d) || d < 1 || d > 7)) {
      return refuse("blockedWeekdays", "1..7", "blockedWeekdays must be ISO weekdays, 1 (Monday) .. 7 (Sunday)");
    }
    const missing = base.blockedWeekdays.filter((d) => !days.includes(d));
    if (missing.length) {
      const limit = formatParameterValue("blockedWeekdays", base.blockedWeekdays);
      return refuse("blockedWeekdays", limit, `blockedWeekdays must keep ${jurisdiction}'s ${limit}`);
    }
    p.blockedWeekdays = [...new Set(days)].sort((a, b) => a - b);
  }

  if (overrides.blockedDates !== undefined) {
    const dates = overrides.blockedDates;
    if (!Array.isArray(dates) || dates.some((d) => typeof d !== "string" || !isIsoDate(d))) {
      return refuse("blockedDates", "YYYY-MM-DD", "blockedDates must be dates written YYYY-MM-DD");
    }
    const missing = base.blockedDates.filter((d) => !dates.includes(d));
    if (missing.length) {
      const limit = formatParameterValue("blockedDates", base.blockedDates);
      return refuse("blockedDates", limit, `blockedDates must keep ${jurisdiction}'s ${limit}`);
    }
    p.blockedDates = [...new Set(dates)].sort();
  }

  for (const name of [...CAPS, "quietDaysAfterConversation"] as const) {
    const v = overrides[name];
    if (v === undefined) continue;
    if (v !== null && (!Number.isInteger(v) || v < 0)) return refuse(name, "a whole number, 0 or more", `${name} must be a whole number, 0 or more`);
    const b = base[name];
    if (b !== null) {
      const limit = String(b);
      if (v === null) return refuse(name, limit, `${name} may not be removed: ${jurisdiction} sets ${limit}`);
      // A quiet period tightens by lasting longer; a cap by being lower.
      if (name === "quietDaysAfterConversation" && v < b) return refuse(name, limit, `${name} may not be shorter than ${jurisdiction}'s ${limit}`);
      if (name !== "quietDaysAfterConversation" && v > b) return refuse(name, limit, `${name} may not exceed ${jurisdiction}'s ${limit}`);
    }
    p[name] = v;
  }

  for (const name of ["debtorOnly", "flagVulnerable"] as const) {
    const v = overrides[name];
    if (v === undefined) continue;
    if (typeof v !== "boolean") return refuse(name, "true or false", `${name} must be true or false`);
    if (base[name] && !v) return refuse(name, "yes", `${name} may not be turned off: ${jurisdiction} requires it`);
    p[name] = v;
  }

  return { ok: true, profile: { jurisdiction, parameters: p } };
}
