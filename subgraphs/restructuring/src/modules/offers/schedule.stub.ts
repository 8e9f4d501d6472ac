import { addDays, badInput } from "@concord/service-kit";
import type { CaseFigures, Frequency, OfferSchedule, OfferTerms } from "./schedule";

/**
 * A stand-in for the lead's `./schedule` (scheduleOffer) while it has not landed on this branch:
 * the same signature, simple arithmetic (the remainder on the last instalment, calendar months
 * clamped to the month's last day). Copied to schedule.ts only to run this branch's tests; never
 * imported by the service. Delete once schedule.ts is merged.
 */
const addMonths = (date: string, months: number): string => {
  const [y, m, d] = date.split("-").map(Number) as [number, number, number];
  const idx = y * 12 + (m - 1) + months;
  const last = new Date(Date.UTC(Math.floor(idx / 12), (idx % 12) + 1, 0)).getUTCDate();
  return `${Math.floor(idx / 12)}-${String((idx % 12) + 1).padStart(2, "0")}-${String(Math.min(d, last)).padStart(2, "0")}`;
};

const dates = (first: string, n: number, f: Frequency): string[] =>
  Array.from({ length: n }, (_, i) => (f === "MONTHLY" ? addMonths(first, i) : addDays(first, i * (f === "WEEKLY" ? 7 : 14))));

const split = (total: bigint, n: number): bigint[] => {
  const each = total / BigInt(n);
  return Array.from({ length: n }, (_, i) => (i === n - 1 ? total - each * BigInt(n - 1) : each));
};

export function scheduleOffer(terms: OfferTerms, figures: CaseFigures, today: string): OfferSchedule {
  const n = terms.instalments ?? 1;
  if (!Number.isInteger(n) || n < 1 || n > 120) throw badInput("instalments must be 1 to 120", "instalments");
  const first = terms.firstDueDate ?? (terms.kind === "TERM_EXTENSION" || terms.kind === "PAYMENT_HOLIDAY" ? figures.nextDueDate ?? addDays(today, 30) : null);
  if (first == null) throw badInput("firstDueDate is required for this kind of offer", "firstDueDate");
  if (first < today) throw badInput("firstDueDate is in the past", "firstDueDate");
  let forgiven = 0n;
  if (terms.kind === "SETTLEMENT") {
    const bps = terms.discountBps ?? -1;
    if (!Number.isInteger(bps) || bps < 1 || bps >= 10_000) throw badInput("discountBps must be 1 to 9999", "discountBps");
    forgiven = (figures.outstandingMinor * BigInt(bps)) / 10_000n;
  } else if (terms.kind === "INTEREST_WAIVER") {
    forgiven = terms.waivedInterestMinor ?? (figures.outstandingMinor * BigInt(terms.waivedInterestBps ?? 0)) / 10_000n;
    if (forgiven > figures.outstandingMinor) throw badInput("waivedInterestMinor is more than the balance", "waivedInterestMinor");
  }
  const total = figures.outstandingMinor - forgiven;
  const when = dates(terms.kind === "PAYMENT_HOLIDAY" ? addMonths(first, terms.months ?? 1) : first, n, terms.frequency ?? "MONTHLY");
  const schedule = split(total, n).map((amountMinor, i) => ({ sequence: i + 1, dueDate: when[i]!, amountMinor }));
  return { schedule, totalPayableMinor: total, totalForgivenMinor: forgiven };
}
