import { addDays, badInput, daysBetween, isKnownTimeZone, localDateOf, startOfLocalDay, type CaseEntry } from "@concord/service-kit";

/** The latest due date a promise may have: this many local days after the contact's. */
export const MAX_PROMISE_DAYS = 90;

/** The borrower's zone for a case's promises: the directory's, UTC while it is unknown. */
export const zoneOfCase = (entry: Pick<CaseEntry, "timezone">): string => (isKnownTimeZone(entry.timezone) ? entry.timezone : "UTC");

/** The instant the local day after `date` begins in `zone`: the end of `date`, exclusive. */
export const endOfLocalDay = (date: string, zone: string): Date => startOfLocalDay(addDays(date, 1), zone);

/** The end of the due date plus `graceDays` local days in `zone` (exclusive): payments before it keep the promise, at it a pending one breaks. */
export const graceEndOf = (dueDate: string, graceDays: number, zone: string): Date => endOfLocalDay(addDays(dueDate, graceDays), zone);

/** Refuses (BAD_USER_INPUT) a due date before the contact's local day in `zone` or more than 90 local days after it. */
export function checkDueDate(dueDate: string, occurredAt: Date, zone: string): void {
  const day = localDateOf(occurredAt, zone);
  const ahead = daysBetween(day, dueDate);
  if (ahead < 0) throw badInput(`promise.dueDate may not be before the contact's local day (${day} in ${zone})`, "promise.dueDate");
  if (ahead > MAX_PROMISE_DAYS) throw badInput(`promise.dueDate is at most ${MAX_PROMISE_DAYS} days after the contact's local day (${addDays(day, MAX_PROMISE_DAYS)})`, "promise.dueDate");
}
