import { describe, expect, it } from "vitest";
import { DEFAULT_PROMISE_TERMS, keepingAmount, promiseTermsOf } from "./promise-terms";

describe("promiseTermsOf", () => {
  it("takes the defaults (10000 bps, 3 days) for what is left out", () => {
    expect(promiseTermsOf(undefined)).toEqual({ ok: true, terms: { promiseKeptThresholdBps: 10_000, promiseGraceDays: 3 } });
    expect(promiseTermsOf({ promiseGraceDays: 0 })).toEqual({ ok: true, terms: { ...DEFAULT_PROMISE_TERMS, promiseGraceDays: 0 } });
  });

  it("accepts each range's ends and refuses one past them, naming the term", () => {
    expect(promiseTermsOf({ promiseKeptThresholdBps: 1, promiseGraceDays: 30 })).toEqual({ ok: true, terms: { promiseKeptThresholdBps: 1, promiseGraceDays: 30 } });
    expect(promiseTermsOf({ promiseKeptThresholdBps: 0 })).toMatchObject({ ok: false, parameter: "promiseKeptThresholdBps" });
    expect(promiseTermsOf({ promiseKeptThresholdBps: 10_001 })).toMatchObject({ ok: false, parameter: "promiseKeptThresholdBps" });
    expect(promiseTermsOf({ promiseGraceDays: 31 })).toMatchObject({ ok: false, parameter: "promiseGraceDays" });
    expect(promiseTermsOf({ promiseGraceDays: 1.5 })).toMatchObject({ ok: false, parameter: "promiseGraceDays" });
  });
});

describe("keepingAmount", () => {
  it("is the amount at 100% and rounds a share up to the next minor unit", () => {
    expect(keepingAmount(10_000n, 10_000)).toBe(10_000n);
    expect(keepingAmount(10_001n, 5_000)).toBe(5_001n);
    expect(keepingAmount(10_000n, 5_000)).toBe(5_000n);
    expect(keepingAmount(1n, 1)).toBe(1n);
  });
});
