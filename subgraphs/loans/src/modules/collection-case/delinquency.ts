import { daysBetween } from "@concord/service-kit";

/** Days-past-due buckets, as collections teams work them. */
export const BUCKETS = ["DPD_1_30", "DPD_31_60", "DPD_61_90", "DPD_91_180", "DPD_180_PLUS"] as const;
export type Bucket = (typeof BUCKETS)[number];

/** Inclusive day ranges of each bucket; the last one is open-ended. */
export const BUCKET_RANGES: Record<Bucket, [number, number]> = {
  DPD_1_30: [1, 30],
  DPD_31_60: [31, 60],
  DPD_61_90: [61, 90],
  DPD_91_180: [91, 180],
  DPD_180_PLUS: [181, Number.MAX_SAFE_INTEGER],
};

/** The bucket for `daysPastDue`, or null when nothing is overdue. */
export function bucketFor(daysPastDue: number): Bucket | null {
  if (daysPastDue <= 0) return null;
  for (const b of BUCKETS) {
    const [lo, hi] = BUCKET_RANGES[b];
    if (daysPastDue >= lo && daysPastDue <= hi) return b;
  }
  return "DPD_180_PLUS";
}

export interface ScheduleLine {
  id: string;
  seq: number;
  /** YYYY-MM-DD */
  dueDate: string;
  amountDue: bigint;
  amountPaid: bigint;
}

export interface Assessment {
  daysPastDue: number;
  bucket: Bucket | null;
  /** Due date of the oldest installment still unpaid and past due. */
  oldestUnpaidDueDate: string | null;
  amountOverdue: bigint;
  outstandingBalance: bigint;
}

/**
 * Where a loan stands on `asOf` (a date in the lender's time zone): an installment is past
 * due from the day after its due date until it is paid in full.
 */
export function assess(schedule: readonly ScheduleLine[], asOf: string): Assessment {
  let oldest: string | null = null;
  let overdue = 0n;
  let outstanding = 0n;
  for (const line of schedule) {
    const unpaid = line.amountDue - line.amountPaid;
    if (unpaid <= 0n) continue;
    outstanding += unpaid;
    if (line.dueDate < asOf) {
      overdue += unpaid;
      if (oldest === null || line.dueDate < oldest) oldest = line.dueDate;
    }
  }
  const daysPastDue = oldest === null ? 0 : daysBetween(oldest, asOf);
  return { daysPastDue, bucket: bucketFor(daysPastDue), oldestUnpaidDueDate: oldest, amountOverdue: overdue, outstandingBalance: outstanding };
}

/**
 * Spreads `amount` over the schedule, oldest installment first. Returns how much goes to
 * each line; the caller refuses an amount larger than the outstanding balance.
 */
export function allocate(schedule: readonly ScheduleLine[], amount: bigint): Array<{ id: string; apply: bigint }> {
  const out: Array<{ id: string; apply: bigint }> = [];
  let left = amount;
  for (const line of [...schedule].sort((a, b) => a.seq - b.seq)) {
    if (left <= 0n) break;
    const unpaid = line.amountDue - line.amountPaid;
    if (unpaid <= 0n) continue;
    const apply = unpaid < left ? unpaid : left;
    out.push({ id: line.id, apply });
    left -= apply;
  }
  return out;
}

/** What is left of a loan's schedule on `asOf`, for offers that restructure it. */
export interface RemainingSchedule {
  /** Installments not yet paid in full, overdue ones included. */
  remainingInstalments: number;
  /** Due date of the first unpaid installment falling due on or after `asOf`; null when none is left to fall due. */
  nextDueDate: string | null;
}

/** The installments of `schedule` still unpaid on `asOf`, and when the next one falls due. */
export function remainingSchedule(schedule: readonly ScheduleLine[], asOf: string): RemainingSchedule {
  let remaining = 0;
  let next: string | null = null;
  for (const line of schedule) {
    if (line.amountDue - line.amountPaid <= 0n) continue;
    remaining++;
    if (line.dueDate >= asOf && (next === null || line.dueDate < next)) next = line.dueDate;
  }
  return { remainingInstalments: remaining, nextDueDate: next };
}
