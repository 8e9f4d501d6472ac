import { describe, expect, it } from "vitest";
import { graceEndOf, planState, type PlanInstalment, type PlanPayment, type PlanTerms } from "./plan-ledger";

// A London lender: March 2027 holds the clocks going forward (28th), so local days are not all 24 h apart in UTC.
const terms: PlanTerms = { currency: "GBP", zone: "Europe/London", graceDays: 10, startedAt: new Date("2027-01-10T12:00:00Z") };
const instalments: PlanInstalment[] = [
  { sequence: 1, dueDate: "2027-01-31", amountMinor: 10_000n },
  { sequence: 2, dueDate: "2027-02-28", amountMinor: 10_000n },
  { sequence: 3, dueDate: "2027-03-31", amountMinor: 10_001n },
];
let n = 0;
const pay = (amountMinor: bigint, receivedAt: string, currency = "GBP"): PlanPayment => ({ paymentId: `p${++n}`, amountMinor, currency, receivedAt: new Date(receivedAt) });
const statuses = (s: ReturnType<typeof planState>) => s.instalments.map((i) => i.status);

describe("graceEndOf", () => {
  it("is the start of the lender's local day after the last grace day, across a clock change", () => {
    expect(graceEndOf("2027-01-31", 10, "Europe/London").toISOString()).toBe("2027-02-11T00:00:00.000Z");
    // Grace over the end of March: 2027-04-11 00:00 BST is 23:00 UTC the day before.
    expect(graceEndOf("2027-03-31", 10, "Europe/London").toISOString()).toBe("2027-04-10T23:00:00.000Z");
  });
});

describe("planState", () => {
  it("fills instalments in due-date order, an overpayment carrying to the next, and completes on the payment that fills the last", () => {
    const payments = [pay(4_000n, "2027-01-20T10:00:00Z"), pay(16_000n, "2027-01-30T10:00:00Z"), pay(10_001n, "2027-03-30T10:00:00Z")];
    const before = planState(instalments, payments.slice(0, 1), terms, new Date("2027-01-25T00:00:00Z"));
    expect(statuses(before)).toEqual(["PARTIALLY_PAID", "DUE", "DUE"]);
    const mid = planState(instalments, payments.slice(0, 2), terms, new Date("2027-02-01T00:00:00Z"));
    expect(mid.instalments.map((i) => i.paidMinor)).toEqual([10_000n, 10_000n, 0n]);
    expect(statuses(mid)).toEqual(["PAID", "PAID", "DUE"]);
    const done = planState(instalments, payments, terms, new Date("2027-04-30T00:00:00Z"));
    expect(done).toMatchObject({ status: "COMPLETED", completedAt: new Date("2027-03-30T10:00:00Z"), paidMinor: 30_001n, surplusMinor: 0n, brokenAt: null });
  });

  it("breaks when an instalment is still short as its grace ends, not a millisecond before; paid on the last grace day it holds", () => {
    const end = graceEndOf("2027-01-31", 10, "Europe/London");
    expect(planState(instalments, [], terms, new Date(end.getTime() - 1)).status).toBe("ACTIVE");
    const broken = planState(instalments, [], terms, end);
    expect(broken).toMatchObject({ status: "BROKEN", brokenAt: end, brokenBy: 1 });
    expect(statuses(broken)).toEqual(["MISSED", "DUE", "DUE"]);
    // Paid in full at 23:59:59.999 on the last grace day: held.
    const justInTime = planState(instalments, [pay(10_000n, new Date(end.getTime() - 1).toISOString())], terms, new Date("2027-02-20T00:00:00Z"));
    expect(justInTime.status).toBe("ACTIVE");
    expect(statuses(justInTime)).toEqual(["PAID", "DUE", "DUE"]);
    // Received at the grace's end itself: too late, and not counted.
    const late = planState(instalments, [pay(10_000n, end.toISOString())], terms, new Date("2027-02-20T00:00:00Z"));
    expect(late).toMatchObject({ status: "BROKEN", brokenAt: end, counted: [] });
  });

  it("is broken by a part payment short of the instalment, and nothing received after mends it", () => {
    const end = graceEndOf("2027-02-28", 10, "Europe/London");
    const s = planState(instalments, [pay(10_000n, "2027-01-31T09:00:00Z"), pay(9_999n, "2027-03-01T09:00:00Z"), pay(50_000n, "2027-03-20T09:00:00Z")], terms, new Date("2027-04-01T00:00:00Z"));
    expect(s).toMatchObject({ status: "BROKEN", brokenAt: end, brokenBy: 2, paidMinor: 19_999n });
    expect(s.counted).toHaveLength(2);
    expect(statuses(s)).toEqual(["PAID", "MISSED", "DUE"]);
  });

  it("counts a payment loans dated a few minutes ahead (clock skew) as received now, and none further ahead", () => {
    const at = new Date("2027-03-30T10:00:00Z");
    const ahead = (ms: number) => new Date(at.getTime() + ms).toISOString();
    const all = [pay(10_000n, "2027-01-20T10:00:00Z"), pay(10_000n, "2027-02-20T10:00:00Z"), pay(10_001n, ahead(5 * 60_000))];
    expect(planState(instalments, all, terms, at)).toMatchObject({ status: "COMPLETED", completedAt: at, paidMinor: 30_001n });
    const tooFar = [...all.slice(0, 2), pay(10_001n, ahead(5 * 60_000 + 1))];
    expect(planState(instalments, tooFar, terms, at)).toMatchObject({ status: "ACTIVE", paidMinor: 20_000n });
  });

  it("counts only payments in the plan's currency, received since it started", () => {
    const s = planState(instalments, [pay(10_000n, "2027-01-05T09:00:00Z"), pay(10_000n, "2027-01-20T09:00:00Z", "EUR")], terms, new Date("2027-01-25T00:00:00Z"));
    expect(s.paidMinor).toBe(0n);
    expect(statuses(s)).toEqual(["DUE", "DUE", "DUE"]);
  });

  it("keeps a surplus beyond the total, and treats instalments of 0 (1 minor unit over 12) as paid", () => {
    const tiny: PlanInstalment[] = Array.from({ length: 12 }, (_, i) => ({ sequence: i + 1, dueDate: `2027-${String(i + 1).padStart(2, "0")}-15`, amountMinor: i === 11 ? 1n : 0n }));
    const open = planState(tiny, [], terms, new Date("2027-06-01T00:00:00Z"));
    expect(open.status).toBe("ACTIVE");
    expect(statuses(open).filter((x) => x === "PAID")).toHaveLength(11);
    const done = planState(tiny, [pay(5n, "2027-02-01T00:00:00Z")], terms, new Date("2027-02-02T00:00:00Z"));
    expect(done).toMatchObject({ status: "COMPLETED", paidMinor: 5n, surplusMinor: 4n });
  });
});
