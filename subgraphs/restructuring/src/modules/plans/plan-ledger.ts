import { addDays, zonedInstant } from "@concord/service-kit";

/**
 * How a plan stands: pure arithmetic over its instalments and the payments received since it
 * started, at an instant. Payments fill instalments in due-date order (the oldest unpaid first,
 * an overpayment carrying to the next); an instalment still short when its grace runs out (the
 * end of its due date plus the lender's grace days, in the lender's time zone) breaks the plan at
 * that instant, and nothing received afterwards mends it; the payment that fills the last
 * instalment completes it. Only payments in the plan's currency count.
 */

export type InstalmentStatus = "DUE" | "PARTIALLY_PAID" | "PAID" | "MISSED";
export type PlanStatus = "ACTIVE" | "COMPLETED" | "BROKEN";

/** How far ahead of now loans accepts a payment's receivedAt (its clock skew allowance). */
export const FUTURE_TOLERANCE_MS = 5 * 60_000;

/** The grace an instalment has past its due date when the lender does not say (issue 16). */
export const DEFAULT_GRACE_DAYS = 10;

export interface PlanInstalment {
  sequence: number;
  /** Local date (YYYY-MM-DD) in the lender's time zone. */
  dueDate: string;
  amountMinor: bigint;
}

export interface PlanPayment {
  paymentId: string;
  amountMinor: bigint;
  currency: string;
  receivedAt: Date;
}

export interface PlanTerms {
  currency: string;
  /** The lender's IANA time zone: due dates and grace days are its calendar days. */
  zone: string;
  graceDays: number;
  /** Payments received before the plan started belong to the loan's old schedule. */
  startedAt: Date;
}

export interface InstalmentState extends PlanInstalment {
  paidMinor: bigint;
  status: InstalmentStatus;
  /** When the payment that filled it was received (PAID only). */
  paidAt: Date | null;
  /** When its grace runs out: a shortfall then breaks the plan. */
  graceEndsAt: Date;
}

export interface PlanState {
  status: PlanStatus;
  instalments: InstalmentState[];
  /** What the counted payments brought, surplus included. */
  paidMinor: bigint;
  /** What was received beyond the plan's total (the lender's to refund or apply). */
  surplusMinor: bigint;
  completedAt: Date | null;
  brokenAt: Date | null;
  /** The instalment whose shortfall broke it. */
  brokenBy: number | null;
  /** The payments counted, in the order applied. */
  counted: string[];
}

/** The instant an instalment due on `dueDate` runs out of grace: the start of the day after its last grace day. */
export const graceEndOf = (dueDate: string, graceDays: number, zone: string): Date => zonedInstant(addDays(dueDate, graceDays + 1), 0, zone);

/** The plan as it stands at `at`, from its instalments and every payment received on its case. */
export function planState(instalments: readonly PlanInstalment[], payments: readonly PlanPayment[], terms: PlanTerms, at: Date): PlanState {
  const rows: InstalmentState[] = [...instalments]
    .sort((a, b) => (a.dueDate === b.dueDate ? a.sequence - b.sequence : a.dueDate < b.dueDate ? -1 : 1))
    .map((i) => ({ ...i, paidMinor: 0n, status: "DUE", paidAt: null, graceEndsAt: graceEndOf(i.dueDate, terms.graceDays, terms.zone) }));
  const state: PlanState = { status: "ACTIVE", instalments: rows, paidMinor: 0n, surplusMinor: 0n, completedAt: null, brokenAt: null, brokenBy: null, counted: [] };
  // A payment loans dated a little ahead of `at` (it accepts up to FUTURE_TOLERANCE_MS) counts as received at `at`.
  const inPlay = payments
    .filter((p) => p.currency === terms.currency && p.amountMinor > 0n && p.receivedAt >= terms.startedAt && p.receivedAt.getTime() <= at.getTime() + FUTURE_TOLERANCE_MS)
    .map((p) => (p.receivedAt > at ? { ...p, receivedAt: at } : p))
    .sort((a, b) => a.receivedAt.getTime() - b.receivedAt.getTime() || (a.paymentId < b.paymentId ? -1 : 1));

  const settleZeroes = (when: Date) => {
    for (const r of rows) if (r.amountMinor === 0n && r.status === "DUE") Object.assign(r, { status: "PAID", paidAt: when });
  };
  const complete = (when: Date) => {
    if (state.status === "ACTIVE" && rows.every((r) => r.status === "PAID")) Object.assign(state, { status: "COMPLETED", completedAt: when });
  };
  /** Breaks the plan at the first grace end up to `until` whose instalment is still short. */
  const breakBy = (until: Date) => {
    if (state.status !== "ACTIVE") return;
    const missed = rows.find((r) => r.status !== "PAID" && r.graceEndsAt <= until);
    if (!missed) return;
    // The earliest such grace end is the breaking one (rows are in due-date order).
    Object.assign(state, { status: "BROKEN", brokenAt: missed.graceEndsAt, brokenBy: missed.sequence });
  };

  settleZeroes(terms.startedAt);
  complete(terms.startedAt);
  for (const p of inPlay) {
    // A payment received at the very instant grace ends is too late: grace ended first.
    breakBy(p.receivedAt);
    if (state.status !== "ACTIVE") break;
    state.counted.push(p.paymentId);
    state.paidMinor += p.amountMinor;
    let left = p.amountMinor;
    for (const r of rows) {
      if (left === 0n) break;
      const short = r.amountMinor - r.paidMinor;
      if (short === 0n) continue;
      const take = left < short ? left : short;
      r.paidMinor += take;
      left -= take;
      r.status = r.paidMinor === r.amountMinor ? "PAID" : "PARTIALLY_PAID";
      if (r.status === "PAID") r.paidAt = p.receivedAt;
    }
    state.surplusMinor += left;
    complete(p.receivedAt);
  }
  breakBy(at);
  for (const r of rows) if (r.status !== "PAID" && r.graceEndsAt <= at) r.status = "MISSED";
  return state;
}
