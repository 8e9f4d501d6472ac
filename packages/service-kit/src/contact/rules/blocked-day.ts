import { addDays, isoWeekdayOf, localDateOf, startOfLocalDay } from "../local-time";
import { formatParameterValue, weekdayName } from "../profiles";
import { zoneOf } from "../situation";
import type { Block, Breach, ContactParameters, ContactRule, ContactSituation } from "../types";

const isBlocked = (date: string, p: ContactParameters): boolean => p.blockedDates.includes(date) || p.blockedWeekdays.includes(isoWeekdayOf(date));

/** `Sunday 2026-03-08` */
const dayInWords = (date: string): string => `${weekdayName(isoWeekdayOf(date))} ${date}`;

const limitOf = (p: ContactParameters): string => {
  const parts = [p.blockedWeekdays.length ? formatParameterValue("blockedWeekdays", p.blockedWeekdays) : "", p.blockedDates.join(", ")].filter(Boolean);
  return `no contact on ${parts.join("; ")}`;
};

/** No contact on a blocked local weekday or date (a holiday, or Sunday where the lender says so). */
export const blockedDayRule: ContactRule = {
  name: "BLOCKED_DAY",
  description: "No contact on the profile's blocked weekdays or dates, by the borrower's local calendar.",

  block(s: ContactSituation): Block | null {
    const zone = zoneOf(s);
    if (!zone) return null;
    const p = s.profile.parameters;
    const today = localDateOf(s.at, zone);
    if (!isBlocked(today, p)) return null;
    // A year of blocked days (every weekday blocked) means no day frees up by itself.
    let next: string | null = null;
    for (let d = addDays(today, 1), i = 0; i < 366; d = addDays(d, 1), i++) {
      if (!isBlocked(d, p)) {
        next = d;
        break;
      }
    }
    return {
      rule: "BLOCKED_DAY",
      message: `No contact on ${dayInWords(today)}, a blocked day in the borrower's time zone.`,
      until: next === null ? null : startOfLocalDay(next, zone),
    };
  },

  breach(s: ContactSituation, made): Breach | null {
    const zone = zoneOf(s);
    if (made.direction !== "OUTBOUND" || !zone) return null;
    const date = localDateOf(made.occurredAt, zone);
    if (!isBlocked(date, s.profile.parameters)) return null;
    return {
      rule: "BLOCKED_DAY",
      message: `A ${made.channel} contact was made on ${dayInWords(date)}, a blocked day.`,
      limit: limitOf(s.profile.parameters),
      observed: `${dayInWords(date)}, borrower's time`,
    };
  },
};
