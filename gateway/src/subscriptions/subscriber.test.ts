import { GraphQLError } from "graphql";
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

  it("lets go of live events held during a replay past the limit, for the replay to read them from the bus", () => {
    const { s, closes } = subscriber(2);
    const entry = (seq: number) => ({ seq, subject: "CollectionCase.CaseUpdated", data: "{}", publishedAt: new Date() });
    s.hold(entry(1));
    s.hold(entry(2));
    expect(s.pendingDropped).toBe(false);
    s.hold(entry(3));
    s.hold(entry(4));
    expect(s.pendingDropped).toBe(true);
    expect(s.pending).toEqual([]);
    expect(closes).toEqual([]);
  });

  it("makes the replay wait until the client has read half its queue", async () => {
    const { s } = subscriber(4);
    for (let n = 1; n <= 4; n++) s.push(payload(n), n);
    let roomy = false;
    const room = s.room().then(() => (roomy = true));
    await s.next();
    await Promise.resolve();
    expect(roomy).toBe(false);
    await s.next();
    await s.next();
    await room;
    expect(roomy).toBe(true);
  });

  it("fails with an error after what was queued, and lets the hub forget it at once", async () => {
    const { s, ended } = subscriber();
    s.push(payload(1), 1);
    s.fail(new GraphQLError("resume", { extensions: { code: "INTERNAL_SERVER_ERROR" } }));
    expect(ended).toEqual([s]);
    expect(s.push(payload(2), 2)).toBe(false);
    expect((await s.next()).value).toEqual(payload(1));
    await expect(s.next()).rejects.toThrow("resume");
    await s.return();
    expect(ended).toHaveLength(1);
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
