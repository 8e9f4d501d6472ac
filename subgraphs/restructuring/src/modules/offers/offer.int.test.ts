import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FixedClock, uuidv7 } from "@concord/service-kit";
import type { Principal } from "@concord/schema";
import { agencyPrincipal, auditorPrincipal, borrowerPrincipal, codes, lenderPrincipal, subgraphCaller } from "@concord/test-kit";
import type { RestructuringService } from "../../index";
import { caseEvent, knownCase, startRestructuring } from "../../testing/fixtures";
import { expireOffers } from "./offer.service";

/** Offers as their callers meet them: delegated authority, approval, idempotency, acceptance into a plan, expiry, who sees what. */

const NOW = new Date("2026-12-01T15:00:00Z");
const DAY = 86_400_000;
const clock = new FixedClock(NOW);
let svc: RestructuringService;
let stop: () => Promise<void>;
let principal: Principal;
const call = subgraphCaller("restructuring", () => svc.url, () => principal);
const lender = uuidv7();
const agency = uuidv7();

const OFFER_FIELDS = `id caseId kind status version instalments discountBps expiresAt proposedByRole proposedAt decidedAt decidedByRole
  schedule { sequence dueDate amount { amountMinor currency } } totalPayable { amountMinor currency } totalForgiven { amountMinor currency }`;
const PROPOSE = `mutation($input: ProposeOfferInput!) { proposeOffer(input: $input) { ${OFFER_FIELDS} } }`;
const APPROVE = `mutation($id: ID!, $note: String) { approveOffer(offerId: $id, note: $note) { id status version proposedAt approvalNote decisionNote } }`;
const REJECT = `mutation($id: ID!, $reason: String) { rejectOffer(offerId: $id, reason: $reason) { id status version decidedByRole } }`;
const WITHDRAW = `mutation($id: ID!) { withdrawOffer(offerId: $id) { id status version decidedByRole } }`;
const ACCEPT = `mutation($id: ID!, $v: Int!) { acceptOffer(offerId: $id, version: $v) { id status version decidedByRole } }`;
const OFFER = `query($id: ID!) { offer(id: $id) { id status version } }`;
const MY_OFFERS = `{ myOffers { id status } }`;
const CASE = `query($r: [_Any!]!) { _entities(representations: $r) { ... on CollectionCase { offers { id status } plans { id offerId status totalPayable { amountMinor } instalments { sequence dueDate amount { amountMinor } paid { amountMinor } status } } } } }`;

const settlement = (caseId: string, discountBps: number, instalments = 1, key = uuidv7()) => ({
  input: { idempotencyKey: key, caseId, kind: "SETTLEMENT", discountBps, instalments, firstDueDate: "2026-12-15" },
});
const plan = (caseId: string, instalments: number, key = uuidv7()) => ({ input: { idempotencyKey: key, caseId, kind: "INSTALLMENT_PLAN", instalments, frequency: "MONTHLY", firstDueDate: "2026-12-15" } });

async function propose(as: Principal, vars: { input: Record<string, unknown> }) {
  principal = as;
  const r = await call(PROPOSE, vars);
  expect(r.errors).toBeUndefined();
  return r.data.proposeOffer;
}
async function caseView(as: Principal, caseId: string) {
  principal = as;
  const r = await call(CASE, { r: [{ __typename: "CollectionCase", id: caseId }] });
  expect(r.errors).toBeUndefined();
  return r.data._entities[0];
}
const outbox = (aggregateId: string) => svc.ds.query("SELECT type, envelope FROM outbox WHERE aggregate_id = $1 ORDER BY seq", [aggregateId]);

beforeAll(async () => {
  ({ svc, stop } = await startRestructuring("offers", clock));
});
afterAll(async () => stop?.());

describe("proposeOffer: delegated authority", () => {
  it("puts an agency's offer at its placement's limits to the borrower, and one a basis point or an instalment over them to the lender", async () => {
    clock.set(NOW);
    const { caseId } = await knownCase(svc, clock, { lenderId: lender, agencyId: agency, maxDiscountBps: 1000, maxInstalments: 6 });
    const asAgency = agencyPrincipal(agency);
    expect((await propose(asAgency, settlement(caseId, 1000, 6))).status).toBe("PROPOSED");
    expect((await propose(asAgency, settlement(caseId, 1001, 6))).status).toBe("PENDING_APPROVAL");
    expect((await propose(asAgency, plan(caseId, 6))).status).toBe("PROPOSED");
    const over = await propose(asAgency, plan(caseId, 7));
    expect(over).toMatchObject({ status: "PENDING_APPROVAL", proposedAt: null, proposedByRole: "agency", version: 1 });
    // The schedule is what it is whoever decides: seven payments summing to the balance.
    expect(over.schedule).toHaveLength(7);
    expect(over.schedule.reduce((s: bigint, x: any) => s + BigInt(x.amount.amountMinor), 0n)).toBe(BigInt(over.totalPayable.amountMinor));
    expect(over.totalPayable).toEqual({ amountMinor: 90000, currency: "USD" });

    const events = await svc.ds.query("SELECT envelope FROM outbox WHERE type = 'OfferProposed' AND envelope::jsonb->'payload'->>'caseId' = $1 ORDER BY seq", [caseId]);
    expect(events.map((e: any) => JSON.parse(e.envelope).payload.status)).toEqual(["PROPOSED", "PENDING_APPROVAL", "PROPOSED", "PENDING_APPROVAL"]);
    expect(JSON.parse(events[0].envelope).payload).toMatchObject({ kind: "SETTLEMENT", proposedByRole: "agency", agencyId: agency, instalments: 6, totalForgivenMinor: "9000", currency: "USD" });
  });

  it("puts a lender's offer on its own case to the borrower whatever the discount; a placement without delegated authority sends every agency offer to the lender", async () => {
    clock.set(NOW);
    const own = await knownCase(svc, clock, { lenderId: lender, agencyId: agency });
    const offer = await propose(lenderPrincipal(lender), settlement(own.caseId, 5000, 12));
    expect(offer).toMatchObject({ status: "PROPOSED", proposedByRole: "lender", proposedAt: NOW.toISOString(), totalForgiven: { amountMinor: 45000, currency: "USD" } });

    const old = await knownCase(svc, clock, { lenderId: lender, agencyId: agency, maxDiscountBps: null, maxInstalments: null });
    expect((await propose(agencyPrincipal(agency), settlement(old.caseId, 1, 1))).status).toBe("PENDING_APPROVAL");
  });

  it("refuses an agency on a case it does not hold (NOT_FOUND; FORBIDDEN once it held it), another lender's case, a borrower and an auditor", async () => {
    clock.set(NOW);
    const { caseId } = await knownCase(svc, clock, { lenderId: lender, agencyId: agency });
    principal = agencyPrincipal(uuidv7());
    expect(codes(await call(PROPOSE, settlement(caseId, 100)))).toEqual(["NOT_FOUND"]);
    principal = lenderPrincipal(uuidv7());
    expect(codes(await call(PROPOSE, settlement(caseId, 100)))).toEqual(["NOT_FOUND"]);
    principal = borrowerPrincipal(uuidv7());
    expect(codes(await call(PROPOSE, settlement(caseId, 100)))).toEqual(["FORBIDDEN"]);
    principal = auditorPrincipal();
    expect(codes(await call(PROPOSE, settlement(caseId, 100)))).toEqual(["FORBIDDEN"]);

    // Its placement ended a millisecond ago: it knows the case, and may no longer offer on it.
    const lapsed = await knownCase(svc, clock, { lenderId: lender, agencyId: agency, expiresAt: new Date(NOW.getTime() - 1) });
    principal = agencyPrincipal(agency);
    expect(codes(await call(PROPOSE, settlement(lapsed.caseId, 100)))).toEqual(["FORBIDDEN"]);
    const atEnd = await knownCase(svc, clock, { lenderId: lender, agencyId: agency, expiresAt: new Date(NOW.getTime() + 1) });
    expect((await propose(agencyPrincipal(agency), settlement(atEnd.caseId, 100))).status).toBe("PROPOSED");
    expect(await svc.ds.query("SELECT count(*)::int AS n FROM offer WHERE case_id = ANY($1::uuid[])", [[caseId, lapsed.caseId]])).toEqual([{ n: 0 }]);
  });

  it("refuses terms of another kind, and an expiry in the past or beyond 90 days, writing nothing", async () => {
    clock.set(NOW);
    const { caseId } = await knownCase(svc, clock, { lenderId: lender });
    principal = lenderPrincipal(lender);
    const bad = async (input: Record<string, unknown>) => codes(await call(PROPOSE, { input: { idempotencyKey: uuidv7(), caseId, ...input } }));
    expect(await bad({ kind: "SETTLEMENT", discountBps: 100, firstDueDate: "2026-12-15", extraMonths: 2 })).toEqual(["BAD_USER_INPUT"]);
    expect(await bad({ kind: "TERM_EXTENSION", extraMonths: 2, discountBps: 100 })).toEqual(["BAD_USER_INPUT"]);
    expect(await bad({ kind: "SETTLEMENT", discountBps: 100, firstDueDate: "2026-12-15", expiresAt: NOW.toISOString() })).toEqual(["BAD_USER_INPUT"]);
    expect(await bad({ kind: "SETTLEMENT", discountBps: 100, firstDueDate: "2026-12-15", expiresAt: new Date(NOW.getTime() + 90 * DAY + 1).toISOString() })).toEqual(["BAD_USER_INPUT"]);
    expect(await svc.ds.query("SELECT count(*)::int AS n FROM offer WHERE case_id = $1", [caseId])).toEqual([{ n: 0 }]);
    const r = await call(PROPOSE, { input: { idempotencyKey: uuidv7(), caseId, kind: "SETTLEMENT", discountBps: 100, firstDueDate: "2026-12-15", expiresAt: new Date(NOW.getTime() + 90 * DAY).toISOString() } });
    expect(r.errors).toBeUndefined();
    // Without one, 14 days.
    expect((await propose(lenderPrincipal(lender), settlement(caseId, 100))).expiresAt).toBe(new Date(NOW.getTime() + 14 * DAY).toISOString());
  });
});

describe("proposeOffer: idempotency", () => {
  it("returns the first offer for a retry, refuses the key with other content, and keys are per proposer", async () => {
    clock.set(NOW);
    const { caseId } = await knownCase(svc, clock, { lenderId: lender, agencyId: agency });
    const key = `retry-${uuidv7()}`;
    const first = await propose(agencyPrincipal(agency), settlement(caseId, 500, 2, key));
    clock.set(new Date(NOW.getTime() + 60_000));
    const again = await propose(agencyPrincipal(agency), settlement(caseId, 500, 2, key));
    expect(again).toEqual(first);
    principal = agencyPrincipal(agency);
    expect(codes(await call(PROPOSE, settlement(caseId, 600, 2, key)))).toEqual(["CONFLICT"]);
    // The lender's own key space: the same key is another offer.
    const lenders = await propose(lenderPrincipal(lender), settlement(caseId, 500, 2, key));
    expect(lenders.id).not.toBe(first.id);
    expect(await svc.ds.query("SELECT count(*)::int AS n FROM offer WHERE case_id = $1", [caseId])).toEqual([{ n: 2 }]);
    expect((await outbox(first.id)).map((e: any) => e.type)).toEqual(["OfferProposed"]);
  });
});

describe("approval, rejection and withdrawal", () => {
  it("hides an offer pending approval from the borrower until the lender approves it; approval raises the version", async () => {
    clock.set(NOW);
    const { caseId, borrowerId } = await knownCase(svc, clock, { lenderId: lender, agencyId: agency });
    const pending = await propose(agencyPrincipal(agency), settlement(caseId, 2000));
    const asBorrower = borrowerPrincipal(borrowerId);
    principal = asBorrower;
    expect(codes(await call(OFFER, { id: pending.id }))).toEqual(["NOT_FOUND"]);
    expect((await call(MY_OFFERS)).data.myOffers).toEqual([]);
    expect((await caseView(asBorrower, caseId)).offers).toEqual([]);
    expect(codes(await call(ACCEPT, { id: pending.id, v: 1 }))).toEqual(["NOT_FOUND"]);
    expect(codes(await call(REJECT, { id: pending.id }))).toEqual(["NOT_FOUND"]);
    // The lender and the agency see it; an auditor too.
    expect((await caseView(lenderPrincipal(lender), caseId)).offers).toEqual([{ id: pending.id, status: "PENDING_APPROVAL" }]);
    expect((await caseView(agencyPrincipal(agency), caseId)).offers).toEqual([{ id: pending.id, status: "PENDING_APPROVAL" }]);
    principal = auditorPrincipal();
    expect((await call(OFFER, { id: pending.id })).data.offer).toEqual({ id: pending.id, status: "PENDING_APPROVAL", version: 1 });
    // Never its amounts (DESIGN: amounts to auditors only in aggregate).
    const amounts = await call(`query($id: ID!) { offer(id: $id) { id totalPayable { amountMinor } totalForgiven { amountMinor } schedule { sequence } } }`, { id: pending.id });
    expect(amounts.data.offer).toEqual({ id: pending.id, totalPayable: null, totalForgiven: null, schedule: null });
    expect(new Set(codes(amounts))).toEqual(new Set(["FORBIDDEN"]));
    // Only the case's lender approves: the agency may not, another lender finds nothing.
    principal = agencyPrincipal(agency);
    expect(codes(await call(APPROVE, { id: pending.id }))).toEqual(["FORBIDDEN"]);
    principal = lenderPrincipal(uuidv7());
    expect(codes(await call(APPROVE, { id: pending.id }))).toEqual(["NOT_FOUND"]);

    const at = new Date(NOW.getTime() + 3_600_000);
    clock.set(at);
    principal = lenderPrincipal(lender);
    const approved = await call(APPROVE, { id: pending.id, note: "Fine by us" });
    expect(approved.data.approveOffer).toEqual({ id: pending.id, status: "PROPOSED", version: 2, proposedAt: at.toISOString(), approvalNote: "Fine by us", decisionNote: null });
    expect(codes(await call(APPROVE, { id: pending.id }))).toEqual(["CONFLICT"]);
    principal = asBorrower;
    expect((await call(MY_OFFERS)).data.myOffers).toEqual([{ id: pending.id, status: "PROPOSED" }]);
    expect((await call(OFFER, { id: pending.id })).data.offer).toEqual({ id: pending.id, status: "PROPOSED", version: 2 });
    // The approval speaks of the agency's authority: the agency reads it, the borrower never.
    const NOTES = `query($id: ID!) { offer(id: $id) { id approvalNote } }`;
    const borrowerNotes = await call(NOTES, { id: pending.id });
    expect(borrowerNotes.data.offer).toEqual({ id: pending.id, approvalNote: null });
    expect(codes(borrowerNotes)).toEqual(["FORBIDDEN"]);
    principal = agencyPrincipal(agency);
    expect((await call(NOTES, { id: pending.id })).data.offer).toEqual({ id: pending.id, approvalNote: "Fine by us" });
    expect((await outbox(pending.id)).map((e: any) => [e.type, JSON.parse(e.envelope).aggregateVersion])).toEqual([["OfferProposed", 1], ["OfferApproved", 2]]);
    // The note is free text: it never leaves in an event.
    expect((await outbox(pending.id)).map((e: any) => e.envelope).join()).not.toContain("Fine by us");
  });

  it("lets the lender reject an offer pending its approval (never one already proposed), and the borrower one proposed to it", async () => {
    clock.set(NOW);
    const { caseId, borrowerId } = await knownCase(svc, clock, { lenderId: lender, agencyId: agency });
    const pending = await propose(agencyPrincipal(agency), settlement(caseId, 2000));
    const proposed = await propose(agencyPrincipal(agency), settlement(caseId, 100));
    principal = lenderPrincipal(lender);
    expect(codes(await call(REJECT, { id: proposed.id }))).toEqual(["CONFLICT"]);
    expect((await call(REJECT, { id: pending.id, reason: "Too generous" })).data.rejectOffer).toEqual({ id: pending.id, status: "REJECTED", version: 2, decidedByRole: "lender" });
    // Rejected before it was ever put to the borrower: still not the borrower's to see.
    principal = borrowerPrincipal(borrowerId);
    expect(codes(await call(OFFER, { id: pending.id }))).toEqual(["NOT_FOUND"]);
    expect((await call(REJECT, { id: proposed.id, reason: "Cannot afford it" })).data.rejectOffer).toEqual({ id: proposed.id, status: "REJECTED", version: 2, decidedByRole: "borrower" });
    expect(codes(await call(ACCEPT, { id: proposed.id, v: 2 }))).toEqual(["CONFLICT"]);
    principal = borrowerPrincipal(uuidv7());
    expect(codes(await call(REJECT, { id: proposed.id }))).toEqual(["NOT_FOUND"]);
    // The borrower's reason is the lender's and the borrower's to read: the agency sees the rejection, never why.
    const NOTE = `query($id: ID!) { offer(id: $id) { status decisionNote } }`;
    principal = lenderPrincipal(lender);
    expect((await call(NOTE, { id: proposed.id })).data.offer).toEqual({ status: "REJECTED", decisionNote: "Cannot afford it" });
    principal = agencyPrincipal(agency);
    const agencyView = await call(NOTE, { id: proposed.id });
    expect(agencyView.data.offer).toEqual({ status: "REJECTED", decisionNote: null });
    expect(codes(agencyView)).toEqual(["FORBIDDEN"]);
  });

  it("lets only the proposer withdraw an open offer: the agency while it holds the case, never the lender for it; a withdrawn offer cannot be accepted", async () => {
    clock.set(NOW);
    const { caseId, borrowerId } = await knownCase(svc, clock, { lenderId: lender, agencyId: agency });
    const offer = await propose(agencyPrincipal(agency), settlement(caseId, 100));
    principal = lenderPrincipal(lender);
    expect(codes(await call(WITHDRAW, { id: offer.id }))).toEqual(["FORBIDDEN"]);
    principal = agencyPrincipal(uuidv7());
    expect(codes(await call(WITHDRAW, { id: offer.id }))).toEqual(["NOT_FOUND"]);
    principal = borrowerPrincipal(borrowerId);
    expect(codes(await call(WITHDRAW, { id: offer.id }))).toEqual(["FORBIDDEN"]);
    principal = agencyPrincipal(agency);
    expect((await call(WITHDRAW, { id: offer.id })).data.withdrawOffer).toEqual({ id: offer.id, status: "WITHDRAWN", version: 2, decidedByRole: "agency" });
    expect(codes(await call(WITHDRAW, { id: offer.id }))).toEqual(["CONFLICT"]);
    principal = borrowerPrincipal(borrowerId);
    expect(codes(await call(ACCEPT, { id: offer.id, v: 2 }))).toEqual(["CONFLICT"]);
  });
});

describe("myOffers", () => {
  it("gives a borrower those put to it, a lender those on its cases, an agency those it made on cases it holds now, an auditor none", async () => {
    clock.set(NOW);
    const borrowerId = uuidv7();
    const otherLender = uuidv7();
    const held = await knownCase(svc, clock, { lenderId: otherLender, agencyId: agency, borrowerId });
    const lost = await knownCase(svc, clock, { lenderId: otherLender, agencyId: agency, borrowerId, expiresAt: new Date(NOW.getTime() + 60_000) });
    const a = await propose(agencyPrincipal(agency), settlement(held.caseId, 100));
    const pending = await propose(agencyPrincipal(agency), settlement(held.caseId, 2000));
    const b = await propose(lenderPrincipal(otherLender), settlement(lost.caseId, 100));
    const c = await propose(agencyPrincipal(agency), settlement(lost.caseId, 100));
    const mine = async (as: Principal) => {
      principal = as;
      const r = await call(MY_OFFERS);
      expect(r.errors).toBeUndefined();
      return r.data.myOffers.map((o: any) => o.id).sort();
    };
    expect(await mine(borrowerPrincipal(borrowerId))).toEqual([a.id, b.id, c.id].sort());
    expect(await mine(lenderPrincipal(otherLender))).toEqual([a.id, pending.id, b.id, c.id].sort());
    expect((await mine(agencyPrincipal(agency))).filter((id: string) => [a.id, pending.id, b.id, c.id].includes(id))).toEqual([a.id, pending.id, c.id].sort());
    expect(await mine(auditorPrincipal())).toEqual([]);
    // The placement of the second case ends: the agency loses its offers there at that instant.
    clock.set(new Date(NOW.getTime() + 60_000));
    expect((await mine(agencyPrincipal(agency))).filter((id: string) => [a.id, pending.id, b.id, c.id].includes(id))).toEqual([a.id, pending.id].sort());
    principal = agencyPrincipal(agency);
    expect(codes(await call(OFFER, { id: c.id }))).toEqual(["NOT_FOUND"]);
  });
});

describe("acceptOffer", () => {
  it("refuses a stale version, then makes the plan from the schedule at the version the borrower saw, with PlanStarted", async () => {
    clock.set(NOW);
    const { caseId, borrowerId } = await knownCase(svc, clock, { lenderId: lender, agencyId: agency });
    const pending = await propose(agencyPrincipal(agency), plan(caseId, 8));
    principal = lenderPrincipal(lender);
    await call(APPROVE, { id: pending.id });
    principal = borrowerPrincipal(borrowerId);
    // The borrower saw version 1 somewhere: the offer changed since (approved), so that is stale.
    expect(codes(await call(ACCEPT, { id: pending.id, v: 1 }))).toEqual(["CONFLICT"]);
    expect(codes(await call(ACCEPT, { id: pending.id, v: 3 }))).toEqual(["CONFLICT"]);
    expect(await svc.ds.query("SELECT count(*)::int AS n FROM plan WHERE case_id = $1", [caseId])).toEqual([{ n: 0 }]);
    const accepted = await call(ACCEPT, { id: pending.id, v: 2 });
    expect(accepted.errors).toBeUndefined();
    expect(accepted.data.acceptOffer).toEqual({ id: pending.id, status: "ACCEPTED", version: 3, decidedByRole: "borrower" });

    const view = await caseView(borrowerPrincipal(borrowerId), caseId);
    expect(view.plans).toHaveLength(1);
    const [p] = view.plans;
    expect(p).toMatchObject({ offerId: pending.id, status: "ACTIVE", totalPayable: { amountMinor: 90000 } });
    expect(p.instalments.map((i: any) => [i.sequence, i.dueDate, i.amount.amountMinor, i.paid.amountMinor, i.status])).toEqual(
      pending.schedule.map((s: any) => [s.sequence, s.dueDate, s.amount.amountMinor, 0, "DUE"]),
    );
    const started = await outbox(p.id);
    expect(started.map((e: any) => e.type)).toEqual(["PlanStarted"]);
    expect(JSON.parse(started[0].envelope).payload).toEqual({
      planId: p.id, offerId: pending.id, caseId, borrowerId, kind: "INSTALLMENT_PLAN", status: "ACTIVE", instalments: 8,
      firstDueDate: pending.schedule[0].dueDate, lastDueDate: pending.schedule[7].dueDate, totalPayableMinor: "90000", totalForgivenMinor: "0", currency: "USD",
    });
    expect((await outbox(pending.id)).map((e: any) => e.type)).toEqual(["OfferProposed", "OfferApproved", "OfferAccepted"]);
    // Accepting it again is a conflict, and so is a new offer on a case with an ACTIVE plan.
    expect(codes(await call(ACCEPT, { id: pending.id, v: 3 }))).toEqual(["CONFLICT"]);
    principal = lenderPrincipal(lender);
    expect(codes(await call(PROPOSE, settlement(caseId, 100)))).toEqual(["CONFLICT"]);
    // Another borrower finds neither the offer nor the plan.
    principal = borrowerPrincipal(uuidv7());
    expect(codes(await call(OFFER, { id: pending.id }))).toEqual(["NOT_FOUND"]);
    expect(codes(await call(`query($id: ID!) { plan(id: $id) { id } }`, { id: p.id }))).toEqual(["NOT_FOUND"]);
    expect(codes(await call(ACCEPT, { id: pending.id, v: 3 }))).toEqual(["NOT_FOUND"]);
  });

  it("gives one plan and one CONFLICT for two acceptances of the same offer at once", async () => {
    clock.set(NOW);
    const { caseId, borrowerId } = await knownCase(svc, clock, { lenderId: lender });
    const offer = await propose(lenderPrincipal(lender), plan(caseId, 3));
    principal = borrowerPrincipal(borrowerId);
    const results = await Promise.all([call(ACCEPT, { id: offer.id, v: 1 }), call(ACCEPT, { id: offer.id, v: 1 })]);
    expect(results.map(codes).sort()).toEqual([[], ["CONFLICT"]]);
    expect(await svc.ds.query("SELECT count(*)::int AS n FROM plan WHERE case_id = $1", [caseId])).toEqual([{ n: 1 }]);
  });

  it("gives one plan and one CONFLICT for two offers of one case accepted at once", async () => {
    clock.set(NOW);
    const { caseId, borrowerId } = await knownCase(svc, clock, { lenderId: lender, agencyId: agency });
    const a = await propose(lenderPrincipal(lender), plan(caseId, 3));
    const b = await propose(agencyPrincipal(agency), settlement(caseId, 500));
    principal = borrowerPrincipal(borrowerId);
    const results = await Promise.all([call(ACCEPT, { id: a.id, v: 1 }), call(ACCEPT, { id: b.id, v: 1 })]);
    expect(results.map(codes).sort()).toEqual([[], ["CONFLICT"]]);
    const plans = await svc.ds.query("SELECT offer_id, status FROM plan WHERE case_id = $1", [caseId]);
    expect(plans).toHaveLength(1);
    // The other offer is withdrawn with the acceptance: it can never start a second plan on old terms.
    const loser = plans[0].offer_id === a.id ? b.id : a.id;
    expect((await svc.ds.query("SELECT status, version, decided_by_role FROM offer WHERE id = $1", [loser]))[0]).toEqual({ status: "WITHDRAWN", version: 2, decided_by_role: "system" });
    const withdrawn = await svc.ds.query("SELECT type FROM outbox WHERE aggregate_id = $1 ORDER BY seq", [loser]);
    expect(withdrawn.map((e: { type: string }) => e.type)).toEqual(["OfferProposed", "OfferWithdrawn"]);
  });
});

describe("expiry", () => {
  it("accepts an offer a millisecond before its expiresAt and refuses it at that instant, when the job expires it", async () => {
    clock.set(NOW);
    const expiresAt = new Date(NOW.getTime() + 2 * DAY);
    const one = await knownCase(svc, clock, { lenderId: lender });
    const two = await knownCase(svc, clock, { lenderId: lender });
    const early = await propose(lenderPrincipal(lender), { input: { ...settlement(one.caseId, 100).input, expiresAt: expiresAt.toISOString() } });
    const late = await propose(lenderPrincipal(lender), { input: { ...settlement(two.caseId, 100).input, expiresAt: expiresAt.toISOString() } });

    clock.set(new Date(expiresAt.getTime() - 1));
    expect(await expireOffers(svc.ds, clock)).toBe(0);
    principal = borrowerPrincipal(one.borrowerId);
    expect(codes(await call(ACCEPT, { id: early.id, v: 1 }))).toEqual([]);

    clock.set(expiresAt);
    principal = borrowerPrincipal(two.borrowerId);
    // Refused from expiresAt on, before the job has run...
    expect(codes(await call(ACCEPT, { id: late.id, v: 1 }))).toEqual(["CONFLICT"]);
    // ...which then expires it (and only it: the accepted one is not open any more).
    const expiredBefore = (await svc.ds.query("SELECT count(*)::int AS n FROM offer WHERE status = 'EXPIRED'"))[0].n;
    expect(await expireOffers(svc.ds, clock)).toBeGreaterThanOrEqual(1);
    expect((await svc.ds.query("SELECT status, version, decided_by_role FROM offer WHERE id = $1", [late.id]))[0]).toEqual({ status: "EXPIRED", version: 2, decided_by_role: "system" });
    expect((await svc.ds.query("SELECT status FROM offer WHERE id = $1", [early.id]))[0].status).toBe("ACCEPTED");
    expect((await svc.ds.query("SELECT count(*)::int AS n FROM offer WHERE status = 'EXPIRED'"))[0].n).toBeGreaterThan(expiredBefore);
    const expiredEvents = await outbox(late.id);
    expect(expiredEvents.map((e: any) => e.type)).toEqual(["OfferProposed", "OfferExpired"]);
    expect(JSON.parse(expiredEvents[1].envelope)).toMatchObject({ aggregateVersion: 2, payload: { offerId: late.id, caseId: two.caseId, status: "EXPIRED", byRole: "system", planId: null } });
    expect(await expireOffers(svc.ds, clock)).toBe(0);
    expect(codes(await call(ACCEPT, { id: late.id, v: 2 }))).toEqual(["CONFLICT"]);
  });
});

describe("case figures", () => {
  it("calculates offers from the newest figures the loans subgraph sent, whatever order they arrive in", async () => {
    clock.set(NOW);
    const { caseId, borrowerId } = await knownCase(svc, clock, { lenderId: lender });
    await caseEvent(svc, clock, { caseId, lenderId: lender, borrowerId, version: 3, payload: { outstandingBalanceMinor: "50000" } });
    // An older event delivered late changes nothing.
    await caseEvent(svc, clock, { caseId, lenderId: lender, borrowerId, version: 2, payload: { outstandingBalanceMinor: "70000", annualRateBps: 9 } });
    const row = (await svc.ds.query("SELECT version, outstanding_minor, annual_rate_bps, remaining_instalments, next_due_date FROM case_figures WHERE case_id = $1", [caseId]))[0];
    // Fields an event did not carry keep what the row had.
    expect(row).toEqual({ version: 3, outstanding_minor: "50000", annual_rate_bps: 1200, remaining_instalments: 9, next_due_date: "2026-12-15" });
    expect((await propose(lenderPrincipal(lender), settlement(caseId, 1000))).totalPayable).toEqual({ amountMinor: 45000, currency: "USD" });
    await caseEvent(svc, clock, { caseId, lenderId: lender, borrowerId, version: 4, payload: { nextDueDate: null } });
    expect((await svc.ds.query("SELECT next_due_date FROM case_figures WHERE case_id = $1", [caseId]))[0].next_due_date).toBeNull();
  });

  it("refuses an offer on a resolved case", async () => {
    clock.set(NOW);
    const { caseId, borrowerId } = await knownCase(svc, clock, { lenderId: lender });
    await caseEvent(svc, clock, { caseId, lenderId: lender, borrowerId, version: 2, type: "CaseResolved", payload: { status: "RESOLVED", outstandingBalanceMinor: "0", amountOverdueMinor: "0", daysPastDue: 0, bucket: null } });
    principal = lenderPrincipal(lender);
    expect(codes(await call(PROPOSE, settlement(caseId, 100)))).toEqual(["CONFLICT"]);
  });
});
