import { addDays, isKnownTimeZone, isoWeekdayOf, localDateOf, startOfLocalDay, type Jurisdiction } from "@concord/service-kit";

/** UK_FCA (DISP 1.5): a summary resolution by the end of the third business day after the day of receipt. */
export const UK_SUMMARY_BUSINESS_DAYS = 3;
/** UK_FCA (DISP 1.6.2R): a final response within 8 weeks of receipt. */
export const UK_FINAL_DAYS = 56;
/** US_REG_F (CFPB complaint portal): a first response within 15 days, the final one within 60. */
export const US_FIRST_DAYS = 15;
export const US_FINAL_DAYS = 60;
/** CN_NIFA (NFRA complaint measures): one deadline, 15 days, 30 for a complaint the lender marks complex. */
export const CN_DAYS = 15;
export const CN_COMPLEX_DAYS = 30;

/**
 * The two deadlines of a complaint, each the instant it passes: a response strictly before it is
 * in time, one at it or later is late. Every deadline is the end of a local calendar day in the
 * borrower's zone, so it is stored as the first instant of the next local day.
 */
export interface ComplaintDeadlines {
  /** The first response (UK_FCA: the summary resolution); null where the profile has one deadline only (CN_NIFA). */
  firstResponseDueAt: Date | null;
  /** The final response. */
  finalResponseDueAt: Date;
}

/** The zone deadlines are counted in: the borrower's when known, else UTC. */
export const deadlineZone = (timezone: string | null | undefined): string => (isKnownTimeZone(timezone) ? timezone : "UTC");

/** The instant local `date` ends in `zone` (the first instant of the next local day). */
const endOfLocalDay = (date: string, zone: string): Date => startOfLocalDay(addDays(date, 1), zone);

/**
 * The `n`th business day (Monday to Friday) after local `date`; the day itself never counts,
 * whatever day it is. Bank holidays are not modelled.
 */
export function businessDaysAfter(date: string, n: number): string {
  let d = date;
  for (let counted = 0; counted < n; ) {
    d = addDays(d, 1);
    if (isoWeekdayOf(d) <= 5) counted++;
  }
  return d;
}

/**
 * A complaint's deadlines under the lender's `jurisdiction`, from the instant it was received,
 * counted in `zone` (an IANA zone; see {@link deadlineZone}):
 * - UK_FCA: the summary resolution by the end of the 3rd business day after the day of receipt
 *   (Monday to Friday; bank holidays not modelled), the final response by the end of the day
 *   8 weeks (56 days) after it;
 * - US_REG_F: the first response by the end of the 15th day after the day of receipt, the final
 *   by the end of the 60th;
 * - CN_NIFA: one deadline, the end of the 15th day after (the 30th for a complex complaint).
 */
export function complaintDeadlines(jurisdiction: Jurisdiction, receivedAt: Date, zone: string, complex: boolean): ComplaintDeadlines {
  const received = localDateOf(receivedAt, zone);
  const dayEnd = (days: number) => endOfLocalDay(addDays(received, days), zone);
  switch (jurisdiction) {
    case "UK_FCA":
      return { firstResponseDueAt: endOfLocalDay(businessDaysAfter(received, UK_SUMMARY_BUSINESS_DAYS), zone), finalResponseDueAt: dayEnd(UK_FINAL_DAYS) };
    case "US_REG_F":
      return { firstResponseDueAt: dayEnd(US_FIRST_DAYS), finalResponseDueAt: dayEnd(US_FINAL_DAYS) };
    case "CN_NIFA":
      return { firstResponseDueAt: null, finalResponseDueAt: dayEnd(complex ? CN_COMPLEX_DAYS : CN_DAYS) };
  }
}
