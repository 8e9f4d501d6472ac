import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { applyToCaseDirectory, FixedClock, newEvent, profileOf, uuidv7, type EventEnvelope } from "@concord/service-kit";
import type { Principal } from "@concord/schema";
import { agencyPrincipal, auditorPrincipal, borrowerPrincipal, codes, lenderPrincipal, subgraphCaller } from "@concord/test-kit";
import type { RestructuringService } from "../../index";
import { caseEvent, knownCase, startRestructuring } from "../../testing/fixtures";
import { addMonths } from "./legal.service";
import { noticesHandler, paymentsHandler } from "./legal-facts";
import { DEFAULT_LIMITATION_MONTHS, restructuringTermsOf } from "./legal-terms";

/** The legal step: each of escalateToLegal's rules at its boundary, success, idempotency, who may; and the lender's restructuring terms. */

const NOW = new Date("2026-12-01T15:00:00Z");
const DAY = 86_400_000;
const clock = new FixedClock(NOW);
let svc: RestructuringService;
let stop: () => Promise<void>;
let principal: Principal;
const call = subgraphCaller("restructuring", () => svc.url, () => principal);
const lender = uuidv7();
const agency = uuidv7();

const ESCALATE = `mutation($c: ID!, $ref: String!, $reason: String!) {
  escalateToLegal(caseId: $c, legalOpinionReference: $ref, reason: $reason) { id caseId escalatedAt legalOpinionReference reason daysPastDue limitationRunsFrom limitationPeriodMonths } }`;
const SET_TERMS = `mutation($i: RestructuringTermsInput!) { setRestructuringTerms(input: $i) { planGraceDays legalMinDaysPastDue limitationPeriodMonths limitationPeriodIsDefault jurisdiction updatedAt } }`;
const TERMS = `{ restructuringTerms { planGraceDays legalMinDaysPastDue limitationPeriodMonths limitationPeriodIsDefault jurisdiction updatedAt } }`;
const CASE = `query($r: [_Any!]!) { _entities(representations: $r) { ... on CollectionCase { legalEscalation { id caseId escalatedAt legalOpinionReference reason } } } }`;
const args = (c: string) => ({ c, ref: "Opinion 2026/117 (Smith & Co)", reason: "No payment or contact since the legal warning" });

async function apply(...events: EventEnvelope[]) {
  await svc.ds.transaction(async (tx) => {
    await applyToCaseDirectory(tx, events);
    for (const e of events) {
      await noticesHandler()(e, tx);
      await paymentsHandler()(e, tx);
    }
  });
}

const noticeSent = (caseId: string, earliest: Date | null, stage = "LEGAL_WARNING") =>
  newEvent(
    {
      type: "NoticeSent", aggregateType: "Notice", aggregateId: uuidv7(), aggregateVersion: 1, lenderId: lender,
      payload: { noticeId: uuidv7(), caseId, activityId: uuidv7(), stage, channel: "LETTER", language: "en", required: false, sentAt: new Date(NOW.getTime() - 20 * DAY).toISOString(), earliestLegalStepAt: earliest?.toISOString() ?? null },
    },
    clock.now(),
  );
const payment = (loanId: string, borrowerId: string, caseId: string, receivedAt: Date) =>
  newEvent(
    {
      type: "PaymentRecorded", aggregateType: "Payment", aggregateId: uuidv7(), lenderId: lender,
      payload: { paymentId: uuidv7(), loanId, borrowerId, caseId, amountMinor: "1000", currency: "USD", receivedAt: receivedAt.toISOString() },
    },
    clock.now(),
  );
const hold = (caseId: string, kind: string, startsAt: Date, endsAt: Date | null) =>
  newEvent(
    {
      type: "ContactHoldPlaced", aggregateType: "ContactHold", aggregateId: uuidv7(), lenderId: lender,
      payload: { holdId: uuidv7(), caseId, kind, channels: [], startsAt: startsAt.toISOString(), endsAt: endsAt?.toISOString() ?? null },
    },
    clock.now(),
  );
/** The loans subgraph's CaseOpened of a case the directory knows, `openedAt` (its occurredAt): the limitation period's start while no payment was made. */
const opened = (c: { caseId: string; borrowerId: string; loanId: string }, openedAt: Date) =>
  newEvent(
    {
      type: "CaseOpened", aggregateType: "CollectionCase", aggregateId: c.caseId, aggregateVersion: 1, lenderId: lender,
      payload: {
        caseId: c.caseId, loanId: c.loanId, borrowerId: c.borrowerId, region: "Springfield", timezone: "America/New_York", status: "OPEN", daysPastDue: 40,
        bucket: "DPD_31_60", amountOverdueMinor: "10000", outstandingBalanceMinor: "90000", currency: "USD", asOf: "2026-12-01",
      },
    },
    openedAt,
  );

/**
 * A case every rule lets through: 90 days past due (the default threshold), a LEGAL_WARNING whose
 * wait ended a day ago, no hold, no plan, opened a year ago. Options break one rule.
 */
async function readyCase(o: { daysPastDue?: number; agencyId?: string } = {}) {
  const k = await knownCase(svc, clock, { lenderId: lender, agencyId: o.agencyId });
  const [{ loan_id: loanId }] = await svc.ds.query("SELECT loan_id FROM case_directory WHERE case_id = $1", [k.caseId]);
  await caseEvent(svc, clock, { caseId: k.caseId, lenderId: lender, borrowerId: k.borrowerId, version: 2, payload: { loanId, daysPastDue: o.daysPastDue ?? 90, status: o.agencyId ? "PLACED" : "OPEN" } });
  const c = { ...k, loanId };
  await apply(opened(c, new Date(NOW.getTime() - 365 * DAY)), noticeSent(k.caseId, new Date(NOW.getTime() - DAY)));
  return c;
}

async function escalate(as: Principal, caseId: string, vars = args(caseId)) {
  principal = as;
  return call(ESCALATE, vars);
}
const rule = (r: { errors?: ReadonlyArray<{ extensions?: Record<string, unknown> }> }) => r.errors?.[0]?.extensions?.rule;
const written = async (caseId: string) => ({
  escalations: (await svc.ds.query("SELECT count(*)::int AS n FROM legal_escalation WHERE case_id = $1", [caseId]))[0].n,
  events: (await svc.ds.query("SELECT count(*)::int AS n FROM outbox WHERE type = 'CaseEscalatedToLegal' AND envelope::jsonb->'payload'->>'caseId' = $1", [caseId]))[0].n,
  audit: (await svc.ds.query("SELECT count(*)::int AS n FROM audit_log WHERE action = 'LEGAL_ESCALATION' AND detail->>'caseId' = $1", [caseId]))[0].n,
});
const NOTHING = { escalations: 0, events: 0, audit: 0 };

beforeAll(async () => {
  ({ svc, stop } = await startRestructuring("legal", clock));
});
afterAll(async () => stop?.());

describe("escalateToLegal: each rule at its boundary, nothing written on refusal", () => {
  it("DAYS_PAST_DUE: allowed at the lender's threshold exactly, refused one day below it", async () => {
    clock.set(NOW);
    const below = await readyCase({ daysPastDue: 89 });
    const r = await escalate(lenderPrincipal(lender), below.caseId);
    expect(codes(r)).toEqual(["BAD_USER_INPUT"]);
    expect(rule(r)).toBe("DAYS_PAST_DUE");
    expect(await written(below.caseId)).toEqual(NOTHING);
    const at = await readyCase({ daysPastDue: 90 });
    const ok = await escalate(lenderPrincipal(lender), at.caseId);
    expect(ok.errors).toBeUndefined();
    expect(ok.data.escalateToLegal.daysPastDue).toBe(90);
  });

  it("DAYS_PAST_DUE follows the lender's own threshold", async () => {
    clock.set(NOW);
    const other = uuidv7();
    principal = lenderPrincipal(other);
    expect((await call(SET_TERMS, { i: { legalMinDaysPastDue: 120 } })).errors).toBeUndefined();
    const k = await knownCase(svc, clock, { lenderId: other });
    await caseEvent(svc, clock, { caseId: k.caseId, lenderId: other, borrowerId: k.borrowerId, version: 2, payload: { daysPastDue: 119 } });
    expect(rule(await escalate(lenderPrincipal(other), k.caseId))).toBe("DAYS_PAST_DUE");
  });

  it("LEGAL_WARNING: refused without one, or 1 ms before its earliestLegalStepAt; allowed at it exactly", async () => {
    clock.set(NOW);
    const k = await knownCase(svc, clock, { lenderId: lender });
    const [{ loan_id: loanId }] = await svc.ds.query("SELECT loan_id FROM case_directory WHERE case_id = $1", [k.caseId]);
    await caseEvent(svc, clock, { caseId: k.caseId, lenderId: lender, borrowerId: k.borrowerId, version: 2, payload: { loanId, daysPastDue: 120 } });
    await apply(opened({ ...k, loanId }, new Date(NOW.getTime() - 365 * DAY)), noticeSent(k.caseId, null, "GRACE_NOTICE"));
    const none = await escalate(lenderPrincipal(lender), k.caseId);
    expect([codes(none), rule(none)]).toEqual([["BAD_USER_INPUT"], "LEGAL_WARNING"]);
    const earliest = new Date(NOW.getTime() + 14 * DAY);
    await apply(noticeSent(k.caseId, earliest));
    clock.set(new Date(earliest.getTime() - 1));
    expect(rule(await escalate(lenderPrincipal(lender), k.caseId))).toBe("LEGAL_WARNING");
    expect(await written(k.caseId)).toEqual(NOTHING);
    clock.set(earliest);
    const ok = await escalate(lenderPrincipal(lender), k.caseId);
    expect(ok.errors).toBeUndefined();
    expect(ok.data.escalateToLegal.escalatedAt).toBe(earliest.toISOString());
  });

  it("NO_DISPUTE: refused while a DISPUTE hold is in force, allowed once it has ended", async () => {
    clock.set(NOW);
    const c = await readyCase();
    const ends = new Date(NOW.getTime() + DAY);
    await apply(hold(c.caseId, "DISPUTE", new Date(NOW.getTime() - DAY), ends));
    const r = await escalate(lenderPrincipal(lender), c.caseId);
    expect([codes(r), rule(r)]).toEqual([["BAD_USER_INPUT"], "NO_DISPUTE"]);
    clock.set(new Date(ends.getTime() - 1));
    expect(rule(await escalate(lenderPrincipal(lender), c.caseId))).toBe("NO_DISPUTE");
    expect(await written(c.caseId)).toEqual(NOTHING);
    clock.set(ends);
    expect((await escalate(lenderPrincipal(lender), c.caseId)).errors).toBeUndefined();
  });

  it("NO_HARDSHIP_HOLD: a HARDSHIP hold or a BREATHING_SPACE refuses; a hold of another kind (ARRANGEMENT) does not", async () => {
    clock.set(NOW);
    for (const kind of ["HARDSHIP", "BREATHING_SPACE"]) {
      const c = await readyCase();
      await apply(hold(c.caseId, kind, NOW, null));
      const r = await escalate(lenderPrincipal(lender), c.caseId);
      expect([kind, codes(r), rule(r)]).toEqual([kind, ["BAD_USER_INPUT"], "NO_HARDSHIP_HOLD"]);
      expect(await written(c.caseId)).toEqual(NOTHING);
    }
    // A hold starting 1 ms from now is not in force yet.
    const later = await readyCase();
    await apply(hold(later.caseId, "HARDSHIP", new Date(NOW.getTime() + 1), null));
    expect((await escalate(lenderPrincipal(lender), later.caseId)).errors).toBeUndefined();
    const other = await readyCase();
    await apply(hold(other.caseId, "ARRANGEMENT", NOW, null));
    expect((await escalate(lenderPrincipal(lender), other.caseId)).errors).toBeUndefined();
  });

  it("NO_ACTIVE_PLAN: refused while the case has an ACTIVE plan, allowed once it is BROKEN", async () => {
    clock.set(NOW);
    const c = await readyCase();
    principal = lenderPrincipal(lender);
    const offer = await call(`mutation($i: ProposeOfferInput!) { proposeOffer(input: $i) { id version } }`, {
      i: { idempotencyKey: uuidv7(), caseId: c.caseId, kind: "INSTALLMENT_PLAN", instalments: 3, frequency: "MONTHLY", firstDueDate: "2026-12-15" },
    });
    expect(offer.errors).toBeUndefined();
    principal = borrowerPrincipal(c.borrowerId);
    const accepted = await call(`mutation($id: ID!, $v: Int!) { acceptOffer(offerId: $id, version: $v) { status } }`, { id: offer.data.proposeOffer.id, v: offer.data.proposeOffer.version });
    expect(accepted.errors).toBeUndefined();
    const r = await escalate(lenderPrincipal(lender), c.caseId);
    expect([codes(r), rule(r)]).toEqual([["BAD_USER_INPUT"], "NO_ACTIVE_PLAN"]);
    expect(await written(c.caseId)).toEqual(NOTHING);
    await svc.ds.query("UPDATE plan SET status = 'BROKEN' WHERE case_id = $1", [c.caseId]);
    // An offer still open when it escalates is withdrawn with it, and nothing is accepted afterwards.
    principal = lenderPrincipal(lender);
    const open = await call(`mutation($i: ProposeOfferInput!) { proposeOffer(input: $i) { id version } }`, {
      i: { idempotencyKey: uuidv7(), caseId: c.caseId, kind: "INSTALLMENT_PLAN", instalments: 2, frequency: "MONTHLY", firstDueDate: "2026-12-15" },
    });
    expect(open.errors).toBeUndefined();
    expect((await escalate(lenderPrincipal(lender), c.caseId)).errors).toBeUndefined();
    expect((await svc.ds.query("SELECT status FROM offer WHERE id = $1", [open.data.proposeOffer.id]))[0].status).toBe("WITHDRAWN");
    principal = borrowerPrincipal(c.borrowerId);
    const late = await call(`mutation($id: ID!, $v: Int!) { acceptOffer(offerId: $id, version: $v) { status } }`, { id: open.data.proposeOffer.id, v: 2 });
    expect(codes(late)).toEqual(["CONFLICT"]);
  });

  it("TIME_BARRED: from the last payment, refused at the period's end exactly, allowed 1 ms before it (US_REG_F default 36 months)", async () => {
    clock.set(NOW);
    const c = await readyCase();
    const paid = new Date("2023-12-10T10:00:00Z");
    // A later payment first, then an earlier one delivered late: the latest stays.
    await apply(payment(c.loanId, c.borrowerId, c.caseId, paid), payment(c.loanId, c.borrowerId, c.caseId, new Date("2023-01-01T00:00:00Z")));
    const barredAt = addMonths(paid, DEFAULT_LIMITATION_MONTHS.US_REG_F);
    expect(barredAt.toISOString()).toBe("2026-12-10T10:00:00.000Z");
    clock.set(barredAt);
    const r = await escalate(lenderPrincipal(lender), c.caseId);
    expect([codes(r), rule(r)]).toEqual([["BAD_USER_INPUT"], "TIME_BARRED"]);
    expect(await written(c.caseId)).toEqual(NOTHING);
    clock.set(new Date(barredAt.getTime() - 1));
    const ok = await escalate(lenderPrincipal(lender), c.caseId);
    expect(ok.errors).toBeUndefined();
    expect(ok.data.escalateToLegal).toMatchObject({ limitationRunsFrom: paid.toISOString(), limitationPeriodMonths: 36 });
  });

  it("TIME_BARRED: with no payment ever, the period runs from the case's opening; the lender's own period applies", async () => {
    clock.set(NOW);
    const c = await readyCase();
    // Opened a year ago: a 12-month period ends exactly now (barred), a 13-month one does not.
    principal = lenderPrincipal(lender);
    const openedAt = (await svc.ds.query("SELECT opened_at FROM case_opening WHERE case_id = $1", [c.caseId]))[0].opened_at;
    clock.set(addMonths(new Date(openedAt), 12));
    expect((await call(SET_TERMS, { i: { limitationPeriodMonths: 12 } })).errors).toBeUndefined();
    expect(rule(await escalate(lenderPrincipal(lender), c.caseId))).toBe("TIME_BARRED");
    expect((await call(SET_TERMS, { i: { limitationPeriodMonths: 13 } })).errors).toBeUndefined();
    const ok = await escalate(lenderPrincipal(lender), c.caseId);
    expect(ok.errors).toBeUndefined();
    expect(ok.data.escalateToLegal).toMatchObject({ limitationRunsFrom: new Date(openedAt).toISOString(), limitationPeriodMonths: 13 });
    principal = lenderPrincipal(lender);
    expect((await call(SET_TERMS, { i: { limitationPeriodMonths: null } })).data.setRestructuringTerms).toMatchObject({ limitationPeriodMonths: 36, limitationPeriodIsDefault: true });
  });

  it("rules are checked in order: a case failing several is refused by the first", async () => {
    clock.set(NOW);
    const c = await readyCase({ daysPastDue: 30 });
    await apply(hold(c.caseId, "DISPUTE", NOW, null));
    expect(rule(await escalate(lenderPrincipal(lender), c.caseId))).toBe("DAYS_PAST_DUE");
    await caseEvent(svc, clock, { caseId: c.caseId, lenderId: lender, borrowerId: c.borrowerId, version: 3, payload: { loanId: c.loanId, daysPastDue: 95 } });
    await apply(hold(c.caseId, "HARDSHIP", NOW, null));
    expect(rule(await escalate(lenderPrincipal(lender), c.caseId))).toBe("NO_DISPUTE");
  });
});

describe("escalateToLegal: success, retry, who may", () => {
  it("writes the escalation, CaseEscalatedToLegal and a LEGAL_ESCALATION audit record; a retry returns the same escalation and writes nothing more", async () => {
    clock.set(NOW);
    const c = await readyCase();
    const first = await escalate(lenderPrincipal(lender), c.caseId);
    expect(first.errors).toBeUndefined();
    const e = first.data.escalateToLegal;
    expect(e).toMatchObject({ caseId: c.caseId, escalatedAt: NOW.toISOString(), legalOpinionReference: args(c.caseId).ref, reason: args(c.caseId).reason });
    const [event] = await svc.ds.query("SELECT envelope FROM outbox WHERE aggregate_id = $1", [e.id]);
    expect(JSON.parse(event.envelope)).toMatchObject({ type: "CaseEscalatedToLegal", aggregateType: "LegalEscalation", aggregateVersion: 1, lenderId: lender, payload: { escalationId: e.id, caseId: c.caseId, escalatedAt: NOW.toISOString() } });
    const [audit] = await svc.ds.query("SELECT * FROM audit_log WHERE action = 'LEGAL_ESCALATION' AND object_id = $1", [e.id]);
    expect(audit).toMatchObject({ actor_role: "lender", actor_org: lender, subject_type: "Mutation", subject_field: "escalateToLegal", detail: { caseId: c.caseId, daysPastDue: 90 } });

    clock.set(new Date(NOW.getTime() + DAY));
    const retry = await escalate(lenderPrincipal(lender), c.caseId, { ...args(c.caseId), reason: "said again" });
    expect(retry.errors).toBeUndefined();
    expect(retry.data.escalateToLegal).toEqual(e);
    expect(await written(c.caseId)).toEqual({ escalations: 1, events: 1, audit: 1 });
  });

  it("another lender's case is NOT_FOUND, an agency (even holding the case) and a borrower FORBIDDEN; nothing written", async () => {
    clock.set(NOW);
    const c = await readyCase({ agencyId: agency });
    expect(codes(await escalate(lenderPrincipal(uuidv7()), c.caseId))).toEqual(["NOT_FOUND"]);
    expect(codes(await escalate(lenderPrincipal(lender), uuidv7()))).toEqual(["NOT_FOUND"]);
    expect(codes(await escalate(agencyPrincipal(agency), c.caseId))).toEqual(["FORBIDDEN"]);
    expect(codes(await escalate(borrowerPrincipal(c.borrowerId), c.caseId))).toEqual(["FORBIDDEN"]);
    expect(await written(c.caseId)).toEqual(NOTHING);
  });

  it("legalOpinionReference and reason are required: 1..500 and 1..2000 characters", async () => {
    clock.set(NOW);
    const c = await readyCase();
    for (const [vars, field] of [
      [{ ...args(c.caseId), ref: " " }, "legalOpinionReference"],
      [{ ...args(c.caseId), ref: "x".repeat(501) }, "legalOpinionReference"],
      [{ ...args(c.caseId), reason: "" }, "reason"],
      [{ ...args(c.caseId), reason: "x".repeat(2001) }, "reason"],
    ] as const) {
      const r = await escalate(lenderPrincipal(lender), c.caseId, vars);
      expect([codes(r), r.errors?.[0]?.extensions?.field]).toEqual([["BAD_USER_INPUT"], field]);
    }
    expect(await written(c.caseId)).toEqual(NOTHING);
    expect((await escalate(lenderPrincipal(lender), c.caseId, { ...args(c.caseId), ref: "x".repeat(500), reason: "y".repeat(2000) })).errors).toBeUndefined();
  });

  it("CollectionCase.legalEscalation: the lender sees it all, an auditor all but the reason, an agency holding the case that it exists and when, the borrower nothing", async () => {
    clock.set(NOW);
    const c = await readyCase({ agencyId: agency });
    const e = (await escalate(lenderPrincipal(lender), c.caseId)).data.escalateToLegal;
    const view = async (as: Principal) => {
      principal = as;
      const r = await call(CASE, { r: [{ __typename: "CollectionCase", id: c.caseId }] });
      return { data: r.data?._entities[0]?.legalEscalation ?? null, codes: codes(r) };
    };
    expect((await view(lenderPrincipal(lender))).data).toEqual({ id: e.id, caseId: c.caseId, escalatedAt: NOW.toISOString(), legalOpinionReference: e.legalOpinionReference, reason: e.reason });
    expect((await view(auditorPrincipal())).data).toEqual({ id: e.id, caseId: c.caseId, escalatedAt: NOW.toISOString(), legalOpinionReference: e.legalOpinionReference, reason: null });
    expect((await view(agencyPrincipal(agency))).data).toEqual({ id: e.id, caseId: c.caseId, escalatedAt: NOW.toISOString(), legalOpinionReference: null, reason: null });
    expect((await view(borrowerPrincipal(c.borrowerId))).data).toBeNull();
    expect((await view(lenderPrincipal(uuidv7()))).data).toBeNull();
  });
});

describe("restructuring terms", () => {
  it("defaults (10 grace days, 90 days past due, the jurisdiction's limitation period); the lender sets its own within range; others FORBIDDEN", async () => {
    const own = uuidv7();
    principal = lenderPrincipal(own);
    expect((await call(TERMS)).data.restructuringTerms).toEqual({ planGraceDays: 10, legalMinDaysPastDue: 90, limitationPeriodMonths: 36, limitationPeriodIsDefault: true, jurisdiction: "US_REG_F", updatedAt: null });
    for (const [i, field] of [
      [{ planGraceDays: 61 }, "planGraceDays"], [{ planGraceDays: -1 }, "planGraceDays"], [{ legalMinDaysPastDue: 29 }, "legalMinDaysPastDue"], [{ limitationPeriodMonths: 0 }, "limitationPeriodMonths"],
    ] as const) {
      const r = await call(SET_TERMS, { i });
      expect([codes(r), r.errors?.[0]?.extensions?.field]).toEqual([["BAD_USER_INPUT"], field]);
    }
    expect((await call(TERMS)).data.restructuringTerms.updatedAt).toBeNull();
    clock.set(NOW);
    const set = await call(SET_TERMS, { i: { planGraceDays: 0, legalMinDaysPastDue: 30 } });
    expect(set.data.setRestructuringTerms).toEqual({ planGraceDays: 0, legalMinDaysPastDue: 30, limitationPeriodMonths: 36, limitationPeriodIsDefault: true, jurisdiction: "US_REG_F", updatedAt: NOW.toISOString() });
    expect((await call(SET_TERMS, { i: { planGraceDays: 60 } })).data.setRestructuringTerms).toMatchObject({ planGraceDays: 60, legalMinDaysPastDue: 30 });
    expect(await restructuringTermsOf(svc.ds, own)).toMatchObject({ planGraceDays: 60, legalMinDaysPastDue: 30, limitationPeriodMonths: 36 });
    // Another lender's terms are its own.
    expect((await restructuringTermsOf(svc.ds, uuidv7())).planGraceDays).toBe(10);
    for (const as of [agencyPrincipal(agency), borrowerPrincipal(uuidv7()), auditorPrincipal()]) {
      principal = as;
      expect(codes(await call(SET_TERMS, { i: { planGraceDays: 5 } }))).toEqual(["FORBIDDEN"]);
    }
    // Reading them: an auditor any lender's, an agency only a lender's one of whose cases it holds, a borrower none, another lender not these.
    const READ = `query($l: ID) { restructuringTerms(lenderId: $l) { planGraceDays legalMinDaysPastDue } }`;
    principal = auditorPrincipal();
    expect((await call(READ, { l: own })).data.restructuringTerms).toEqual({ planGraceDays: 60, legalMinDaysPastDue: 30 });
    const stranger = uuidv7();
    principal = agencyPrincipal(stranger);
    expect(codes(await call(READ, { l: own }))).toEqual(["FORBIDDEN"]);
    await knownCase(svc, clock, { lenderId: own, agencyId: stranger });
    expect((await call(READ, { l: own })).data.restructuringTerms).toEqual({ planGraceDays: 60, legalMinDaysPastDue: 30 });
    principal = borrowerPrincipal(uuidv7());
    expect(codes(await call(READ, { l: own }))).toEqual(["FORBIDDEN"]);
    principal = lenderPrincipal(uuidv7());
    expect(codes(await call(READ, { l: own }))).toEqual(["FORBIDDEN"]);
  });

  it("the limitation period defaults by the lender's jurisdiction (the directory's profile): UK_FCA 72, CN_NIFA 36", async () => {
    for (const [jurisdiction, months] of [["UK_FCA", 72], ["CN_NIFA", 36]] as const) {
      const l = uuidv7();
      await apply(
        newEvent({ type: "ContactProfileSet", aggregateType: "ContactProfile", aggregateId: l, aggregateVersion: 1, lenderId: l, payload: { lenderId: l, jurisdiction, parameters: profileOf(jurisdiction).parameters } }, clock.now()),
      );
      expect(await restructuringTermsOf(svc.ds, l)).toMatchObject({ jurisdiction, limitationPeriodMonths: months, limitationPeriodIsDefault: true });
    }
  });
});

describe("addMonths", () => {
  it("rolls by calendar month, a 31st to the month's last day, keeping the time of day", () => {
    expect(addMonths(new Date("2026-01-31T10:00:00Z"), 1).toISOString()).toBe("2026-02-28T10:00:00.000Z");
    expect(addMonths(new Date("2024-02-29T00:00:00Z"), 12).toISOString()).toBe("2025-02-28T00:00:00.000Z");
    expect(addMonths(new Date("2023-11-15T10:00:00Z"), 36).toISOString()).toBe("2026-11-15T10:00:00.000Z");
  });
});
