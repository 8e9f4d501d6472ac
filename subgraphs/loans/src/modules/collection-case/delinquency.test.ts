import { describe, expect, it } from "vitest";
import { allocate, assess, bucketFor, remainingSchedule, type ScheduleLine } from "./delinquency";

const line = (seq: number, dueDate: string, due: bigint, paid = 0n): ScheduleLine => ({
  id: `i${seq}`,
  seq,
  dueDate,
  amountDue: due,
  amountPaid: paid,
});

describe("bucketFor", () => {
  it.each([
    [0, null],
    [1, "DPD_1_30"],
    [30, "DPD_1_30"],
    [31, "DPD_31_60"],
    [60, "DPD_31_60"],
    [61, "DPD_61_90"],
    [90, "DPD_61_90"],
    [91, "DPD_91_180"],
    [180, "DPD_91_180"],
    [181, "DPD_180_PLUS"],
    [2000, "DPD_180_PLUS"],
  ])("%i days past due -> %s", (days, bucket) => {
    expect(bucketFor(days)).toBe(bucket);
  });
});

describe("assess", () => {
  const schedule = [line(1, "2026-01-15", 100n, 100n), line(2, "2026-02-15", 100n, 40n), line(3, "2026-03-15", 100n)];

  it("counts days from the oldest unpaid installment", () => {
    const a = assess(schedule, "2026-03-20");
    expect(a.oldestUnpaidDueDate).toBe("2026-02-15");
    expect(a.daysPastDue).toBe(33);
    expect(a.bucket).toBe("DPD_31_60");
    expect(a.amountOverdue).toBe(160n);
    expect(a.outstandingBalance).toBe(160n);
  });

  it("does not count an installment as overdue on its due date", () => {
    const a = assess([line(1, "2026-03-15", 100n)], "2026-03-15");
    expect(a.daysPastDue).toBe(0);
    expect(a.bucket).toBeNull();
    expect(a.amountOverdue).toBe(0n);
    expect(a.outstandingBalance).toBe(100n);
  });

  it("is one day past due the day after", () => {
    expect(assess([line(1, "2026-03-15", 100n)], "2026-03-16").daysPastDue).toBe(1);
  });

  it("is current once everything due is paid", () => {
    const a = assess([line(1, "2026-01-15", 100n, 100n), line(2, "2026-05-15", 100n)], "2026-03-20");
    expect(a.daysPastDue).toBe(0);
    expect(a.outstandingBalance).toBe(100n);
  });
});

describe("allocate", () => {
  it("fills the oldest installments first and stops when the money runs out", () => {
    const schedule = [line(2, "2026-02-15", 100n, 40n), line(1, "2026-01-15", 100n, 100n), line(3, "2026-03-15", 100n)];
    expect(allocate(schedule, 90n)).toEqual([
      { id: "i2", apply: 60n },
      { id: "i3", apply: 30n },
    ]);
  });
});

describe("remainingSchedule", () => {
  const schedule = [line(1, "2026-01-15", 100n, 100n), line(2, "2026-02-15", 100n, 40n), line(3, "2026-03-15", 100n), line(4, "2026-04-15", 100n)];

  it("counts every installment not paid in full, overdue ones included, and names the next one falling due", () => {
    expect(remainingSchedule(schedule, "2026-03-01")).toEqual({ remainingInstalments: 3, nextDueDate: "2026-03-15" });
  });

  it("an installment due on asOf is the next one (it is past due only from the day after); the day after, the following one is", () => {
    expect(remainingSchedule(schedule, "2026-03-15").nextDueDate).toBe("2026-03-15");
    expect(remainingSchedule(schedule, "2026-03-16").nextDueDate).toBe("2026-04-15");
  });

  it("has no next due date once every unpaid installment is past due, and nothing left once all are paid", () => {
    expect(remainingSchedule(schedule, "2026-04-16")).toEqual({ remainingInstalments: 3, nextDueDate: null });
    expect(remainingSchedule([line(1, "2026-01-15", 100n, 100n)], "2026-01-01")).toEqual({ remainingInstalments: 0, nextDueDate: null });
  });
});
