import { zoneOf } from "../situation";
import type { Block, Breach, ContactRule, ContactSituation } from "../types";

/**
 * Without the borrower's zone no local hour or day can be known, so nothing may be decided in
 * their favour (Regulation F's comment 6(b)(1)(i)-2 asks for a time convenient everywhere the
 * borrower may be). The hour and day rules do not evaluate then; this one blocks.
 */
export const timeZoneUnknownRule: ContactRule = {
  name: "TIME_ZONE_UNKNOWN",
  description: "No contact while the borrower's time zone is not known (or is not a valid IANA zone): local hours and days cannot be checked.",

  block(s: ContactSituation): Block | null {
    if (zoneOf(s)) return null;
    const what = s.timeZone === null ? "not known" : `"${s.timeZone}", not a time zone`;
    return { rule: "TIME_ZONE_UNKNOWN", message: `The borrower's time zone is ${what}; local contact hours cannot be checked.`, until: null };
  },

  breach(s: ContactSituation, made): Breach | null {
    if (made.direction !== "OUTBOUND" || zoneOf(s)) return null;
    return {
      rule: "TIME_ZONE_UNKNOWN",
      message: `A ${made.channel} contact was made while the borrower's time zone was not known.`,
      limit: "the borrower's time zone known",
      observed: s.timeZone === null ? "unknown" : s.timeZone,
    };
  },
};
