import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { env } from "@concord/service-kit";
import { seedDemoPortfolio } from "@concord/loans";
import { seedDemoAgencies } from "@concord/agencies";
import { WS_CLOSE_CODES } from "@concord/schema";
import { codes, until, type LiveSubscription } from "@concord/test-kit";
import { startFederation, type Federation } from "../support/federation";

/**
 * Live subscriptions end to end: real graphql-ws clients over real WebSockets to the gateway,
 * events made by mutations through the gateway, carried by the bus (PostgreSQL, and NATS when
 * NATS_URL is set), and resolved with each subscriber's own rights.
 */


const CASE_SELECTION = `cursor kind caseId occurredAt case { id status daysPastDue borrower { phone nationalId } }`;

function suite(bus: "postgres" | "nats") {
  describe(`subscriptions on the ${bus} bus`, () => {
    let fed: Federation;
    let lender: string, otherLender: string, agency: string, otherAgency: string, borrowerA: string, borrowerC: string, auditor: string;
    let caseA: { id: string; loanId: string; currency: string; oldestRemaining: number; lenderId: string };
    let caseB: { id: string; loanId: string; currency: string };
    let caseC: { id: string; loanId: string; currency: string };
    /** More open cases of lender A in the agency's region, placed by the PLACEMENT_STARTED test. */
    let unplaced: string[];
    let agencyId: string;
    let placementId: string;
    let placementsFeed: LiveSubscription;
    let otherPlacementsFeed: LiveSubscription;
    let refs = 0;

    const pay = async (c: { loanId: string; currency: string }, amountMinor: number, token = lender) => {
      const r = await fed.query(
        `mutation($input: RecordPaymentInput!) { recordPayment(input: $input) { replayed } }`,
        { input: { loanId: c.loanId, amountMinor, currency: c.currency, receivedAt: new Date().toISOString(), externalReference: `sub-${bus}-${++refs}` } },
        token,
      );
      expect(r.errors).toBeUndefined();
    };
    /** Subscribes and waits until the gateway holds the subscription, so no event can slip past it. */
    const live = async (query: string, variables: Record<string, unknown> | undefined, token: string, gateway = fed.gateway) => {
      const before = gateway.subscribers();
      const s = fed.subscribe(query, variables, token, gateway.url);
      let refused: unknown;
      void s.failed.then((errors) => (refused = errors));
      await until(() => gateway.subscribers() > before || s.closed() !== undefined || refused !== undefined, "the gateway to hold the subscription");
      if (refused) throw new Error(`subscription refused: ${JSON.stringify(refused)}`);
      return s;
    };
    /** Ends subscriptions and waits until the gateway has let go of them (so counts stay exact). */
    const stopAll = async (subs: LiveSubscription[], gateway = fed.gateway) => {
      const target = gateway.subscribers() - subs.filter((s) => s.closed() === undefined).length;
      await Promise.all(subs.map((s) => s.stop()));
      await until(() => gateway.subscribers() <= target, "the gateway to let go of the subscriptions");
    };

    beforeAll(async () => {
      fed = await startFederation({ bus });
      await seedDemoPortfolio(fed.loans.ds, { asOf: new Date().toISOString().slice(0, 10), borrowers: 60 });
      const [{ n }] = await fed.loans.ds.query("SELECT count(*)::int AS n FROM collection_case");
      await until(async () => (await fed.agencies.ds.query("SELECT count(*)::int AS n FROM case_directory"))[0].n === n, "case facts");
      ({ demoAgencyId: agencyId } = await seedDemoAgencies(fed.agencies.ds));
      const [other] = await fed.agencies.ds.query("SELECT id FROM agency WHERE id <> $1 ORDER BY id LIMIT 1", [agencyId]);
      const candidates: string[] = (
        await fed.agencies.ds.query(
          `SELECT f.case_id FROM case_directory f WHERE f.status = 'OPEN' AND f.region = ANY((SELECT regions FROM agency WHERE id = $1)::text[])
             AND NOT EXISTS (SELECT 1 FROM placement p WHERE p.case_id = f.case_id)`,
          [agencyId],
        )
      ).map((r: { case_id: string }) => r.case_id);
      // Cases with at least two overdue installments: paying the oldest moves days past due and keeps the case open.
      const rows = await fed.loans.ds.query(
        `SELECT c.id, c.loan_id, c.lender_id, c.borrower_id, l.currency,
                (SELECT i.amount_due_minor - i.amount_paid_minor FROM installment i
                  WHERE i.loan_id = c.loan_id AND i.amount_paid_minor < i.amount_due_minor ORDER BY i.seq LIMIT 1)::int AS oldest_remaining
           FROM collection_case c JOIN loan l ON l.id = c.loan_id
          WHERE c.status = 'OPEN' AND c.id = ANY($1::uuid[])
            AND (SELECT count(*) FROM installment i WHERE i.loan_id = c.loan_id AND i.amount_paid_minor < i.amount_due_minor AND i.due_date < c.as_of) >= 2
          ORDER BY c.id`,
        [candidates],
      );
      const a = rows[0];
      const b = rows.find((r: any) => r.lender_id === a.lender_id && r.id !== a.id);
      const [c] = await fed.loans.ds.query(
        `SELECT c.id, c.loan_id, c.borrower_id, l.currency FROM collection_case c JOIN loan l ON l.id = c.loan_id
          WHERE c.status = 'OPEN' AND c.lender_id <> $1 ORDER BY c.id LIMIT 1`,
        [a.lender_id],
      );
      caseA = { id: a.id, loanId: a.loan_id, currency: a.currency.trim(), oldestRemaining: a.oldest_remaining, lenderId: a.lender_id };
      caseB = { id: b.id, loanId: b.loan_id, currency: b.currency.trim() };
      unplaced = rows.filter((r: any) => r.lender_id === a.lender_id && r.id !== a.id && r.id !== b.id).slice(0, 3).map((r: any) => r.id);
      caseC = { id: c.id, loanId: c.loan_id, currency: c.currency.trim() };
      const [{ lender_id: otherLenderId }] = await fed.loans.ds.query("SELECT lender_id FROM collection_case WHERE id = $1", [c.id]);
      lender = await fed.token({ role: "lender", lender_id: a.lender_id });
      otherLender = await fed.token({ role: "lender", lender_id: otherLenderId });
      agency = await fed.token({ role: "agency", agency_id: agencyId });
      otherAgency = await fed.token({ role: "agency", agency_id: other.id });
      borrowerA = await fed.token({ role: "borrower", borrower_id: a.borrower_id });
      borrowerC = await fed.token({ role: "borrower", borrower_id: c.borrower_id });
      auditor = await fed.token({ role: "auditor" });

      // The agency listens for placements, then the lender places case A with it.
      placementsFeed = await live(`subscription { placementsReceived { cursor caseId placement { id status } } }`, undefined, agency);
      otherPlacementsFeed = await live(`subscription { placementsReceived { cursor caseId } }`, undefined, otherAgency);
      // The placement moves the case to PLACED (an UPDATED of its own): once it reached a
      // subscriber it is behind the gateway, and no later subscription hears of it.
      const placedUpdate = await live(`subscription($id: ID!) { caseUpdated(caseId: $id, filter: { kinds: [UPDATED] }) { case { status } } }`, { id: caseA.id }, lender);
      const placed = await fed.query(
        `mutation($input: PlaceCaseInput!) { placeCase(input: $input) { id } }`,
        { input: { caseId: caseA.id, agencyId, expiresAt: new Date(Date.now() + 30 * 86400_000).toISOString(), commissionBps: 1200, maxDiscountBps: 500, maxInstalments: 6 } },
        lender,
      );
      expect(placed.errors).toBeUndefined();
      placementId = placed.data.placeCase.id;
      await until(async () => (await fed.loans.ds.query("SELECT 1 FROM case_directory_placement WHERE placement_id = $1 AND expires_at IS NOT NULL AND ended_at IS NULL", [placementId])).length === 1, "access read model");
      const [update] = await placedUpdate.next(1);
      expect(update!.data.caseUpdated.case.status).toBe("PLACED");
      await stopAll([placedUpdate]);
    }, 120_000);
    afterAll(async () => fed?.stop());

    it("tells the agency of the case placed with it, and no other agency", async () => {
      const [p] = await placementsFeed.next(1);
      expect(p!.errors).toBeUndefined();
      expect(p!.data.placementsReceived).toMatchObject({ caseId: caseA.id, placement: { id: placementId, status: "ACTIVE" } });
      expect(p!.data.placementsReceived.cursor).toMatch(/^\d+$/);
      // Events are delivered one at a time: once the agency has it, the other agency would have too.
      expect(otherPlacementsFeed.received).toEqual([]);
    });

    it("pushes a payment to the lender with the new days past due, to the holding agency masked, to the borrower its own, and to nobody else", async () => {
      const lenderFeed = await live(`subscription($id: ID!) { caseUpdated(caseId: $id) { ${CASE_SELECTION} } }`, { id: caseA.id }, lender);
      const portfolio = await live(`subscription { caseUpdated(filter: { kinds: [PAYMENT_RECORDED] }) { cursor caseId } }`, undefined, lender);
      const agencyFeed = await live(`subscription { caseUpdated { ${CASE_SELECTION} } }`, undefined, agency);
      const strangers = [
        await live(`subscription { caseUpdated { cursor caseId } }`, undefined, otherLender),
        await live(`subscription { caseUpdated { cursor caseId } }`, undefined, otherAgency),
        await live(`subscription { myCaseUpdates { cursor caseId } }`, undefined, borrowerC),
      ];
      const borrowerFeed = await live(`subscription { myCaseUpdates { cursor kind caseId case { id daysPastDue } } }`, undefined, borrowerA);
      const before = (await fed.query(`query($id: ID!) { collectionCase(id: $id) { daysPastDue } }`, { id: caseA.id }, lender)).data.collectionCase.daysPastDue;

      await pay(caseA, caseA.oldestRemaining);
      const now = (await fed.query(`query($id: ID!) { collectionCase(id: $id) { daysPastDue status } }`, { id: caseA.id }, lender)).data.collectionCase;
      expect(now.daysPastDue).toBeLessThan(before);
      expect(now.status).toBe("PLACED");

      // The payment, then the case update it caused: both carry the case as it stands now.
      const got = await lenderFeed.next(2);
      expect(got.map((r) => r.data.caseUpdated.kind).sort()).toEqual(["PAYMENT_RECORDED", "UPDATED"]);
      for (const r of got) {
        expect(r.errors).toBeUndefined();
        expect(r.data.caseUpdated.case).toMatchObject({ id: caseA.id, daysPastDue: now.daysPastDue, status: "PLACED" });
        expect(r.data.caseUpdated.case.borrower.phone).not.toContain("****");
      }
      expect(Number(got[1]!.data.caseUpdated.cursor)).toBeGreaterThan(Number(got[0]!.data.caseUpdated.cursor));

      const [asAgency] = await agencyFeed.next(2);
      expect(asAgency!.data.caseUpdated.case.daysPastDue).toBe(now.daysPastDue);
      expect(asAgency!.data.caseUpdated.case.borrower.phone).toMatch(/^\+\d{2} \*\*\*\*\d{4}$/);
      expect(asAgency!.data.caseUpdated.case.borrower.nationalId).toBeNull();
      expect(asAgency!.errors?.map((e) => [e.path?.join("."), e.extensions?.code])).toEqual([["caseUpdated.case.borrower.nationalId", "FORBIDDEN"]]);

      const own = await borrowerFeed.next(2);
      expect(own.every((r) => r.data.myCaseUpdates.caseId === caseA.id)).toBe(true);
      expect(own[0]!.data.myCaseUpdates.case.daysPastDue).toBe(now.daysPastDue);

      // A later event delivered means every delivery of the earlier ones is done (one event at a time).
      await pay(caseB, 1);
      const seen = await portfolio.next(2);
      expect(seen.map((r) => r.data.caseUpdated.caseId)).toEqual([caseA.id, caseB.id]);
      for (const s of strangers) expect(s.received).toEqual([]);
      expect(borrowerFeed.received.every((r) => r.data.myCaseUpdates.caseId === caseA.id)).toBe(true);
      // The other lender does hear of its own case.
      await pay(caseC, 1, otherLender);
      const [theirs] = await strangers[0]!.next(1);
      expect(theirs!.data.caseUpdated.caseId).toBe(caseC.id);
      await stopAll([lenderFeed, portfolio, agencyFeed, borrowerFeed, ...strangers]);
    });

    it("sends the agency nothing more once the case is recalled", async () => {
      const agencyFeed = await live(`subscription($id: ID!) { caseUpdated(caseId: $id, filter: { kinds: [PAYMENT_RECORDED] }) { cursor kind } }`, { id: caseA.id }, agency);
      const lenderFeed = await live(`subscription($id: ID!) { caseUpdated(caseId: $id, filter: { kinds: [PAYMENT_RECORDED] }) { cursor } }`, { id: caseA.id }, lender);
      await pay(caseA, 1);
      await agencyFeed.next(1);
      const recalled = await fed.query(`mutation($id: ID!) { recallPlacement(placementId: $id, reason: "In-house") { status } }`, { id: placementId }, lender);
      expect(recalled.data.recallPlacement.status).toBe("RECALLED");
      const heard = agencyFeed.received.length;
      await pay(caseA, 1);
      await lenderFeed.next(2);
      expect(agencyFeed.received.length).toBe(heard);
      await stopAll([agencyFeed, lenderFeed]);
    });

    it("tells an agency of a case placed with it a moment ago as PLACEMENT_STARTED, with the case it may now see", async () => {
      expect(unplaced.length).toBeGreaterThan(0);
      const feed = await live(
        `subscription { caseUpdated(filter: { kinds: [PLACEMENT_STARTED] }) { kind caseId case { id borrower { fullName phone } } } }`,
        undefined,
        agency,
      );
      // The loans subgraph hears of each placement over the bus at the same moment the gateway
      // does; the update must still carry the case, not hide it as not yet the agency's.
      for (const caseId of unplaced) {
        const placed = await fed.query(
          `mutation($input: PlaceCaseInput!) { placeCase(input: $input) { id } }`,
          { input: { caseId, agencyId, expiresAt: new Date(Date.now() + 30 * 86400_000).toISOString(), commissionBps: 1200, maxDiscountBps: 500, maxInstalments: 6 } },
          lender,
        );
        expect(placed.errors).toBeUndefined();
      }
      const got = await feed.next(unplaced.length);
      for (const [i, u] of got.entries()) {
        expect(u.errors).toBeUndefined();
        expect(u.data.caseUpdated).toMatchObject({ kind: "PLACEMENT_STARTED", caseId: unplaced[i], case: { id: unplaced[i] } });
        expect(u.data.caseUpdated.case.borrower.fullName).toBeTruthy();
        expect(u.data.caseUpdated.case.borrower.phone).toMatch(/\*\*\*\*/);
      }
      await stopAll([feed]);
    });

    it("replays exactly the events a client missed while away, in order, then goes on live", async () => {
      const query = `subscription($id: ID!, $after: String) { caseUpdated(caseId: $id, after: $after, filter: { kinds: [PAYMENT_RECORDED] }) { cursor caseId } }`;
      const watcher = await live(`subscription($id: ID!) { caseUpdated(caseId: $id, filter: { kinds: [PAYMENT_RECORDED] }) { cursor } }`, { id: caseB.id }, lender);
      const first = await live(query, { id: caseB.id }, lender);
      await pay(caseB, 1);
      const [{ data }] = (await first.next(1)) as any[];
      const cursor = data.caseUpdated.cursor;
      await stopAll([first]);

      for (let i = 0; i < 3; i++) await pay(caseB, 1);
      const missed = (await watcher.next(4)).slice(1).map((r) => r.data.caseUpdated.cursor);

      const again = await live(query, { id: caseB.id, after: cursor }, lender);
      const replayed = await again.next(3);
      expect(replayed.map((r) => r.data.caseUpdated.cursor)).toEqual(missed);
      await pay(caseB, 1);
      const all = await again.next(4);
      const [latest] = (await watcher.next(5)).slice(4);
      expect(all.map((r) => r.data.caseUpdated.cursor)).toEqual([...missed, latest!.data.caseUpdated.cursor]);
      await stopAll([watcher, again]);
    });

    it("delivers through every gateway on the same bus to that gateway's own subscribers", async () => {
      const second = await fed.startGateway();
      const held = fed.gateway.subscribers();
      const one = await live(`subscription($id: ID!) { caseUpdated(caseId: $id, filter: { kinds: [PAYMENT_RECORDED] }) { cursor caseId } }`, { id: caseB.id }, lender);
      const two = await live(`subscription($id: ID!) { caseUpdated(caseId: $id, filter: { kinds: [PAYMENT_RECORDED] }) { cursor caseId } }`, { id: caseB.id }, lender, second);
      await pay(caseB, 1);
      const [a] = await one.next(1);
      const [b] = await two.next(1);
      expect(b!.data.caseUpdated).toEqual(a!.data.caseUpdated);
      expect(fed.gateway.subscribers()).toBe(held + 1);
      expect(second.subscribers()).toBe(1);
      await stopAll([one]);
      await stopAll([two], second);
    });

    it("refuses a cursor older than the replay window, and closes subscribers with a reconnect hint on shutdown", async () => {
      const short = await fed.startGateway({ subscriptions: { replayWindowMs: 200 } });
      const feed = await live(`subscription { caseUpdated(filter: { kinds: [PAYMENT_RECORDED] }) { cursor } }`, undefined, lender, short);
      await pay(caseB, 1);
      await pay(caseB, 1);
      const [old] = await feed.next(2);
      await new Promise((r) => setTimeout(r, 400));
      const late = fed.subscribe(`subscription($after: String) { caseUpdated(after: $after) { cursor } }`, { after: String(Number(old!.data.caseUpdated.cursor) - 1) }, lender, short.url);
      expect(codes({ status: 200, errors: await late.failed })).toEqual(["REPLAY_WINDOW_EXCEEDED"]);
      const bad = fed.subscribe(`subscription { caseUpdated(after: "not-a-cursor") { cursor } }`, undefined, lender, short.url);
      expect(codes({ status: 200, errors: await bad.failed })).toEqual(["BAD_USER_INPUT"]);

      await short.stop();
      expect((await feed.waitClosed()).code).toBe(WS_CLOSE_CODES.SERVICE_RESTART);
      await Promise.all([late.stop(), bad.stop()]);
    });

    it("refuses a bad token at connection_init, closes a connection when its token expires, and refuses roles a field is not for", async () => {
      const forged = fed.subscribe(`subscription { caseUpdated { cursor } }`, undefined, `${lender.slice(0, -4)}AAAA`);
      expect((await forged.waitClosed()).code).toBe(4403);
      const none = fed.subscribe(`subscription { caseUpdated { cursor } }`, undefined, undefined as unknown as string);
      expect((await none.waitClosed()).code).toBe(4403);
      // A well-signed token longer than an HTTP header may be (16 KiB): refused there, and here too.
      const huge = await fed.issuer.mint({ role: "lender", lender_id: caseA.lenderId, pad: "x".repeat(17 * 1024) });
      const overHttp = await fetch(fed.gatewayUrl, { method: "POST", headers: { "content-type": "application/json", authorization: `Bearer ${huge}` }, body: "{}" });
      expect(overHttp.status).toBe(431);
      const oversized = fed.subscribe(`subscription { caseUpdated { cursor } }`, undefined, huge);
      expect((await oversized.waitClosed()).code).toBe(4403);

      const brief = await fed.issuer.mint({ role: "lender", lender_id: caseA.lenderId }, { expiresIn: 2 });
      const expiring = await live(`subscription { caseUpdated { cursor } }`, undefined, brief);
      const closed = await expiring.waitClosed(10_000);
      expect(closed.code).toBe(WS_CLOSE_CODES.TOKEN_EXPIRED);

      const wrongRole = fed.subscribe(`subscription { caseUpdated { cursor } }`, undefined, borrowerA);
      expect(codes({ status: 200, errors: await wrongRole.failed })).toEqual(["FORBIDDEN"]);
      const auditorFeed = fed.subscribe(`subscription { myCaseUpdates { cursor } }`, undefined, auditor);
      expect(codes({ status: 200, errors: await auditorFeed.failed })).toEqual(["FORBIDDEN"]);
      const tooDeep = fed.subscribe(`subscription { caseUpdated { case { ${"loan { borrower { loans { collectionCase { ".repeat(3)} id ${"} } } } ".repeat(3)} } } }`, undefined, lender);
      expect(codes({ status: 200, errors: await tooDeep.failed })).toEqual(["OPERATION_LIMIT_EXCEEDED"]);
      await Promise.all([forged.stop(), none.stop(), wrongRole.stop(), auditorFeed.stop(), tooDeep.stop()]);
    }, 30_000);

    it("answers a subscription sent over HTTP with a clear client error", async () => {
      const r = await fed.query(`subscription { caseUpdated { cursor } }`, undefined, lender);
      expect(r.status).toBe(400);
      expect(codes(r)).toEqual(["BAD_REQUEST"]);
      expect(r.errors?.[0]?.message).toMatch(/WebSocket/);
    });
  });
}

suite("postgres");
if (env().NATS_URL) suite("nats");
else {
  console.warn("Subscriptions on the NATS bus DID NOT RUN: NATS_URL is not set (CI sets NATS_URL=nats://127.0.0.1:4222).");
  describe("subscriptions on the nats bus", () => {
    it.skip("DID NOT RUN: set NATS_URL=nats://127.0.0.1:4222 to run them (CI does)", () => {});
  });
}
