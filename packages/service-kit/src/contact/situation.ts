/** What several rules read of a situation: its zone if known, the contacts before it, local days. */
import { addDays, isKnownTimeZone, localDateOf, startOfLocalDay } from "./local-time";
import type { ContactSituation, PastContact } from "./types";

/** The borrower's zone when it is a zone this runtime knows; null otherwise (TIME_ZONE_UNKNOWN's case). */
export const zoneOf = (s: Pick<ContactSituation, "timeZone">): string | null => (isKnownTimeZone(s.timeZone) ? s.timeZone : null);

/** Whether `c` is a contact about the situation's own case (debt). */
export const sameDebt = (s: Pick<ContactSituation, "caseId">, c: PastContact): boolean => !s.caseId || !c.caseId || c.caseId === s.caseId;

/** The contacts a decision at `s.at` counts: those that happened before it. */
export const contactsBefore = (s: Pick<ContactSituation, "at" | "history">): PastContact[] => {
  const t = s.at.getTime();
  return s.history.filter((c) => c.occurredAt.getTime() < t);
};

// A decision reads each past contact's local day once per counting rule and per step of the
// next-allowed search; the history objects stay the same throughout, so the day is kept on them.
const days = new WeakMap<PastContact, { zone: string; ms: number; date: string }>();

/** The local date (YYYY-MM-DD) `contact` happened on in `zone`. */
export function localDayOf(contact: PastContact, zone: string): string {
  const ms = contact.occurredAt.getTime();
  const hit = days.get(contact);
  if (hit && hit.zone === zone && hit.ms === ms) return hit.date;
  const date = localDateOf(contact.occurredAt, zone);
  days.set(contact, { zone, ms, date });
  return date;
}

/** How many of `contacts` match `which` and fall on local dates `from`..`to` (inclusive) in `zone`. */
export function countOnDays(contacts: readonly PastContact[], which: (c: PastContact) => boolean, zone: string, from: string, to: string): number {
  let n = 0;
  for (const c of contacts) {
    if (!which(c)) continue;
    const d = localDayOf(c, zone);
    if (d >= from && d <= to) n++;
  }
  return n;
}

/** The instant the local day after `localDate` begins. */
export const startOfNextDay = (localDate: string, zone: string): Date => startOfLocalDay(addDays(localDate, 1), zone);
