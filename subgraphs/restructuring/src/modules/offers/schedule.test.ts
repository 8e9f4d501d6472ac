import { describe, expect, it } from "vitest";
import { addMonths, dueDates, scheduleOffer, splitEvenly, type CaseFigures, type Frequency, type OfferTerms } from "./schedule";

const TODAY = "2026-12-01";
const figures = (over: Partial<CaseFigures> = {}): CaseFigures => ({
  outstandingMinor: 120_000n,
  overdueMinor: 20_000n,
  currency: "GBP",
  annualRateBps: 1_200,
  remainingInstalments: 6,
  nextDueDate: "2026-11-15",
  ...over,
});
const sum = (xs: readonly bigint[]) => xs.reduce((a, b) => a + b, 0n);
const amounts = (o: ReturnType<typeof scheduleOffer>) => o.schedule.map((p) => p.amountMinor);
const dates = (o: ReturnType<typeof scheduleOffer>) => o.schedule.map((p) => p.dueDate);
const fieldOf = (f: () => unknown): unknown => {
  try {
    f();
  } catch (err) {
    return (err as { extensions?: { code?: string; field?: string } }).extensions;
  }
  return "did not throw";
};

/** A small deterministic generator (mulberry32): the same cases on every run, many of them. */
function random(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

describe("splitEvenly", () => {
  it("puts the remainder on the last instalment", () => {
    expect(splitEvenly(1_000n, 3)).toEqual([333n, 333n, 334n]);
    expect(splitEvenly(1n, 12)).toEqual([...Array(11).fill(0n), 1n]);
    expect(splitEvenly(0n, 2)).toEqual([0n, 0n]);
    expect(splitEvenly(99_999_999_999_999_999n, 7).at(-1)).toBe(99_999_999_999_999_999n - 6n * (99_999_999_999_999_999n / 7n));
  });

  it("sums to the total exactly, every instalment but the last equal and the last the largest, over many random totals and counts", () => {
    const next = random(16);
    for (let n = 0; n < 5_000; n++) {
      // Totals from 0 to about 10^12 minor units, skewed small; counts 1 to 120.
      const total = BigInt(Math.floor(next() ** 3 * 1e12));
      const count = 1 + Math.floor(next() * 120);
      const parts = splitEvenly(total, count);
      expect(parts).toHaveLength(count);
      expect(sum(parts)).toBe(total);
      expect(new Set(parts.slice(0, -1)).size).toBeLessThanOrEqual(1);
      expect(parts.at(-1)! - parts[0]!).toBeGreaterThanOrEqual(0n);
      expect(parts.at(-1)! - parts[0]!).toBeLessThan(BigInt(count));
    }
  });
});

describe("due dates", () => {
  it("roll by calendar month on the first date's day, a 31st becoming the month's last day and the 31st again after", () => {
    expect(dueDates("2027-01-31", 5, "MONTHLY")).toEqual(["2027-01-31", "2027-02-28", "2027-03-31", "2027-04-30", "2027-05-31"]);
    expect(dueDates("2028-01-31", 2, "MONTHLY")).toEqual(["2028-01-31", "2028-02-29"]);
    expect(dueDates("2026-11-30", 4, "MONTHLY")).toEqual(["2026-11-30", "2026-12-30", "2027-01-30", "2027-02-28"]);
    expect(addMonths("2026-12-15", 1)).toBe("2027-01-15");
    expect(addMonths("2027-03-31", -1)).toBe("2027-02-28");
  });

  it("step 7 or 14 days across month and year ends", () => {
    expect(dueDates("2026-12-24", 3, "WEEKLY")).toEqual(["2026-12-24", "2026-12-31", "2027-01-07"]);
    expect(dueDates("2027-02-20", 3, "BIWEEKLY")).toEqual(["2027-02-20", "2027-03-06", "2027-03-20"]);
  });

  it("are strictly increasing, and monthly ones fall on the anchor's day or the month's last day, for random anchors, counts and frequencies", () => {
    const next = random(31);
    const frequencies: Frequency[] = ["WEEKLY", "BIWEEKLY", "MONTHLY"];
    const lastDay = (d: string) => new Date(Date.UTC(Number(d.slice(0, 4)), Number(d.slice(5, 7)), 0)).getUTCDate();
    for (let n = 0; n < 1_500; n++) {
      // Any day of any month over five years, month ends (29th-31st) often.
      const month = addMonths("2026-01-01", Math.floor(next() * 60));
      const day = next() < 0.4 ? lastDay(month) - Math.floor(next() * 3) : 1 + Math.floor(next() * 28);
      const anchor = `${month.slice(0, 8)}${String(day).padStart(2, "0")}`;
      const count = 1 + Math.floor(next() * 60);
      const f = frequencies[Math.floor(next() * 3)]!;
      const ds = dueDates(anchor, count, f);
      expect(ds[0]).toBe(anchor);
      for (let i = 1; i < ds.length; i++) expect(ds[i]! > ds[i - 1]!).toBe(true);
      if (f === "MONTHLY") ds.forEach((d, i) => {
        expect(Number(d.slice(8))).toBe(Math.min(day, lastDay(d)));
        expect(d.slice(0, 7)).toBe(addMonths(`${anchor.slice(0, 8)}01`, i).slice(0, 7));
      });
    }
  });
});

describe("scheduleOffer", () => {
  it("INSTALLMENT_PLAN: the outstanding balance in equal instalments, the remainder on the last, nothing forgiven", () => {
    const o = scheduleOffer({ kind: "INSTALLMENT_PLAN", instalments: 7, frequency: "MONTHLY", firstDueDate: "2027-01-31" }, figures({ outstandingMinor: 100_000n }), TODAY);
    expect(amounts(o)).toEqual([...Array(6).fill(14_285n), 14_290n]);
    expect(dates(o)).toEqual(["2027-01-31", "2027-02-28", "2027-03-31", "2027-04-30", "2027-05-31", "2027-06-30", "2027-07-31"]);
    expect(o.schedule.map((p) => p.sequence)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(o).toMatchObject({ totalPayableMinor: 100_000n, totalForgivenMinor: 0n });
  });

  it("sums to its total payable exactly and accounts for the whole balance, for every kind over many random cases", () => {
    const next = random(2026);
    const kinds: OfferTerms["kind"][] = ["INSTALLMENT_PLAN", "INTEREST_WAIVER", "TERM_EXTENSION", "SETTLEMENT", "PAYMENT_HOLIDAY"];
    for (let n = 0; n < 5_000; n++) {
      const outstanding = 2n + BigInt(Math.floor(next() ** 2 * 5e9));
      const f = figures({ outstandingMinor: outstanding, remainingInstalments: 1 + Math.floor(next() * 36), nextDueDate: addMonths("2026-06-30", Math.floor(next() * 12)) });
      const kind = kinds[n % kinds.length]!;
      const terms: OfferTerms = {
        kind,
        instalments: 1 + Math.floor(next() * 120),
        frequency: (["WEEKLY", "BIWEEKLY", "MONTHLY"] as const)[Math.floor(next() * 3)],
        firstDueDate: addMonths(TODAY, Math.floor(next() * 3)),
        waivedInterestBps: 1 + Math.floor(next() * 9_998),
        extraMonths: 1 + Math.floor(next() * 60),
        discountBps: 1 + Math.floor(next() * 9_998),
        months: 1 + Math.floor(next() * 12),
        interestAccrues: next() < 0.5,
      };
      if (kind === "TERM_EXTENSION" || kind === "PAYMENT_HOLIDAY") terms.firstDueDate = null;
      let o;
      try {
        o = scheduleOffer(terms, f, TODAY);
      } catch (err) {
        // A waiver in basis points of a tiny balance may round to nothing: refused, never a wrong sum.
        expect((err as { extensions?: { field?: string } }).extensions?.field).toBe("waivedInterestBps");
        continue;
      }
      // Each kind's total, worked out here on its own: the schedule must sum to it exactly.
      const expected =
        kind === "PAYMENT_HOLIDAY"
          ? outstanding + (terms.interestAccrues ? (outstanding * BigInt(f.annualRateBps) * BigInt(terms.months!)) / 120_000n : 0n)
          : kind === "INTEREST_WAIVER" || kind === "SETTLEMENT"
            ? outstanding - (outstanding * BigInt(kind === "SETTLEMENT" ? terms.discountBps! : terms.waivedInterestBps!)) / 10_000n
            : outstanding;
      expect(sum(amounts(o))).toBe(expected);
      expect(o.totalPayableMinor).toBe(expected);
      expect(o.totalForgivenMinor).toBe(kind === "PAYMENT_HOLIDAY" ? 0n : outstanding - expected);
      expect(o.totalForgivenMinor).toBeGreaterThanOrEqual(0n);
      expect(dates(o)[0]! >= TODAY).toBe(true);
    }
  });

  it("INTEREST_WAIVER: the waiver forgiven, the rest in one payment or instalments; exactly one of minor and bps", () => {
    const one = scheduleOffer({ kind: "INTEREST_WAIVER", waivedInterestMinor: 15_000n, firstDueDate: "2026-12-20" }, figures(), TODAY);
    expect(one.schedule).toEqual([{ sequence: 1, dueDate: "2026-12-20", amountMinor: 105_000n }]);
    expect(one.totalForgivenMinor).toBe(15_000n);
    const bps = scheduleOffer({ kind: "INTEREST_WAIVER", waivedInterestBps: 333, instalments: 4, frequency: "WEEKLY", firstDueDate: "2026-12-20" }, figures(), TODAY);
    // 3.33% of 120,000 is 3,996; the remaining 116,004 in four.
    expect(bps.totalForgivenMinor).toBe(3_996n);
    expect(amounts(bps)).toEqual([29_001n, 29_001n, 29_001n, 29_001n]);
    expect(fieldOf(() => scheduleOffer({ kind: "INTEREST_WAIVER", waivedInterestMinor: 1n, waivedInterestBps: 1, firstDueDate: TODAY }, figures(), TODAY))).toMatchObject({ code: "BAD_USER_INPUT", field: "waivedInterestMinor" });
    expect(fieldOf(() => scheduleOffer({ kind: "INTEREST_WAIVER", waivedInterestMinor: 120_000n, firstDueDate: TODAY }, figures(), TODAY))).toMatchObject({ field: "waivedInterestMinor" });
  });

  it("TERM_EXTENSION: the balance over the remaining installments plus the extra months, from the next due day on or after today", () => {
    // Next unpaid installment was due 2026-11-15 (overdue): the first new one is 2026-12-15.
    const o = scheduleOffer({ kind: "TERM_EXTENSION", extraMonths: 6 }, figures(), TODAY);
    expect(o.schedule).toHaveLength(12);
    expect(dates(o).slice(0, 2)).toEqual(["2026-12-15", "2027-01-15"]);
    expect(dates(o).at(-1)).toBe("2027-11-15");
    expect(amounts(o)).toEqual(Array(12).fill(10_000n));
    expect(o.totalForgivenMinor).toBe(0n);
    expect(fieldOf(() => scheduleOffer({ kind: "TERM_EXTENSION", extraMonths: 6 }, figures({ remainingInstalments: 0, nextDueDate: null }), TODAY))).toMatchObject({ field: "kind" });
    // A matured loan (every installment left overdue): extended from the firstDueDate given, and asks for one otherwise.
    const matured = figures({ remainingInstalments: 3, nextDueDate: null });
    expect(fieldOf(() => scheduleOffer({ kind: "TERM_EXTENSION", extraMonths: 3 }, matured, TODAY))).toMatchObject({ field: "firstDueDate" });
    expect(dates(scheduleOffer({ kind: "TERM_EXTENSION", extraMonths: 3, firstDueDate: "2026-12-20" }, matured, TODAY))).toHaveLength(6);
  });

  it("SETTLEMENT: the discount off the balance, rounded down, forgiven; one sum by default or at most the instalments", () => {
    const o = scheduleOffer({ kind: "SETTLEMENT", discountBps: 2_501, firstDueDate: "2026-12-31" }, figures({ outstandingMinor: 99_999n }), TODAY);
    // 25.01% of 99,999 is 25,009.7499: 25,009 forgiven, 74,990 to pay.
    expect(o).toEqual({ schedule: [{ sequence: 1, dueDate: "2026-12-31", amountMinor: 74_990n }], totalPayableMinor: 74_990n, totalForgivenMinor: 25_009n });
    const three = scheduleOffer({ kind: "SETTLEMENT", discountBps: 2_501, instalments: 3, firstDueDate: "2026-12-31" }, figures({ outstandingMinor: 99_999n }), TODAY);
    expect(amounts(three)).toEqual([24_996n, 24_996n, 24_998n]);
    expect(fieldOf(() => scheduleOffer({ kind: "SETTLEMENT", discountBps: 10_000, firstDueDate: TODAY }, figures(), TODAY))).toMatchObject({ field: "discountBps" });
  });

  it("PAYMENT_HOLIDAY: nothing due for the months, then the remaining installments; interest only when asked to accrue", () => {
    const o = scheduleOffer({ kind: "PAYMENT_HOLIDAY", months: 3 }, figures(), TODAY);
    expect(dates(o)).toEqual(["2027-03-15", "2027-04-15", "2027-05-15", "2027-06-15", "2027-07-15", "2027-08-15"]);
    expect(o.totalPayableMinor).toBe(120_000n);
    const accruing = scheduleOffer({ kind: "PAYMENT_HOLIDAY", months: 3, interestAccrues: true }, figures(), TODAY);
    // 12% a year for 3 months on 120,000: 3,600.
    expect(accruing.totalPayableMinor).toBe(123_600n);
    expect(sum(amounts(accruing))).toBe(123_600n);
  });

  it("refuses terms that do not fit, naming the field", () => {
    const cases: Array<[OfferTerms, string]> = [
      [{ kind: "INSTALLMENT_PLAN", instalments: 0, firstDueDate: TODAY }, "instalments"],
      [{ kind: "INSTALLMENT_PLAN", instalments: 121, firstDueDate: TODAY }, "instalments"],
      [{ kind: "INSTALLMENT_PLAN", instalments: 2.5, firstDueDate: TODAY }, "instalments"],
      [{ kind: "INSTALLMENT_PLAN", instalments: 3 }, "firstDueDate"],
      [{ kind: "INSTALLMENT_PLAN", instalments: 3, firstDueDate: "2026-11-30" }, "firstDueDate"],
      [{ kind: "INSTALLMENT_PLAN", instalments: 3, firstDueDate: "2026-02-30" }, "firstDueDate"],
      [{ kind: "INSTALLMENT_PLAN", instalments: 3, firstDueDate: "2027-12-02" }, "firstDueDate"],
      [{ kind: "TERM_EXTENSION", extraMonths: 61 }, "extraMonths"],
      [{ kind: "SETTLEMENT", firstDueDate: TODAY }, "discountBps"],
      [{ kind: "PAYMENT_HOLIDAY", months: 13 }, "months"],
    ];
    for (const [terms, field] of cases) expect(fieldOf(() => scheduleOffer(terms, figures(), TODAY)), JSON.stringify(terms)).toMatchObject({ code: "BAD_USER_INPUT", field });
    expect(fieldOf(() => scheduleOffer({ kind: "INSTALLMENT_PLAN", instalments: 1, firstDueDate: TODAY }, figures({ outstandingMinor: 0n }), TODAY))).toMatchObject({ field: "caseId" });
    // Today itself is a valid first due date.
    expect(dates(scheduleOffer({ kind: "INSTALLMENT_PLAN", instalments: 1, firstDueDate: TODAY }, figures(), TODAY))).toEqual([TODAY]);
  });
});
