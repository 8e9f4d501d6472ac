import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FixedClock, uuidv7 } from "@concord/service-kit";
import { seedDemoPortfolio } from "@concord/loans";
import { codes, until } from "@concord/test-kit";
import { startFederation, type Federation } from "../support/federation";
import { announcePlacement } from "../support/placements";

/**
 * A restructuring offer through the whole federation, with the real roles: the loans subgraph's
 * case events give restructuring the case's figures over the bus, the agency holding the case
 * proposes a settlement within its delegated authority (and one beyond it, which the borrower
 * does not see), and the borrower sees the first on its case, through the gateway, and accepts
 * it: the case has its ACTIVE plan, the instalments those of the offer's schedule.
 */

let fed: Federation;
const clock = new FixedClock(new Date("2026-11-25T10:00:00Z"));
let caseId: string;
let borrowerId: string;
let lenderId: string;
let outstanding: bigint;
const agencyId = uuidv7();

const PROPOSE = `mutation($i: ProposeOfferInput!) { proposeOffer(input: $i) { id status version schedule { sequence dueDate amount { amountMinor currency } } totalPayable { amountMinor currency } totalForgiven { amountMinor } } }`;
const CASE = `query($id: ID!) { collectionCase(id: $id) { id status offers { id status version } plans { status offerId totalPayable { amountMinor } instalments { sequence dueDate amount { amountMinor } status } } } }`;

beforeAll(async () => {
  fed = await startFederation({ clock });
  await seedDemoPortfolio(fed.loans.ds, { asOf: "2026-11-25", borrowers: 40 }, clock);
  const [c] = await fed.loans.ds.query("SELECT id, lender_id, borrower_id, outstanding_balance_minor FROM collection_case WHERE status = 'OPEN' ORDER BY id LIMIT 1");
  ({ id: caseId, lender_id: lenderId, borrower_id: borrowerId } = c);
  outstanding = BigInt(c.outstanding_balance_minor);
  const placementId = await announcePlacement(fed, clock, { caseId, lenderId, agencyId });
  const restructuring = fed.subgraphs.restructuring!.ds;
  await until(async () => (await restructuring.query("SELECT 1 FROM case_directory_placement WHERE placement_id = $1", [placementId])).length === 1, "restructuring's directory to know the placement");
  await until(async () => (await restructuring.query("SELECT 1 FROM case_figures WHERE case_id = $1", [caseId])).length === 1, "restructuring to know the case's figures");
}, 120_000);
afterAll(async () => fed?.stop());

describe("offers through the gateway", () => {
  it("the agency proposes within its authority, the borrower sees only that offer on its case and accepts it into the case's plan", async () => {
    const agency = await fed.token({ role: "agency", agency_id: agencyId });
    const within = await fed.query(PROPOSE, { i: { idempotencyKey: "e2e-1", caseId, kind: "SETTLEMENT", discountBps: 400, instalments: 3, firstDueDate: "2026-12-15" } }, agency);
    expect(within.errors).toBeUndefined();
    const offer = within.data.proposeOffer;
    expect(offer).toMatchObject({ status: "PROPOSED", version: 1 });
    // Calculated from the balance the loans subgraph's events carried.
    const forgiven = (outstanding * 400n) / 10_000n;
    expect(BigInt(offer.totalForgiven.amountMinor)).toBe(forgiven);
    expect(BigInt(offer.totalPayable.amountMinor)).toBe(outstanding - forgiven);
    expect(offer.schedule).toHaveLength(3);
    expect(offer.schedule.reduce((s: bigint, x: any) => s + BigInt(x.amount.amountMinor), 0n)).toBe(outstanding - forgiven);

    const beyond = await fed.query(PROPOSE, { i: { idempotencyKey: "e2e-2", caseId, kind: "SETTLEMENT", discountBps: 501, firstDueDate: "2026-12-15" } }, agency);
    expect(beyond.data.proposeOffer.status).toBe("PENDING_APPROVAL");

    const borrower = await fed.token({ role: "borrower", borrower_id: borrowerId });
    const seen = await fed.query(CASE, { id: caseId }, borrower);
    expect(seen.errors).toBeUndefined();
    expect(seen.data.collectionCase.offers).toEqual([{ id: offer.id, status: "PROPOSED", version: 1 }]);
    expect(seen.data.collectionCase.plans).toEqual([]);
    expect((await fed.query(`{ myOffers { id } }`, {}, borrower)).data.myOffers).toEqual([{ id: offer.id }]);
    // Another borrower may not accept it: to it there is no such offer.
    const [other] = await fed.loans.ds.query("SELECT id FROM borrower WHERE id <> $1 LIMIT 1", [borrowerId]);
    const stranger = await fed.token({ role: "borrower", borrower_id: other.id });
    expect(codes(await fed.query(`mutation($id: ID!) { acceptOffer(offerId: $id, version: 1) { id } }`, { id: offer.id }, stranger))).toEqual(["NOT_FOUND"]);

    const accepted = await fed.query(`mutation($id: ID!) { acceptOffer(offerId: $id, version: 1) { id status version } }`, { id: offer.id }, borrower);
    expect(accepted.errors).toBeUndefined();
    expect(accepted.data.acceptOffer).toEqual({ id: offer.id, status: "ACCEPTED", version: 2 });

    const after = (await fed.query(CASE, { id: caseId }, borrower)).data.collectionCase;
    expect(after.plans).toEqual([
      {
        status: "ACTIVE",
        offerId: offer.id,
        totalPayable: { amountMinor: Number(outstanding - forgiven) },
        instalments: offer.schedule.map((s: any) => ({ sequence: s.sequence, dueDate: s.dueDate, amount: { amountMinor: s.amount.amountMinor }, status: "DUE" })),
      },
    ]);
    // The lender sees both offers and the plan; PlanStarted is on its way to the bus.
    const lender = await fed.token({ role: "lender", lender_id: lenderId });
    const lenders = (await fed.query(CASE, { id: caseId }, lender)).data.collectionCase;
    // The acceptance withdrew the case's other open offer (the one waiting for approval): no second plan on old terms.
    expect(lenders.offers.map((o: any) => o.status).sort()).toEqual(["ACCEPTED", "WITHDRAWN"]);
    const [started] = await fed.subgraphs.restructuring!.ds.query("SELECT type FROM outbox WHERE type = 'PlanStarted' AND envelope::jsonb->'payload'->>'caseId' = $1", [caseId]);
    expect(started).toEqual({ type: "PlanStarted" });
  });
});
