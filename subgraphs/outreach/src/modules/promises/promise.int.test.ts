import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FixedClock, newEvent, uuidv7 } from "@concord/service-kit";
import type { Principal } from "@concord/schema";
import { agencyPrincipal, borrowerPrincipal, codes, holdJobLock, lenderPrincipal, subgraphCaller } from "@concord/test-kit";
import type { OutreachService } from "../../index";
import { knownCase, startOutreach } from "../../testing/fixtures";
import { breakPromises, paymentsHandler } from "./promise.service";

/**
 * Promises to pay as their callers meet them: made with a PROMISE_TO_PAY report, a hold on calls
 * until the end of the due date, kept by loans' payments (PaymentRecorded, handled as the
 * outreach.payments consumer would) up to the end of the grace, broken by the job after it.
 *
 * The borrowers live in London (GMT in November: local midnight is 00:00Z) and the lender
 * follows UK_FCA (no call caps, no quiet period), so only the promise's hold blocks a call.
 */

// Tuesday 2026-11-24, 16:00 in London.
const NOW = new Date("2026-11-24T16:00:00Z");
const clock = new FixedClock(NOW);
let svc: OutreachService;
let stop: () => Promise<void>;
let releaseJob: () => Promise<void>;
let principal: Principal;
const call = subgraphCaller("outreach", () => svc.url, () => principal);
const lender = uuidv7();
const agency = uuidv7();
const ZONE = "Europe/London";
/** Due Friday 2026-11-27: its end (the hold's) is 2026-11-28T00:00Z; 3 days' grace end at the end of Monday 2026-11-30. */
const DUE = "2026-11-27";
const DUE_END = new Date("2026-11-28T00:00:00Z");
const GRACE_END = new Date("2026-12-01T00:00:00Z");

const PROMISE = `id caseId agencyId amount { amountMinor currency } dueDate madeAt graceEndsAt status paidMinor keptAt brokenAt`;
const REPORT = `mutation($input: ReportActivityInput!) { reportActivity(input: $input) { replayed activity { id promise { ${PROMISE} } } } }`;
const PROMISES = `query($reps: [_Any!]!) { _entities(representations: $reps) { ... on CollectionCase { promises { ${PROMISE} activity { id outcome } } } } }`;
const POLICY = `query($caseId: ID!, $channel: Channel!, $at: DateTimeISO) { contactPolicy(caseId: $caseId, channel: $channel, at: $at) { allowed blockedBy { rule until } } }`;
const STATS = `query($from: LocalDate!, $to: LocalDate!) { promiseStats(from: $from, to: $to) { agencyId made kept broken pending keptRate } }`;

type Promise_ = { id: string; status: string; paidMinor: number; keptAt: string | null; brokenAt: string | null; graceEndsAt: string; [k: string]: unknown };

const input = (caseId: string, over: Record<string, unknown> = {}) => ({
  idempotencyKey: uuidv7(),
  caseId,
  channel: "CALL",
  direction: "OUTBOUND",
  outcome: "PROMISE_TO_PAY",
  occurredAt: new Date(NOW.getTime() - 60_000).toISOString(),
  promise: { amountMinor: 10_000, currency: "GBP", dueDate: DUE },
  ...over,
});

/** A case of `lenderId` held by `agencyId` (a new borrower in London), the clock at NOW. */
async function londonCase(lenderId = lender, agencyId: string | undefined = agency) {
  const c = await knownCase(svc, clock, { lenderId, agencyId, timezone: ZONE, currency: "GBP" });
  clock.set(NOW);
  return c;
}

/** A promise reported on a new case by the agency (or `as`), asserting it was made. */
async function promised(over: Record<string, unknown> = {}, o: { lenderId?: string; agencyId?: string; as?: Principal } = {}) {
  const c = await londonCase(o.lenderId ?? lender, o.as?.role === "lender" ? undefined : (o.agencyId ?? agency));
  principal = o.as ?? agencyPrincipal(o.agencyId ?? agency);
  const r = await call(REPORT, { input: input(c.caseId, over) });
  expect(r.errors).toBeUndefined();
  principal = lenderPrincipal(o.lenderId ?? lender);
  return { ...c, activityId: r.data.reportActivity.activity.id as string, promise: r.data.reportActivity.activity.promise as Promise_ };
}

/** A PaymentRecorded of the case, handled as the outreach.payments consumer would (one transaction). */
async function pay(caseId: string, amountMinor: number, receivedAt: Date, o: { currency?: string; paymentId?: string; lenderId?: string } = {}) {
  const payload = { paymentId: o.paymentId ?? uuidv7(), loanId: uuidv7(), borrowerId: uuidv7(), caseId, amountMinor: String(amountMinor), currency: o.currency ?? "GBP", receivedAt: receivedAt.toISOString() };
  const event = newEvent({ type: "PaymentRecorded", aggregateType: "Loan", aggregateId: payload.loanId, lenderId: o.lenderId ?? lender, payload }, clock.now());
  await svc.ds.transaction((tx) => paymentsHandler(clock)(event, tx));
  return payload.paymentId;
}

async function promiseOf(caseId: string): Promise<Promise_> {
  const r = await call(PROMISES, { reps: [{ __typename: "CollectionCase", id: caseId }] });
  expect(r.errors).toBeUndefined();
  return r.data._entities[0].promises[0];
}

const eventsOf = async (promiseId: string) =>
  (await svc.ds.query("SELECT envelope FROM outbox WHERE aggregate_id = $1 ORDER BY seq", [promiseId])).map((r: { envelope: string }) => JSON.parse(r.envelope));

async function policy(caseId: string, channel: string, at: Date) {
  const r = await call(POLICY, { caseId, channel, at: at.toISOString() });
  expect(r.errors).toBeUndefined();
  return r.data.contactPolicy as { allowed: boolean; blockedBy: Array<{ rule: string; until: string | null }> };
}

beforeAll(async () => {
  ({ svc, stop } = await startOutreach("promises", clock));
  // The tests run the job themselves, at the instants they choose.
  ({ release: releaseJob } = await holdJobLock(svc.ds, "outreach:break-promises"));
  principal = lenderPrincipal(lender);
  expect((await call(`mutation { setContactProfile(jurisdiction: UK_FCA) { jurisdiction } }`)).errors).toBeUndefined();
});
afterAll(async () => {
  await releaseJob?.();
  await stop?.();
});

describe("reportActivity with outcome PROMISE_TO_PAY", () => {
  it("makes a PENDING promise with the report: grace to the end of the due date plus 3 days in the borrower's zone, PromiseMade without PII", async () => {
    const { caseId, activityId, promise } = await promised();
    expect(promise).toEqual({
      id: expect.any(String), caseId, agencyId: agency, amount: { amountMinor: 10_000, currency: "GBP" }, dueDate: DUE,
      madeAt: new Date(NOW.getTime() - 60_000).toISOString(), graceEndsAt: GRACE_END.toISOString(), status: "PENDING", paidMinor: 0, keptAt: null, brokenAt: null,
    });
    const [made] = await eventsOf(promise.id);
    expect(made).toMatchObject({ type: "PromiseMade", aggregateType: "PromiseToPay", aggregateVersion: 1, lenderId: lender });
    expect(made.payload).toEqual({ promiseId: promise.id, caseId, activityId, agencyId: agency, amountMinor: "10000", currency: "GBP", dueDate: DUE, graceEndsAt: GRACE_END.toISOString() });
    // The case's list shows it with its activity.
    expect(await promiseOf(caseId)).toMatchObject({ id: promise.id, activity: { id: activityId, outcome: "PROMISE_TO_PAY" } });
  });

  it("is covered by the report's idempotency: a retry returns it and makes no second promise", async () => {
    const { caseId } = await londonCase();
    principal = agencyPrincipal(agency);
    const first = input(caseId);
    const one = await call(REPORT, { input: first });
    const two = await call(REPORT, { input: first });
    expect(two.data.reportActivity).toEqual({ ...one.data.reportActivity, replayed: true });
    const [{ n }] = await svc.ds.query("SELECT count(*)::int AS n FROM promise_to_pay WHERE case_id = $1", [caseId]);
    expect(n).toBe(1);
    // The same key with another promise is another report.
    expect(codes(await call(REPORT, { input: { ...first, promise: { ...first.promise, amountMinor: 9_999 } } }))).toEqual(["CONFLICT"]);
  });

  it("needs the promise with PROMISE_TO_PAY and refuses it with any other outcome, a zero amount or a bad currency, writing nothing", async () => {
    const { caseId } = await londonCase();
    principal = agencyPrincipal(agency);
    const without: Record<string, unknown> = input(caseId);
    delete without.promise;
    expect(codes(await call(REPORT, { input: without }))).toEqual(["BAD_USER_INPUT"]);
    expect(codes(await call(REPORT, { input: input(caseId, { outcome: "NO_ANSWER" }) }))).toEqual(["BAD_USER_INPUT"]);
    expect(codes(await call(REPORT, { input: input(caseId, { promise: { amountMinor: 0, currency: "GBP", dueDate: DUE } }) }))).toEqual(["BAD_USER_INPUT"]);
    expect(codes(await call(REPORT, { input: input(caseId, { promise: { amountMinor: 100, currency: "gbp", dueDate: DUE } }) }))).toEqual(["BAD_USER_INPUT"]);
    expect((await call(REPORT, { input: input(caseId, { outcome: "NO_ANSWER", promise: null }) })).errors).toBeUndefined();
    const [{ a, p }] = await svc.ds.query("SELECT (SELECT count(*)::int FROM activity WHERE case_id = $1) AS a, (SELECT count(*)::int FROM promise_to_pay WHERE case_id = $1) AS p", [caseId]);
    expect({ a, p }).toEqual({ a: 1, p: 0 });
  });

  it("takes a due date from the contact's local day to 90 days after it, in the borrower's zone, and refuses one a day outside", async () => {
    const { caseId } = await londonCase(lender, agency);
    const ny = await knownCase(svc, clock, { lenderId: lender, agencyId: agency, timezone: "America/New_York", currency: "GBP" });
    clock.set(NOW);
    principal = agencyPrincipal(agency);
    const dated = (id: string, dueDate: string, occurredAt?: string) => call(REPORT, { input: input(id, { promise: { amountMinor: 100, currency: "GBP", dueDate }, ...(occurredAt ? { occurredAt } : {}) }) });
    // London: the contact's day is 2026-11-24; 90 days later is 2027-02-22.
    expect(codes(await dated(caseId, "2026-11-23"))).toEqual(["BAD_USER_INPUT"]);
    expect(codes(await dated(caseId, "2027-02-23"))).toEqual(["BAD_USER_INPUT"]);
    expect((await dated(caseId, "2026-11-24")).errors).toBeUndefined();
    expect((await dated(caseId, "2027-02-22")).errors).toBeUndefined();
    // 03:00Z on the 24th is 22:00 on the 23rd in New York: that is the contact's day there.
    expect(codes(await dated(ny.caseId, "2026-11-22", "2026-11-24T03:00:00Z"))).toEqual(["BAD_USER_INPUT"]);
    expect((await dated(ny.caseId, "2026-11-23", "2026-11-24T03:00:00Z")).errors).toBeUndefined();
  });

  it("refuses a promise in a currency the case is not in (it could never be kept), writing nothing", async () => {
    const { caseId } = await londonCase(lender, agency);
    clock.set(NOW);
    principal = agencyPrincipal(agency);
    const r = await call(REPORT, { input: input(caseId, { promise: { amountMinor: 100, currency: "EUR", dueDate: "2026-11-27" } }) });
    expect(codes(r)).toEqual(["BAD_USER_INPUT"]);
    expect(r.errors?.[0]?.extensions?.field).toBe("promise.currency");
    expect((await svc.ds.query("SELECT count(*)::int AS n FROM activity WHERE case_id = $1", [caseId]))[0].n).toBe(0);
  });
});

describe("the PROMISE hold", () => {
  it("refuses collection calls from the report until the end of the due date (borrower's zone), allows SMS, and never holds calls after", async () => {
    const { caseId } = await promised();
    // Friday 10:00 in London: only the hold blocks a call; an SMS goes.
    const friday = new Date("2026-11-27T10:00:00Z");
    expect(await policy(caseId, "CALL", friday)).toEqual({ allowed: false, blockedBy: [{ rule: "CONTACT_HOLD", until: DUE_END.toISOString() }] });
    expect(await policy(caseId, "SMS", friday)).toEqual({ allowed: true, blockedBy: [] });
    // The hold's last instant and its end (both outside contact hours, which then block alone).
    const last = await policy(caseId, "CALL", new Date(DUE_END.getTime() - 1));
    expect(last.blockedBy.map((b) => b.rule)).toContain("CONTACT_HOLD");
    const end = await policy(caseId, "CALL", DUE_END);
    expect(end.blockedBy.map((b) => b.rule)).not.toContain("CONTACT_HOLD");
    expect(await policy(caseId, "CALL", new Date("2026-11-28T10:00:00Z"))).toEqual({ allowed: true, blockedBy: [] });
    // Not before the report: the hold starts when the promise is reported.
    expect(await policy(caseId, "CALL", new Date(NOW.getTime() - 1))).toEqual({ allowed: true, blockedBy: [] });
    const holds = await svc.ds.query("SELECT kind, channels, starts_at, ends_at FROM contact_hold WHERE case_id = $1", [caseId]);
    expect(holds).toEqual([{ kind: "PROMISE", channels: ["CALL"], starts_at: NOW, ends_at: DUE_END }]);
  });

  it("is lifted at once when the promise is kept", async () => {
    const { caseId, promise } = await promised();
    const keptAt = new Date(NOW.getTime() + 3_600_000);
    clock.set(keptAt);
    expect((await policy(caseId, "CALL", new Date(keptAt.getTime() - 1))).allowed).toBe(false);
    await pay(caseId, 10_000, keptAt);
    expect(await promiseOf(caseId)).toMatchObject({ id: promise.id, status: "KEPT", keptAt: keptAt.toISOString(), paidMinor: 10_000 });
    expect(await policy(caseId, "CALL", keptAt)).toEqual({ allowed: true, blockedBy: [] });
    expect((await policy(caseId, "CALL", new Date("2026-11-27T10:00:00Z"))).allowed).toBe(true);
  });
});

describe("kept and broken", () => {
  it("is kept exactly at the threshold by a payment on the grace's last instant; PromiseKept once", async () => {
    const { caseId, promise } = await promised();
    clock.set(new Date(GRACE_END.getTime() - 1));
    await pay(caseId, 10_000, new Date(GRACE_END.getTime() - 1));
    expect(await promiseOf(caseId)).toMatchObject({ status: "KEPT", paidMinor: 10_000, keptAt: new Date(GRACE_END.getTime() - 1).toISOString(), brokenAt: null });
    clock.set(new Date(GRACE_END.getTime() + 60_000));
    await breakPromises(svc.ds, clock);
    expect((await promiseOf(caseId)).status).toBe("KEPT");
    const events = await eventsOf(promise.id);
    expect(events.map((e: { type: string }) => e.type)).toEqual(["PromiseMade", "PromiseKept"]);
    expect(events[1].payload).toMatchObject({ promiseId: promise.id, caseId, paidMinor: "10000", keptAt: new Date(GRACE_END.getTime() - 1).toISOString() });
  });

  it("without payment stays PENDING until the grace ends and is BROKEN from then (one minute on); PromiseBroken once", async () => {
    const { caseId, promise } = await promised();
    clock.set(new Date(GRACE_END.getTime() - 1));
    await breakPromises(svc.ds, clock);
    expect((await promiseOf(caseId)).status).toBe("PENDING");
    const at = new Date(GRACE_END.getTime() + 60_000);
    clock.set(at);
    await breakPromises(svc.ds, clock);
    await breakPromises(svc.ds, clock);
    expect(await promiseOf(caseId)).toMatchObject({ status: "BROKEN", brokenAt: at.toISOString(), keptAt: null, paidMinor: 0 });
    const events = await eventsOf(promise.id);
    expect(events.map((e: { type: string }) => e.type)).toEqual(["PromiseMade", "PromiseBroken"]);
    expect(events[1]).toMatchObject({ aggregateVersion: 2, payload: { promiseId: promise.id, paidMinor: "0", brokenAt: at.toISOString(), dueDate: DUE } });
    // A payment received after the grace end changes nothing.
    await pay(caseId, 10_000, GRACE_END);
    expect((await promiseOf(caseId)).status).toBe("BROKEN");
  });

  it("is KEPT after all by a payment received in time but heard of after the job broke it; PromiseKept supersedes PromiseBroken", async () => {
    const { caseId, promise } = await promised();
    const brokenAt = new Date(GRACE_END.getTime() + 60_000);
    clock.set(brokenAt);
    await breakPromises(svc.ds, clock);
    expect((await promiseOf(caseId)).status).toBe("BROKEN");
    // The bus was behind: the payment was received a millisecond before the grace ended.
    const heardAt = new Date(GRACE_END.getTime() + 5 * 60_000);
    clock.set(heardAt);
    await pay(caseId, 10_000, new Date(GRACE_END.getTime() - 1));
    expect(await promiseOf(caseId)).toMatchObject({ status: "KEPT", paidMinor: 10_000, keptAt: heardAt.toISOString() });
    const events = await eventsOf(promise.id);
    expect(events.map((e: { type: string; aggregateVersion: number }) => [e.type, e.aggregateVersion])).toEqual([
      ["PromiseMade", 1],
      ["PromiseBroken", 2],
      ["PromiseKept", 3],
    ]);
  });

  it("counts no payment received at the grace end itself, nor one before the promise was made", async () => {
    const { caseId } = await promised();
    await pay(caseId, 10_000, new Date(NOW.getTime() - 60_001));
    clock.set(GRACE_END);
    await pay(caseId, 10_000, GRACE_END);
    expect(await promiseOf(caseId)).toMatchObject({ status: "PENDING", paidMinor: 0 });
    await breakPromises(svc.ds, clock);
    expect((await promiseOf(caseId)).status).toBe("BROKEN");
  });

  it("counts each payment once across a case's promises: the older promise first, what is left to the next", async () => {
    const { caseId } = await promised();
    // A second promise on the case, a minute after the first.
    principal = agencyPrincipal(agency);
    const second = await call(REPORT, { input: input(caseId, { occurredAt: NOW.toISOString() }) });
    expect(second.errors).toBeUndefined();
    const both = async () => (await svc.ds.query("SELECT status, paid_minor::int AS paid FROM promise_to_pay WHERE case_id = $1 ORDER BY made_at", [caseId])) as Array<{ status: string; paid: number }>;
    await pay(caseId, 14_000, NOW);
    // 10,000 keeps the first; the 4,000 left over counts to the second, no more.
    expect(await both()).toEqual([{ status: "KEPT", paid: 10_000 }, { status: "PENDING", paid: 4_000 }]);
    await pay(caseId, 6_000, new Date(NOW.getTime() + 60_000));
    expect(await both()).toEqual([{ status: "KEPT", paid: 10_000 }, { status: "KEPT", paid: 10_000 }]);
  });

  it("is not kept by a payment in another currency", async () => {
    const { caseId } = await promised();
    await pay(caseId, 50_000, NOW, { currency: "USD" });
    expect(await promiseOf(caseId)).toMatchObject({ status: "PENDING", paidMinor: 0 });
  });

  it("is kept by partial payments summing to the threshold; a duplicate PaymentRecorded counts once", async () => {
    const { caseId } = await promised();
    const first = await pay(caseId, 4_000, NOW);
    await pay(caseId, 4_000, NOW, { paymentId: first });
    expect(await promiseOf(caseId)).toMatchObject({ status: "PENDING", paidMinor: 4_000 });
    await pay(caseId, 5_999, NOW);
    expect(await promiseOf(caseId)).toMatchObject({ status: "PENDING", paidMinor: 9_999 });
    await pay(caseId, 1, NOW);
    expect(await promiseOf(caseId)).toMatchObject({ status: "KEPT", paidMinor: 10_000 });
    const [{ n }] = await svc.ds.query("SELECT count(*)::int AS n FROM case_payment WHERE case_id = $1", [caseId]);
    expect(n).toBe(3);
  });

  it("follows the lender's own terms: a 50% threshold and no grace days, set through setContactProfile", async () => {
    const own = uuidv7();
    principal = lenderPrincipal(own);
    const SET = `mutation($o: ContactProfileOverrides) { setContactProfile(jurisdiction: UK_FCA, overrides: $o) { promiseKeptThresholdBps promiseGraceDays } }`;
    const READ = `{ contactProfile { version promiseKeptThresholdBps promiseGraceDays } }`;
    expect((await call(READ)).data.contactProfile).toEqual({ version: 0, promiseKeptThresholdBps: 10_000, promiseGraceDays: 3 });
    expect(codes(await call(SET, { o: { promiseKeptThresholdBps: 10_001 } }))).toEqual(["BAD_USER_INPUT"]);
    expect(codes(await call(SET, { o: { promiseGraceDays: 31 } }))).toEqual(["BAD_USER_INPUT"]);
    const set = await call(SET, { o: { promiseKeptThresholdBps: 5_000, promiseGraceDays: 0 } });
    expect(set.data.setContactProfile).toEqual({ promiseKeptThresholdBps: 5_000, promiseGraceDays: 0 });
    // Stated again, nothing changes; the profile's version is raised by the change only.
    expect((await call(SET, { o: { promiseKeptThresholdBps: 5_000, promiseGraceDays: 0 } })).errors).toBeUndefined();
    expect((await call(READ)).data.contactProfile).toEqual({ version: 1, promiseKeptThresholdBps: 5_000, promiseGraceDays: 0 });
    const { caseId } = await promised({ promise: { amountMinor: 10_001, currency: "GBP", dueDate: DUE } }, { lenderId: own, as: lenderPrincipal(own) });
    // The grace ends with the due date; half of 10001 rounds up to 5001.
    expect((await promiseOf(caseId)).graceEndsAt).toBe(DUE_END.toISOString());
    await pay(caseId, 5_000, NOW, { lenderId: own });
    expect((await promiseOf(caseId)).status).toBe("PENDING");
    await pay(caseId, 1, NOW, { lenderId: own });
    expect(await promiseOf(caseId)).toMatchObject({ status: "KEPT", paidMinor: 5_001, agencyId: null });
  });
});

describe("who sees promises", () => {
  it("shows the borrower its own, an agency a case it holds, and refuses an agency that does not", async () => {
    const { caseId, borrowerId, promise } = await promised();
    principal = borrowerPrincipal(borrowerId);
    expect((await promiseOf(caseId)).id).toBe(promise.id);
    principal = agencyPrincipal(agency);
    expect((await promiseOf(caseId)).id).toBe(promise.id);
    principal = agencyPrincipal(uuidv7());
    const r = await call(PROMISES, { reps: [{ __typename: "CollectionCase", id: caseId }] });
    expect(r.data._entities[0].promises).toBeNull();
    expect(codes(r)).toEqual(["FORBIDDEN"]);
  });
});

describe("promiseStats", () => {
  it("counts promises due in [from, to] per agency for the lender, and an agency sees only its own row", async () => {
    const statsLender = uuidv7();
    const [a1, a2] = [uuidv7(), uuidv7()].sort();
    principal = lenderPrincipal(statsLender);
    expect((await call(`mutation { setContactProfile(jurisdiction: UK_FCA) { jurisdiction } }`)).errors).toBeUndefined();
    const kept = await promised({}, { lenderId: statsLender, agencyId: a1! });
    await pay(kept.caseId, 10_000, NOW, { lenderId: statsLender });
    await promised({}, { lenderId: statsLender, agencyId: a1! });
    await promised({}, { lenderId: statsLender, agencyId: a2! });
    await promised({}, { lenderId: statsLender, as: lenderPrincipal(statsLender) });
    // Due the day after: outside a period that ends on DUE.
    await promised({ promise: { amountMinor: 100, currency: "GBP", dueDate: "2026-11-28" } }, { lenderId: statsLender, agencyId: a2! });
    // Of another lender, by the same agency: not this lender's.
    await promised({}, { agencyId: a1! });
    clock.set(GRACE_END);
    await breakPromises(svc.ds, clock);
    // Broken now: a1's unpaid one (and the other lender's), a2's due on DUE, the lender's own. One more of a2's, still pending:
    const pending = await promised({ promise: { amountMinor: 100, currency: "GBP", dueDate: DUE } }, { lenderId: statsLender, agencyId: a2! });
    expect(pending.promise.status).toBe("PENDING");

    principal = lenderPrincipal(statsLender);
    const r = await call(STATS, { from: DUE, to: DUE });
    expect(r.errors).toBeUndefined();
    expect(r.data.promiseStats).toEqual([
      { agencyId: null, made: 1, kept: 0, broken: 1, pending: 0, keptRate: 0 },
      { agencyId: a1, made: 2, kept: 1, broken: 1, pending: 0, keptRate: 0.5 },
      { agencyId: a2, made: 2, kept: 0, broken: 1, pending: 1, keptRate: 0 },
    ]);
    expect((await call(STATS, { from: "2026-11-28", to: "2026-11-28" })).data.promiseStats).toEqual([{ agencyId: a2, made: 1, kept: 0, broken: 0, pending: 1, keptRate: null }]);
    expect((await call(STATS, { from: "2026-11-29", to: "2026-12-31" })).data.promiseStats).toEqual([]);
    expect(codes(await call(STATS, { from: DUE, to: "2026-11-26" }))).toEqual(["BAD_USER_INPUT"]);

    // The agency: its own row, over every lender whose cases it took promises on.
    principal = agencyPrincipal(a1!);
    expect((await call(STATS, { from: DUE, to: DUE })).data.promiseStats).toEqual([{ agencyId: a1, made: 3, kept: 1, broken: 2, pending: 0, keptRate: 1 / 3 }]);
    // The borrower: its own promise only.
    principal = borrowerPrincipal(kept.borrowerId);
    expect((await call(STATS, { from: DUE, to: DUE })).data.promiseStats).toEqual([{ agencyId: a1, made: 1, kept: 1, broken: 0, pending: 0, keptRate: 1 }]);
  });
});
