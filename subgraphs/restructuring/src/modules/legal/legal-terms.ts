import type { DataSource, EntityManager } from "typeorm";
import type { Principal } from "@concord/schema";
import { badInput, CaseDirectory, DEFAULT_JURISDICTION, forbidden, isUuid, profileOf, systemClock, type Clock, type Jurisdiction } from "@concord/service-kit";

/** A lender's restructuring terms as they apply now (its own settings over the defaults). */
export interface RestructuringTermsValue {
  lenderId: string;
  /** Days an instalment may stay unpaid past its due date before the plan is BROKEN. */
  planGraceDays: number;
  /** The fewest days past due a case may be escalated to legal action at. */
  legalMinDaysPastDue: number;
  /** The limitation period, in months from the last payment (from the case's opening when none was made). */
  limitationPeriodMonths: number;
  /** Whether limitationPeriodMonths is the jurisdiction's default (the lender set none). */
  limitationPeriodIsDefault: boolean;
  /** The jurisdiction of the lender's contact profile (the case directory's), the default one when it chose none. */
  jurisdiction: Jurisdiction;
  /** When the lender last set them; null while it never has. */
  updatedAt: Date | null;
}

export const DEFAULT_PLAN_GRACE_DAYS = 10;
export const DEFAULT_LEGAL_MIN_DAYS_PAST_DUE = 90;
export const PLAN_GRACE_DAYS_RANGE = [0, 60] as const;
export const LEGAL_MIN_DAYS_PAST_DUE_RANGE = [30, 3650] as const;
export const LIMITATION_PERIOD_MONTHS_RANGE = [1, 600] as const;

/**
 * The limitation period a lender gets unless it sets one, by its jurisdiction. These are
 * general periods for a simple contract debt, read from the statutes, not from
 * /work/shared/research/contact-rules.md (which has only Reg F's ban on suing on time-barred debt,
 * §1006.26(b)); a lender sets its own when its debts differ:
 * - UK_FCA: 72 months, Limitation Act 1980 s.5 (6 years; England and Wales; Scotland's
 *   prescription is 5 years, Prescription and Limitation (Scotland) Act 1973 s.6).
 * - US_REG_F: 36 months. State law sets it and it varies (3 to 10 years; most 3 to 6): 36 is the
 *   shortest common period, so the default errs towards calling a debt time-barred.
 * - CN_NIFA: 36 months, PRC Civil Code art. 188 (3 years).
 */
export const DEFAULT_LIMITATION_MONTHS: Record<Jurisdiction, number> = { UK_FCA: 72, US_REG_F: 36, CN_NIFA: 36 };

/** A lender's restructuring terms: its own settings, else the defaults (the limitation period by its jurisdiction). For the plans code too. */
export async function restructuringTermsOf(db: DataSource | EntityManager, lenderId: string): Promise<RestructuringTermsValue> {
  const profile = await new CaseDirectory(db, systemClock).lenderProfile(lenderId, profileOf(DEFAULT_JURISDICTION));
  const [row] = isUuid(lenderId) ? await db.query("SELECT * FROM lender_terms WHERE lender_id = $1", [lenderId.toLowerCase()]) : [];
  const own: number | null = row?.limitation_period_months ?? null;
  return {
    lenderId: lenderId.toLowerCase(),
    planGraceDays: row?.plan_grace_days ?? DEFAULT_PLAN_GRACE_DAYS,
    legalMinDaysPastDue: row?.legal_min_days_past_due ?? DEFAULT_LEGAL_MIN_DAYS_PAST_DUE,
    limitationPeriodMonths: own ?? DEFAULT_LIMITATION_MONTHS[profile.jurisdiction],
    limitationPeriodIsDefault: own === null,
    jurisdiction: profile.jurisdiction,
    updatedAt: row ? new Date(row.updated_at) : null,
  };
}

export interface TermsChange {
  planGraceDays?: number | null;
  legalMinDaysPastDue?: number | null;
  /** null: back to the jurisdiction's default; absent: unchanged. */
  limitationPeriodMonths?: number | null;
}

function inRange(v: number | null | undefined, [lo, hi]: readonly [number, number], field: string): void {
  if (v === null || v === undefined) return;
  if (!Number.isInteger(v) || v < lo || v > hi) throw badInput(`${field} must be a whole number from ${lo} to ${hi}`, field);
}

/**
 * The lender sets its own restructuring terms: a field left out keeps its value (planGraceDays
 * and legalMinDaysPastDue given null go back to their defaults, limitationPeriodMonths null to
 * the jurisdiction's). Setting the same values again changes nothing but updatedAt.
 */
export async function setRestructuringTerms(ds: DataSource, clock: Clock, p: Principal, change: TermsChange): Promise<RestructuringTermsValue> {
  if (p.role !== "lender" || !p.lenderId || !isUuid(p.lenderId)) throw forbidden("restructuring terms");
  inRange(change.planGraceDays, PLAN_GRACE_DAYS_RANGE, "planGraceDays");
  inRange(change.legalMinDaysPastDue, LEGAL_MIN_DAYS_PAST_DUE_RANGE, "legalMinDaysPastDue");
  inRange(change.limitationPeriodMonths, LIMITATION_PERIOD_MONTHS_RANGE, "limitationPeriodMonths");
  const lenderId = p.lenderId.toLowerCase();
  return ds.transaction(async (tx) => {
    const [row] = await tx.query("SELECT * FROM lender_terms WHERE lender_id = $1 FOR UPDATE", [lenderId]);
    const pick = <T>(given: T | null | undefined, stored: T | undefined, fallback: T | null): T | null =>
      given === undefined ? (stored === undefined ? fallback : stored) : given === null ? fallback : given;
    const grace = pick(change.planGraceDays, row?.plan_grace_days, DEFAULT_PLAN_GRACE_DAYS);
    const dpd = pick(change.legalMinDaysPastDue, row?.legal_min_days_past_due, DEFAULT_LEGAL_MIN_DAYS_PAST_DUE);
    const limitation = pick(change.limitationPeriodMonths, row ? row.limitation_period_months : undefined, null);
    await tx.query(
      `INSERT INTO lender_terms (lender_id, plan_grace_days, legal_min_days_past_due, limitation_period_months, updated_at, updated_by)
       VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (lender_id) DO UPDATE SET plan_grace_days = EXCLUDED.plan_grace_days, legal_min_days_past_due = EXCLUDED.legal_min_days_past_due,
         limitation_period_months = EXCLUDED.limitation_period_months, updated_at = EXCLUDED.updated_at, updated_by = EXCLUDED.updated_by`,
      [lenderId, grace, dpd, limitation, clock.now(), p.sub],
    );
    return restructuringTermsOf(tx, lenderId);
  });
}
