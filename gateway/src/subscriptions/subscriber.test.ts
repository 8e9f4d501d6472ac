import { describe, expect, it } from "vitest";
import { WS_CLOSE_CODES, type Principal } from "@concord/schema";
import type { SubscriptionPlan } from "./plan";
import { Subscriber, type CloseReason } from "./subscriber";

const principal: Principal = { sub: "u1", role: "lender", lenderId: "l1", scope: [] };
const plan = { key: "k", declaration: { field: "caseUpdated" } } as unknown as SubscriptionPlan;
const payload = (n: number) => ({ data: { caseUpdated: { cursor: String(n) } } });

function subscriber(limit = 3) {
  const closes: CloseReason[] = [];
  const ended: Subscriber[] = [];
  const s = new Subscriber(principal, plan, limit, (why) => closes.push(why), (x) => ended.push(x));
  return { s, closes, ended };
}

describe("a subscriber's queue", () => {
  it("hands payloads over in order, each bus sequence once", async () => {
    const { s } = subscriber();
    s.push(payload(5), 5);
    s.push(payload(5), 5);
    s.push(payload(4), 4);
    s.push(payload(7), 7);
    expect((await s.next()).value).toEqual(payload(5));
    expect((await s.next()).value).toEqual(payload(7));
    const waiting = s.next();
    s.push(payload(9), 9);
    expect((await waiting).value).toEqual(payload(9));
  });

  it("closes a subscriber that does not keep up instead of holding more", async () => {
    const { s, closes, ended } = subscriber(3);
    for (let n = 1; n <= 3; n++) expect(s.push(payload(n), n)).toBe(true);
    expect(s.push(payload(4), 4)).toBe(false);
    expect(closes.map((c) => c.code)).toEqual([WS_CLOSE_CODES.SLOW_CONSUMER]);
    expect(ended).toEqual([s]);
    expect(s.closed).toBe(true);
    expect(await s.next()).toEqual({ value: undefined, done: true });
  });

  it("bounds the events held back during a replay the same way", () => {
    const { s, closes } = subscriber(2);
    const entry = (seq: number) => ({ seq, subject: "CollectionCase.CaseUpdated", data: "{}", publishedAt: new Date() });
    expect(s.hold(entry(1))).toBe(true);
    expect(s.hold(entry(2))).toBe(true);
    expect(s.hold(entry(3))).toBe(false);
    expect(closes.map((c) => c.code)).toEqual([WS_CLOSE_CODES.SLOW_CONSUMER]);
  });

  it("ends once, whoever ends it, and wakes a reader waiting for more", async () => {
    const { s, ended } = subscriber();
    const waiting = s.next();
    await s.return();
    await s.return();
    expect(await waiting).toEqual({ value: undefined, done: true });
    expect(ended).toHaveLength(1);
  });

  it("shares resolutions only with subscribers of the same rights and selection", () => {
    const other = new Subscriber({ ...principal, sub: "u2" }, plan, 3, () => {}, () => {});
    const otherLender = new Subscriber({ ...principal, lenderId: "l2" }, plan, 3, () => {}, () => {});
    const { s } = subscriber();
    expect(other.groupKey).toBe(s.groupKey);
    expect(otherLender.groupKey).not.toBe(s.groupKey);
  });
});
