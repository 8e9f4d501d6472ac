import { describe, expect, it } from "vitest";
import { assess, BUCKETS } from "../modules/collection-case/delinquency";
import { generatePortfolio } from "./generator";

const AS_OF = "2026-11-25";

describe("generatePortfolio", () => {
  it("gives the same portfolio, ids included, for the same seed and date", () => {
    const a = generatePortfolio({ seed: 11, asOf: AS_OF });
    const b = generatePortfolio({ seed: 11, asOf: AS_OF });
    expect(b).toEqual(a);
  });

  it("keeps the ids of lenders, borrowers and loans on another business date (a reset the next day)", () => {
    const a = generatePortfolio({ seed: 11, asOf: AS_OF });
    const b = generatePortfolio({ seed: 11, asOf: "2026-12-03" });
    for (const kind of ["lenders", "borrowers", "loans"] as const) expect(b[kind].map((x) => x.id), kind).toEqual(a[kind].map((x) => x.id));
  });

  it("gives a different portfolio for another seed", () => {
    expect(generatePortfolio({ seed: 12, asOf: AS_OF }).loans[0]!.id).not.toBe(generatePortfolio({ seed: 11, asOf: AS_OF }).loans[0]!.id);
  });

  it("has two lenders in different time zones, 500+ loans, about 30% delinquent over every bucket", () => {
    const p = generatePortfolio({ asOf: AS_OF });
    expect(new Set(p.lenders.map((l) => l.timezone)).size).toBeGreaterThanOrEqual(2);
    expect(p.borrowers.length).toBeGreaterThanOrEqual(500);
    expect(p.loans.length).toBeGreaterThanOrEqual(500);
    const byLoan = new Map<string, typeof p.installments>();
    for (const i of p.installments) byLoan.set(i.loanId, [...(byLoan.get(i.loanId) ?? []), i]);
    const buckets = new Map<string, number>();
    let delinquent = 0;
    for (const loan of p.loans) {
      const a = assess(
        byLoan.get(loan.id)!.map((i) => ({ id: i.id, seq: i.seq, dueDate: i.dueDate, amountDue: i.amountDueMinor, amountPaid: i.amountPaidMinor })),
        AS_OF,
      );
      if (a.bucket) {
        delinquent++;
        buckets.set(a.bucket, (buckets.get(a.bucket) ?? 0) + 1);
      }
    }
    const share = delinquent / p.loans.length;
    expect(share).toBeGreaterThan(0.25);
    expect(share).toBeLessThan(0.4);
    for (const b of BUCKETS) expect(buckets.get(b) ?? 0, b).toBeGreaterThanOrEqual(20);
  });

  it("records a payment for every amount paid, never dated after the business date", () => {
    const p = generatePortfolio({ asOf: AS_OF });
    const paid = p.installments.reduce((s, i) => s + i.amountPaidMinor, 0n);
    expect(p.payments.reduce((s, x) => s + x.amountMinor, 0n)).toBe(paid);
    for (const x of p.payments) expect(x.receivedAt.slice(0, 10) < AS_OF).toBe(true);
    expect(new Set(p.payments.map((x) => x.externalReference)).size).toBe(p.payments.length);
  });
});
