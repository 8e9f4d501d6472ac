/**
 * A lender's terms for promises to pay (outreach's promises module), beside its contact
 * parameters in its contact profile: not contact rules, so any value in range is the lender's
 * to choose (no tightening), the same under every jurisdiction.
 */

/** When a promise to pay counts as kept, and how long after its due date payments may still keep it. */
export interface PromiseTerms {
  /** Share of the promised amount the payments must reach, in basis points (10000 = all of it). */
  promiseKeptThresholdBps: number;
  /** Whole local days after the due date payments still count; the promise breaks at the end of the last. */
  promiseGraceDays: number;
}

/** The terms of a lender that sets none: the whole amount, 3 days of grace (issue 15). */
export const DEFAULT_PROMISE_TERMS: Readonly<PromiseTerms> = Object.freeze({ promiseKeptThresholdBps: 10_000, promiseGraceDays: 3 });

/** The ranges a lender may choose from, inclusive. */
export const PROMISE_TERM_RANGES: Readonly<Record<keyof PromiseTerms, readonly [number, number]>> = Object.freeze({
  promiseKeptThresholdBps: [1, 10_000] as const,
  promiseGraceDays: [0, 30] as const,
});

/**
 * The terms a lender asks for, those left out at their defaults; the first out of range (or not a
 * whole number) is refused with its name.
 */
export function promiseTermsOf(
  asked: Partial<PromiseTerms> | null | undefined,
): { ok: true; terms: PromiseTerms } | { ok: false; parameter: keyof PromiseTerms; message: string } {
  const terms: PromiseTerms = { ...DEFAULT_PROMISE_TERMS };
  for (const name of Object.keys(PROMISE_TERM_RANGES) as Array<keyof PromiseTerms>) {
    const v = asked?.[name];
    if (v == null) continue;
    const [min, max] = PROMISE_TERM_RANGES[name];
    if (!Number.isInteger(v) || v < min || v > max) return { ok: false, parameter: name, message: `${name} must be a whole number from ${min} to ${max}` };
    terms[name] = v;
  }
  return { ok: true, terms };
}

/** The least paid (minor units) that keeps a promise of `amountMinor` at `thresholdBps`: rounded up, never below 1. */
export function keepingAmount(amountMinor: bigint, thresholdBps: number): bigint {
  const need = (amountMinor * BigInt(thresholdBps) + 9_999n) / 10_000n;
  return need < 1n ? 1n : need;
}
