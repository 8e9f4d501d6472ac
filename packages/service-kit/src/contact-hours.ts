/**
 * Contact hours: when a lender (or an agency acting for it) may reach a borrower, in the
 * borrower's own time zone. Every subgraph that contacts borrowers or schedules a contact holds
 * to the same hours, so they live here.
 */

/** Local hours of the day, `from` inclusive, `until` exclusive. */
export interface ContactHours {
  /** First hour of the day contact may begin. */
  from: number;
  /** Hour of the day by which contact has ended. */
  until: number;
}

/** Contact hours in the borrower's own time zone: from 08:00 until 21:00 (every lender's, for now). */
export const CONTACT_HOURS: ContactHours = { from: 8, until: 21 };

/** `08:00-21:00`, for messages. */
export const formatContactHours = (h: ContactHours = CONTACT_HOURS): string =>
  `${String(h.from).padStart(2, "0")}:00-${String(h.until).padStart(2, "0")}:00`;

/** The local calendar date (YYYY-MM-DD) and milliseconds since local midnight of `at` in `timeZone`. */
function localClock(at: Date, timeZone: string): { date: string; ms: number } {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat("en-CA", { timeZone, year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", second: "2-digit", hourCycle: "h23" })
      .formatToParts(at)
      .map((p) => [p.type, p.value]),
  );
  const ms = ((Number(parts.hour) * 60 + Number(parts.minute)) * 60 + Number(parts.second)) * 1000 + at.getUTCMilliseconds();
  return { date: `${parts.year}-${parts.month}-${parts.day}`, ms };
}

/** The local hour (0-23) of `at` in the IANA zone `timeZone`. */
export function localHour(at: Date, timeZone: string): number {
  return Math.floor(localClock(at, timeZone).ms / 3_600_000);
}

/** Whether `at` falls inside contact hours in `timeZone`. */
export function insideContactHours(at: Date, timeZone: string, hours: ContactHours = CONTACT_HOURS): boolean {
  const h = localHour(at, timeZone);
  return h >= hours.from && h < hours.until;
}

/**
 * Whether the whole window `[start, end)` sits inside one day's contact hours in `timeZone`:
 * it begins at or after `from` and ends by `until` on the same local day.
 */
export function windowInsideContactHours(start: Date, end: Date, timeZone: string, hours: ContactHours = CONTACT_HOURS): boolean {
  const a = localClock(start, timeZone);
  const b = localClock(end, timeZone);
  return end.getTime() > start.getTime() && a.date === b.date && a.ms >= hours.from * 3_600_000 && b.ms <= hours.until * 3_600_000;
}

/** Whether `timeZone` is an IANA zone this runtime knows. */
export function isTimeZone(timeZone: string): boolean {
  try {
    new Intl.DateTimeFormat("en-GB", { timeZone });
    return true;
  } catch {
    return false;
  }
}
