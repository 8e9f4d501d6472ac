import { badInput, type HoldKind, type Jurisdiction } from "@concord/service-kit";
import { HardshipKind } from "./hardship.type";

const DAY_MS = 86_400_000;
/** Contact pauses at once for up to this long while the lender decides (issue 15). */
export const PENDING_HOLD_DAYS = 14;
/** An approved hold's length when the lender does not say; UK_FCA breathing space is 60 days as standard. */
export const DEFAULT_HOLD_DAYS = 60;
/** After the lender ends an open-ended (mental-health crisis) hold, contact stays held this long. */
export const AFTER_END_HOLD_DAYS = 30;
/** The longest approved hold: UK_FCA breathing space is at most 60 days; elsewhere a year. */
const MAX_HOLD_DAYS: Record<Jurisdiction, number> = { UK_FCA: 60, US_REG_F: 365, CN_NIFA: 365 };

/** `at` plus `days` whole days (24 h each: hold ends are instants, not calendar dates). */
export const plusDays = (at: Date, days: number): Date => new Date(at.getTime() + days * DAY_MS);

/** The hold an approved hardship places: its kind and its end (null: until the lender ends it). */
export interface ApprovedHold {
  kind: HoldKind;
  endsAt: Date | null;
}

/**
 * The hold the lender's approval places from `now`: BREATHING_SPACE under UK_FCA, else HARDSHIP;
 * open-ended for a mental-health crisis (until the lender ends it, then 30 days more), else
 * `holdDays` (default 60, 1..60 under UK_FCA, 1..365 otherwise; out of range is BAD_USER_INPUT).
 */
export function approvedHold(kind: HardshipKind, jurisdiction: Jurisdiction, holdDays: number | null | undefined, now: Date): ApprovedHold {
  const holdKind: HoldKind = jurisdiction === "UK_FCA" ? "BREATHING_SPACE" : "HARDSHIP";
  const days = holdDays ?? DEFAULT_HOLD_DAYS;
  const max = MAX_HOLD_DAYS[jurisdiction];
  if (!Number.isInteger(days) || days < 1 || days > max) throw badInput(`holdDays is a whole number of days from 1 to ${max} under ${jurisdiction}`, "holdDays");
  if (kind === HardshipKind.MENTAL_HEALTH_CRISIS) return { kind: holdKind, endsAt: null };
  return { kind: holdKind, endsAt: plusDays(now, days) };
}
