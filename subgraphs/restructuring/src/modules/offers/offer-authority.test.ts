import { describe, expect, it } from "vitest";
import { discountBpsOf, withinAuthority } from "./offer.service";

const schedule = (forgiven: bigint) => ({ schedule: [{ sequence: 1, dueDate: "2026-12-15", amountMinor: 1n }], totalPayableMinor: 1n, totalForgivenMinor: forgiven });

describe("withinAuthority", () => {
  const placement = { maxDiscountBps: 1000, maxInstalments: 6 };

  it("holds at the limits, inclusive, and not a basis point or an instalment beyond", () => {
    expect(withinAuthority(placement, 1000, 6)).toBe(true);
    expect(withinAuthority(placement, 1001, 6)).toBe(false);
    expect(withinAuthority(placement, 1000, 7)).toBe(false);
    expect(withinAuthority(placement, 0, 1)).toBe(true);
  });

  it("delegates nothing when the placement's event did not carry its authority", () => {
    expect(withinAuthority({ maxDiscountBps: null, maxInstalments: 6 }, 0, 1)).toBe(false);
    expect(withinAuthority({ maxDiscountBps: 1000, maxInstalments: null }, 0, 1)).toBe(false);
  });
});

describe("discountBpsOf", () => {
  it("is a settlement's own discount, whatever rounding did to the amount", () => {
    expect(discountBpsOf({ kind: "SETTLEMENT", discountBps: 1000 }, schedule(3n), 33n)).toBe(1000);
  });

  it("is what any other kind forgives, in basis points of the balance rounded up: one minor unit over the limit is over it", () => {
    expect(discountBpsOf({ kind: "INTEREST_WAIVER", waivedInterestMinor: 9000n }, schedule(9000n), 90000n)).toBe(1000);
    expect(discountBpsOf({ kind: "INTEREST_WAIVER", waivedInterestMinor: 9001n }, schedule(9001n), 90000n)).toBe(1001);
    expect(discountBpsOf({ kind: "TERM_EXTENSION", extraMonths: 3 }, schedule(0n), 90000n)).toBe(0);
  });
});
