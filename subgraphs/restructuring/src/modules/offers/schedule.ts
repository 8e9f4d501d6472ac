import { addDays, badInput } from "@concord/service-kit";

/**
 * The exact schedule an offer produces: pure arithmetic on integer minor units and local
 * calendar dates, no clock and no database. Every total split across instalments puts the
 * remainder on the last instalment (as Apache Fineract does), so the instalments always sum to
 * the total exactly; monthly dates roll by calendar month from the first due date's day, a day
 * the month lacks (the 31st, the 29th of February) becoming the month's last day.
 */

export type Frequency = "WEEKLY" | "BIWEEKLY" | "MONTHLY";
export type OfferKindName = "INSTALLMENT_PLAN" | "INTEREST_WAIVER" | "TERM_EXTENSION" | "SETTLEMENT" | "PAYMENT_HOLIDAY";

/** The terms a proposer sets; which apply depends on `kind` (see scheduleOffer). */
export interface OfferTerms {
  kind: OfferKindName;
  instalments?: number | null;
  frequency?: Frequency | null;
  /** Local date (YYYY-MM-DD) in the lender's time zone. */
  firstDueDate?: string | null;
  waivedInterestMinor?: bigint | null;
  waivedInterestBps?: number | null;
  extraMonths?: number | null;
  discountBps?: number | null;
  months?: number | null;
  interestAccrues?: boolean | null;
}

/** What the offer is made on: the case's money as the loans subgraph last told it. */
export interface CaseFigures {
  /** Everything still owed on the loan, overdue or not. */
  outstandingMinor: bigint;
  overdueMinor: bigint;
  currency: string;
  annualRateBps: number;
  /** Unpaid installments left on the loan's own schedule. */
  remainingInstalments: number;
  /** The next unpaid installment's due date (null when none is left). */
  nextDueDate: string | null;
}

export interface ScheduledPayment {
  sequence: number;
  dueDate: string;
  amountMinor: bigint;
}

export interface OfferSchedule {
  schedule: ScheduledPayment[];
  /** What the borrower pays under the offer: the schedule's sum, exactly. */
  totalPayableMinor: bigint;
  /** What the lender gives up: a discount or a waiver (never negative). */
  totalForgivenMinor: bigint;
}

/** The most instalments an offer may have (ten years of monthly payments). */
export const MAX_INSTALMENTS = 120;
/** The furthest a first due date may be from today. */
export const MAX_FIRST_DUE_DAYS = 365;
export const MAX_EXTRA_MONTHS = 60;
export const MAX_HOLIDAY_MONTHS = 12;

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const pad = (n: number, w = 2) => String(n).padStart(w, "0");
const daysInMonth = (y: number, m: number) => new Date(Date.UTC(y, m, 0)).getUTCDate();

/** Whether `d` is a real calendar date written YYYY-MM-DD. */
export function isLocalDate(d: string): boolean {
  const m = DATE.exec(d);
  if (!m) return false;
  const [y, mo, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  return mo >= 1 && mo <= 12 && day >= 1 && day <= daysInMonth(y, mo);
}

/**
 * `date` plus `months` calendar months, keeping its day of the month where the month has it and
 * the month's last day where it does not (Jan 31 + 1 month = Feb 28 or 29).
 */
export function addMonths(date: string, months: number): string {
  const m = DATE.exec(date);
  if (!m) throw new Error(`not a local date: ${date}`);
  const total = Number(m[1]) * 12 + (Number(m[2]) - 1) + months;
  const [y, mo] = [Math.floor(total / 12), (total % 12) + 1];
  return `${pad(y, 4)}-${pad(mo)}-${pad(Math.min(Number(m[3]), daysInMonth(y, mo)))}`;
}

/**
 * The `count` due dates from `anchor`: every 7 or 14 days, or every calendar month on `anchor`'s
 * day (so a 31st is the last day of the shorter months and the 31st again after them), the first
 * `skipMonths` months after `anchor`.
 */
export function dueDates(anchor: string, count: number, frequency: Frequency, skipMonths = 0): string[] {
  return Array.from({ length: count }, (_, i) =>
    frequency === "MONTHLY" ? addMonths(anchor, skipMonths + i) : addDays(anchor, i * (frequency === "WEEKLY" ? 7 : 14)),
  );
}

/**
 * `total` split into `count` instalments: each the total divided by the count, rounded down, and
 * the remainder on the last, so they sum to `total` exactly. With fewer minor units than
 * instalments the first ones are 0 and the last carries the total.
 */
export function splitEvenly(total: bigint, count: number): bigint[] {
  if (!Number.isInteger(count) || count < 1) throw new Error(`count must be a positive integer: ${count}`);
  if (total < 0n) throw new Error(`total must not be negative: ${total}`);
  const each = total / BigInt(count);
  return Array.from({ length: count }, (_, i) => (i === count - 1 ? total - each * BigInt(count - 1) : each));
}

/** `amount` × `bps` / 10,000, rounded down (what a discount or a waiver in basis points takes off). */
export const basisPointsOf = (amount: bigint, bps: number): bigint => (amount * BigInt(bps)) / 10_000n;

const wholeNumber = (v: number | null | undefined, field: string, min: number, max: number): number => {
  if (v == null) throw badInput(`${field} is required for this kind of offer`, field);
  if (!Number.isInteger(v) || v < min || v > max) throw badInput(`${field} is a whole number from ${min} to ${max}`, field);
  return v;
};

const firstDueDateOf = (terms: OfferTerms, today: string): string => {
  const d = terms.firstDueDate;
  if (d == null) throw badInput("firstDueDate is required for this kind of offer", "firstDueDate");
  if (!isLocalDate(d)) throw badInput("firstDueDate is a calendar date, YYYY-MM-DD", "firstDueDate");
  if (d < today) throw badInput("firstDueDate must not be in the past (the lender's local date)", "firstDueDate");
  if (d > addDays(today, MAX_FIRST_DUE_DAYS)) throw badInput(`firstDueDate is at most ${MAX_FIRST_DUE_DAYS} days ahead`, "firstDueDate");
  return d;
};

/**
 * The loan's own remaining schedule, which a term extension or a payment holiday reshapes: how
 * many installments are left, and the monthly anchor it resumes on: `firstDueDate` when given,
 * else the loan's next unpaid due date, moved on by whole months to today or later (a past-due
 * installment is not due again in the past).
 */
const remainingOf = (terms: OfferTerms, figures: CaseFigures, today: string, kind: string): { count: number; anchor: string; skip: number } => {
  if (figures.remainingInstalments < 1) throw badInput(`A ${kind} needs installments left on the loan's schedule, and this loan has none`, "kind");
  if (terms.firstDueDate != null) return { count: figures.remainingInstalments, anchor: firstDueDateOf(terms, today), skip: 0 };
  // Every installment left is overdue (a matured loan): there is no day of the month to resume on.
  if (!figures.nextDueDate) throw badInput(`Every installment left on this loan is overdue: give the ${kind} a firstDueDate`, "firstDueDate");
  let skip = 0;
  while (addMonths(figures.nextDueDate, skip) < today) skip++;
  return { count: figures.remainingInstalments, anchor: figures.nextDueDate, skip };
};

const scheduleOf = (total: bigint, anchor: string, count: number, frequency: Frequency, skipMonths = 0): ScheduledPayment[] => {
  const dates = dueDates(anchor, count, frequency, skipMonths);
  return splitEvenly(total, count).map((amountMinor, i) => ({ sequence: i + 1, dueDate: dates[i]!, amountMinor }));
};

const offer = (schedule: ScheduledPayment[], forgiven: bigint): OfferSchedule => ({
  schedule,
  totalPayableMinor: schedule.reduce((s, p) => s + p.amountMinor, 0n),
  totalForgivenMinor: forgiven,
});

/**
 * The schedule `terms` produce on a case with `figures`, `today` being the lender's local date:
 *
 * - INSTALLMENT_PLAN: the outstanding balance in `instalments` (1 to 120) every `frequency`
 *   (default MONTHLY) from `firstDueDate`; nothing forgiven.
 * - INTEREST_WAIVER: `waivedInterestMinor`, or `waivedInterestBps` of the outstanding balance
 *   (exactly one of them; the loans subgraph does not split interest from principal, so the
 *   waiver is stated against the balance), is forgiven; the rest is paid as an INSTALLMENT_PLAN
 *   (`instalments` default 1: one payment on `firstDueDate`). It must leave something to pay.
 * - TERM_EXTENSION: the outstanding balance over the loan's remaining installments plus
 *   `extraMonths` (1 to 60), monthly from `firstDueDate`, or by default on the day of the month
 *   of the loan's next unpaid installment, from today on; no interest is added.
 * - SETTLEMENT: `discountBps` (1 to 9,999) off the outstanding balance, rounded down, forgiven;
 *   the rest in one sum on `firstDueDate` or in at most `instalments`.
 * - PAYMENT_HOLIDAY: nothing due for `months` (1 to 12), then the remaining installments resume,
 *   monthly, `months` after where they would have been due (as TERM_EXTENSION finds it). Interest does not accrue over the holiday unless
 *   `interestAccrues`, when simple interest at the loan's rate for those months (rounded down)
 *   is added to what is paid.
 *
 * Terms that do not fit the kind or the case are BAD_USER_INPUT naming the field.
 */
export function scheduleOffer(terms: OfferTerms, figures: CaseFigures, today: string): OfferSchedule {
  const outstanding = figures.outstandingMinor;
  if (outstanding <= 0n) throw badInput("Nothing is outstanding on this case: there is nothing to restructure", "caseId");
  const frequency: Frequency = terms.frequency ?? "MONTHLY";
  switch (terms.kind) {
    case "INSTALLMENT_PLAN": {
      const count = wholeNumber(terms.instalments, "instalments", 1, MAX_INSTALMENTS);
      return offer(scheduleOf(outstanding, firstDueDateOf(terms, today), count, frequency), 0n);
    }
    case "INTEREST_WAIVER": {
      const [minor, bps] = [terms.waivedInterestMinor, terms.waivedInterestBps];
      if ((minor == null) === (bps == null)) throw badInput("Give exactly one of waivedInterestMinor and waivedInterestBps", "waivedInterestMinor");
      let waived: bigint;
      if (minor != null) {
        if (minor < 1n) throw badInput("waivedInterestMinor is at least 1", "waivedInterestMinor");
        waived = minor;
      } else {
        waived = basisPointsOf(outstanding, wholeNumber(bps, "waivedInterestBps", 1, 9_999));
        if (waived < 1n) throw badInput("waivedInterestBps waives less than one minor unit of this balance", "waivedInterestBps");
      }
      if (waived >= outstanding) throw badInput("A waiver must leave something to pay; a waiver of everything is a write-off", "waivedInterestMinor");
      const count = terms.instalments == null ? 1 : wholeNumber(terms.instalments, "instalments", 1, MAX_INSTALMENTS);
      return offer(scheduleOf(outstanding - waived, firstDueDateOf(terms, today), count, frequency), waived);
    }
    case "TERM_EXTENSION": {
      const extra = wholeNumber(terms.extraMonths, "extraMonths", 1, MAX_EXTRA_MONTHS);
      const { count, anchor, skip } = remainingOf(terms, figures, today, "term extension");
      return offer(scheduleOf(outstanding, anchor, count + extra, "MONTHLY", skip), 0n);
    }
    case "SETTLEMENT": {
      const bps = wholeNumber(terms.discountBps, "discountBps", 1, 9_999);
      const forgiven = basisPointsOf(outstanding, bps);
      const count = terms.instalments == null ? 1 : wholeNumber(terms.instalments, "instalments", 1, MAX_INSTALMENTS);
      return offer(scheduleOf(outstanding - forgiven, firstDueDateOf(terms, today), count, frequency), forgiven);
    }
    case "PAYMENT_HOLIDAY": {
      const months = wholeNumber(terms.months, "months", 1, MAX_HOLIDAY_MONTHS);
      const { count, anchor, skip } = remainingOf(terms, figures, today, "payment holiday");
      // Simple interest for the holiday's months: balance × annual rate (bps) × months / (10,000 × 12).
      const interest = terms.interestAccrues ? (outstanding * BigInt(figures.annualRateBps) * BigInt(months)) / 120_000n : 0n;
      return offer(scheduleOf(outstanding + interest, anchor, count, "MONTHLY", skip + months), 0n);
    }
    default:
      throw badInput(`Unknown offer kind ${String((terms as { kind: unknown }).kind)}`, "kind");
  }
}
