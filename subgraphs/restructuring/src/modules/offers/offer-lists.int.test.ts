import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FixedClock, QueryCounter, uuidv7 } from "@concord/service-kit";
import type { Principal } from "@concord/schema";
import { agencyPrincipal, borrowerPrincipal, lenderPrincipal, subgraphCaller } from "@concord/test-kit";
import type { RestructuringService } from "../../index";
import { knownCase, startRestructuring } from "../../testing/fixtures";

/** A page of cases each showing its offers and plans costs as many statements for 8 cases as for 2. */

const NOW = new Date("2026-12-01T15:00:00Z");
const clock = new FixedClock(NOW);
const counter = new QueryCounter();
let svc: RestructuringService;
let stop: () => Promise<void>;
let principal: Principal;
const call = subgraphCaller("restructuring", () => svc.url, () => principal);
const lender = uuidv7();
const agency = uuidv7();
const cases: Array<{ caseId: string; borrowerId: string }> = [];

const PAGE = `query($r: [_Any!]!) { _entities(representations: $r) { ... on CollectionCase { id offers { id status totalPayable { amountMinor } schedule { sequence } } plans { id status instalments { sequence } } } } }`;

beforeAll(async () => {
  ({ svc, stop } = await startRestructuring("offer-lists", clock, counter));
  for (let i = 0; i < 8; i++) {
    const c = await knownCase(svc, clock, { lenderId: lender, agencyId: agency });
    cases.push(c);
    principal = agencyPrincipal(agency);
    const r = await call(`mutation($i: ProposeOfferInput!) { proposeOffer(input: $i) { id } }`, {
      i: { idempotencyKey: uuidv7(), caseId: c.caseId, kind: "SETTLEMENT", discountBps: 100, instalments: 2, firstDueDate: "2026-12-15" },
    });
    expect(r.errors).toBeUndefined();
    principal = borrowerPrincipal(c.borrowerId);
    expect((await call(`mutation($id: ID!) { acceptOffer(offerId: $id, version: 1) { id } }`, { id: r.data.proposeOffer.id })).errors).toBeUndefined();
  }
});
afterAll(async () => stop?.());

describe("CollectionCase.offers and plans", () => {
  for (const [who, as] of [["the lender", () => lenderPrincipal(lender)], ["the agency holding the cases", () => agencyPrincipal(agency)]] as const) {
    it(`sends as many statements for 8 cases as for 2, as ${who}`, async () => {
      principal = as();
      const statements = async (n: number) => {
        counter.reset();
        const r = await call(PAGE, { r: cases.slice(0, n).map((c) => ({ __typename: "CollectionCase", id: c.caseId })) });
        expect(r.errors).toBeUndefined();
        expect(r.data._entities.every((e: any) => e.offers.length === 1 && e.plans.length === 1 && e.plans[0].instalments.length === 2)).toBe(true);
        return counter.count;
      };
      const two = await statements(2);
      expect(await statements(8)).toBe(two);
    });
  }
});
