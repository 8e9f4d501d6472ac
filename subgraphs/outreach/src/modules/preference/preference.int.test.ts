import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FixedClock, uuidv7 } from "@concord/service-kit";
import type { Principal } from "@concord/schema";
import { agencyPrincipal, auditorPrincipal, borrowerPrincipal, codes, lenderPrincipal, subgraphCaller } from "@concord/test-kit";
import type { OutreachService } from "../../index";
import { knownCase, startOutreach } from "../../testing/fixtures";

/**
 * Cease requests and contact preferences through GraphQL: the holds they place as contactPolicy
 * and reportActivity meet them (at the receipt instant), required notices under cease,
 * idempotency, who may ask and what each role sees.
 */

// Tuesday 2026-11-24, 15:00 in New York (EST, -5).
const NOW = new Date("2026-11-24T20:00:00Z");
const clock = new FixedClock(NOW);
let svc: OutreachService;
let stop: () => Promise<void>;
let principal: Principal;
const call = subgraphCaller("outreach", () => svc.url, () => principal);
const lender = uuidv7();
const agency = uuidv7();

const PREF = "caseId optedOutChannels preferredChannel preferredLanguage ceaseRequested ceaseRequestedAt updatedAt";
const CEASE = `mutation($caseId: ID!, $receivedAt: DateTimeISO) { requestCeaseCommunication(caseId: $caseId, receivedAt: $receivedAt) { ${PREF} } }`;
const SET = `mutation($input: ContactPreferenceInput!) { setContactPreference(input: $input) { ${PREF} } }`;
const POLICY = `query($caseId: ID!, $channel: Channel!, $at: DateTimeISO, $required: Boolean) {
  contactPolicy(caseId: $caseId, channel: $channel, at: $at, required: $required) { allowed blockedBy { rule message until } nextAllowedAt }
}`;
const REPORT = `mutation($input: ReportActivityInput!) { reportActivity(input: $input) { activity { id required flagged } violations { rule observed } } }`;
const CASE_PREF = (fields: string) => `query($reps: [_Any!]!) { _entities(representations: $reps) { ... on CollectionCase { contactPreference { ${fields} } } } }`;

type Decision = { allowed: boolean; blockedBy: Array<{ rule: string; message: string; until: string | null }>; nextAllowedAt: string | null };

async function policy(caseId: string, channel: string, at: string, required?: boolean): Promise<Decision> {
  const r = await call(POLICY, { caseId, channel, at, required });
  expect(r.errors).toBeUndefined();
  return r.data.contactPolicy;
}

async function ok(query: string, variables: Record<string, unknown>) {
  const r = await call(query, variables);
  expect(r.errors).toBeUndefined();
  return r.data;
}

/** The holds and hold events outreach wrote for a case. */
async function holdsOf(caseId: string) {
  const holds: Array<{ kind: string; channels: string[]; starts_at: Date; lifted_at: Date | null }> = await svc.ds.query(
    "SELECT kind, channels, starts_at, lifted_at FROM contact_hold WHERE case_id = $1 ORDER BY placed_at, id",
    [caseId],
  );
  const events: Array<{ type: string }> = await svc.ds.query(
    "SELECT type FROM outbox WHERE aggregate_type = 'ContactHold' AND (envelope::jsonb)->'payload'->>'caseId' = $1 ORDER BY id",
    [caseId],
  );
  return { holds, events: events.map((e) => e.type) };
}

beforeAll(async () => {
  ({ svc, stop } = await startOutreach("preference", clock));
});
afterAll(async () => stop?.());

describe("requestCeaseCommunication", () => {
  it("refuses every channel from the receipt instant of a lender-recorded request, with no next time; allowed 1 ms before", async () => {
    const { caseId } = await knownCase(svc, clock, { lenderId: lender });
    principal = lenderPrincipal(lender);
    // Received 13:00 EST, recorded two hours later.
    const receivedAt = "2026-11-24T18:00:00.000Z";
    const pref = (await ok(CEASE, { caseId, receivedAt })).requestCeaseCommunication;
    expect(pref).toMatchObject({ caseId, ceaseRequested: true, ceaseRequestedAt: receivedAt, optedOutChannels: [] });
    expect((await policy(caseId, "CALL", "2026-11-24T17:59:59.999Z")).allowed).toBe(true);
    for (const channel of ["CALL", "SMS", "EMAIL", "LETTER", "PUSH", "VISIT"]) {
      const d = await policy(caseId, channel, receivedAt);
      expect(d.blockedBy, channel).toEqual([{ rule: "CONTACT_HOLD", message: expect.stringContaining("CEASE"), until: null }]);
      expect(d.nextAllowedAt, channel).toBeNull();
    }
  });

  it("still allows a required LETTER and does not flag one reported; flags one not marked required", async () => {
    const { caseId } = await knownCase(svc, clock, { lenderId: lender });
    principal = lenderPrincipal(lender);
    await ok(CEASE, { caseId, receivedAt: "2026-11-24T18:00:00.000Z" });
    expect((await policy(caseId, "LETTER", "2026-11-24T18:30:00Z", true)).allowed).toBe(true);
    expect((await policy(caseId, "LETTER", "2026-11-24T18:30:00Z")).allowed).toBe(false);
    const base = { caseId, channel: "LETTER", direction: "OUTBOUND", outcome: "DELIVERED", occurredAt: "2026-11-24T19:00:00Z" };
    const notice = (await ok(REPORT, { input: { ...base, idempotencyKey: uuidv7(), required: true } })).reportActivity;
    expect(notice.activity).toMatchObject({ required: true, flagged: false });
    expect(notice.violations).toEqual([]);
    const letter = (await ok(REPORT, { input: { ...base, idempotencyKey: uuidv7() } })).reportActivity;
    expect(letter.activity).toMatchObject({ required: false, flagged: true });
    expect(letter.violations).toEqual([{ rule: "CONTACT_HOLD", observed: "CEASE" }]);
  });

  it("lets only a LETTER or an EMAIL be a required notice: BAD_USER_INPUT otherwise", async () => {
    const { caseId } = await knownCase(svc, clock, { lenderId: lender });
    principal = lenderPrincipal(lender);
    expect((await policy(caseId, "EMAIL", "2026-11-24T18:30:00Z", true)).allowed).toBe(true);
    expect(codes(await call(POLICY, { caseId, channel: "SMS", at: "2026-11-24T18:30:00Z", required: true }))).toEqual(["BAD_USER_INPUT"]);
    const input = { idempotencyKey: uuidv7(), caseId, channel: "CALL", direction: "OUTBOUND", outcome: "NO_ANSWER", occurredAt: "2026-11-24T19:00:00Z", required: true };
    expect(codes(await call(REPORT, { input }))).toEqual(["BAD_USER_INPUT"]);
  });

  it("is the borrower's own: asking twice places one hold and one event; effective at once", async () => {
    const { caseId, borrowerId } = await knownCase(svc, clock, { lenderId: lender });
    principal = borrowerPrincipal(borrowerId);
    const first = (await ok(CEASE, { caseId })).requestCeaseCommunication;
    expect(first.ceaseRequestedAt).toBe(NOW.toISOString());
    const again = (await ok(CEASE, { caseId })).requestCeaseCommunication;
    expect(again).toEqual(first);
    const { holds, events } = await holdsOf(caseId);
    expect(holds.map((h) => [h.kind, h.channels, h.starts_at.toISOString()])).toEqual([["CEASE", [], NOW.toISOString()]]);
    expect(events).toEqual(["ContactHoldPlaced"]);
    principal = lenderPrincipal(lender);
    expect((await policy(caseId, "CALL", new Date(NOW.getTime() - 1).toISOString())).allowed).toBe(true);
    expect((await policy(caseId, "CALL", NOW.toISOString())).allowed).toBe(false);
  });

  it("is NOT_FOUND to another borrower and another lender, FORBIDDEN to an agency; receivedAt is the lender's", async () => {
    const { caseId, borrowerId } = await knownCase(svc, clock, { lenderId: lender, agencyId: agency });
    principal = borrowerPrincipal(uuidv7());
    expect(codes(await call(CEASE, { caseId }))).toEqual(["NOT_FOUND"]);
    principal = lenderPrincipal(uuidv7());
    expect(codes(await call(CEASE, { caseId }))).toEqual(["NOT_FOUND"]);
    principal = agencyPrincipal(agency);
    expect(codes(await call(CEASE, { caseId }))).toEqual(["FORBIDDEN"]);
    principal = borrowerPrincipal(borrowerId);
    expect(codes(await call(CEASE, { caseId, receivedAt: "2026-11-24T18:00:00Z" }))).toEqual(["BAD_USER_INPUT"]);
    principal = lenderPrincipal(lender);
    expect(codes(await call(CEASE, { caseId, receivedAt: "2026-11-24T20:06:00Z" }))).toEqual(["BAD_USER_INPUT"]);
    expect((await holdsOf(caseId)).holds).toEqual([]);
  });
});

describe("setContactPreference", () => {
  it("opting out of SMS blocks SMS and leaves CALL open; opting back in allows SMS", async () => {
    const { caseId, borrowerId } = await knownCase(svc, clock, { lenderId: lender });
    const at = NOW.toISOString();
    principal = borrowerPrincipal(borrowerId);
    const set = (await ok(SET, { input: { caseId, optedOutChannels: ["SMS"], preferredChannel: "EMAIL", preferredLanguage: "zh-CN" } })).setContactPreference;
    expect(set).toMatchObject({ optedOutChannels: ["SMS"], preferredChannel: "EMAIL", preferredLanguage: "zh-CN", ceaseRequested: false });
    principal = lenderPrincipal(lender);
    const sms = await policy(caseId, "SMS", at);
    expect(sms.blockedBy).toEqual([{ rule: "CONTACT_HOLD", message: expect.stringContaining("OPT_OUT"), until: null }]);
    expect((await policy(caseId, "CALL", at)).allowed).toBe(true);
    principal = borrowerPrincipal(borrowerId);
    await ok(SET, { input: { caseId, optedOutChannels: [], preferredChannel: "EMAIL", preferredLanguage: "zh-CN" } });
    principal = lenderPrincipal(lender);
    expect((await policy(caseId, "SMS", at)).allowed).toBe(true);
    const { holds, events } = await holdsOf(caseId);
    expect(holds.map((h) => [h.kind, h.channels, h.lifted_at?.toISOString() ?? null])).toEqual([["OPT_OUT", ["SMS"], at]]);
    expect(events).toEqual(["ContactHoldPlaced", "ContactHoldLifted"]);
  });

  it("the same preferences twice place one hold and one event; a preferred channel opted out of is BAD_USER_INPUT", async () => {
    const { caseId } = await knownCase(svc, clock, { lenderId: lender });
    principal = lenderPrincipal(lender);
    const input = { caseId, optedOutChannels: ["CALL", "SMS", "CALL"] };
    const first = (await ok(SET, { input })).setContactPreference;
    expect(first.optedOutChannels).toEqual(["CALL", "SMS"]);
    expect((await ok(SET, { input })).setContactPreference).toEqual(first);
    const { holds, events } = await holdsOf(caseId);
    expect(holds.map((h) => h.channels)).toEqual([["CALL"], ["SMS"]]);
    expect(events).toEqual(["ContactHoldPlaced", "ContactHoldPlaced"]);
    expect(codes(await call(SET, { input: { caseId, optedOutChannels: ["SMS"], preferredChannel: "SMS" } }))).toEqual(["BAD_USER_INPUT"]);
    expect(codes(await call(SET, { input: { caseId, preferredLanguage: "not a language" } }))).toEqual(["BAD_USER_INPUT"]);
  });

  it("is NOT_FOUND to another borrower", async () => {
    const { caseId } = await knownCase(svc, clock, { lenderId: lender });
    principal = borrowerPrincipal(uuidv7());
    expect(codes(await call(SET, { input: { caseId, optedOutChannels: ["SMS"] } }))).toEqual(["NOT_FOUND"]);
    expect((await holdsOf(caseId)).holds).toEqual([]);
  });
});

describe("CollectionCase.contactPreference: who sees what", () => {
  it("an agency holding the case sees the opt-outs, preferred channel and language and that cease was requested, not when; an auditor not the language", async () => {
    const { caseId, borrowerId } = await knownCase(svc, clock, { lenderId: lender, agencyId: agency });
    principal = borrowerPrincipal(borrowerId);
    await ok(SET, { input: { caseId, optedOutChannels: ["VISIT"], preferredChannel: "SMS", preferredLanguage: "en" } });
    await ok(CEASE, { caseId });
    const reps = [{ __typename: "CollectionCase", id: caseId }];
    const flags = "optedOutChannels preferredChannel ceaseRequested";

    principal = agencyPrincipal(agency);
    const seen = await ok(CASE_PREF(`${flags} preferredLanguage`), { reps });
    expect(seen._entities[0].contactPreference).toEqual({ optedOutChannels: ["VISIT"], preferredChannel: "SMS", ceaseRequested: true, preferredLanguage: "en" });
    const when = await call(CASE_PREF("ceaseRequestedAt"), { reps });
    expect(codes(when)).toEqual(["FORBIDDEN"]);

    principal = agencyPrincipal(uuidv7());
    expect(codes(await call(CASE_PREF(flags), { reps }))).toEqual(["FORBIDDEN"]);

    principal = auditorPrincipal();
    expect((await ok(CASE_PREF(flags), { reps }))._entities[0].contactPreference).toEqual({ optedOutChannels: ["VISIT"], preferredChannel: "SMS", ceaseRequested: true });
    expect(codes(await call(CASE_PREF("preferredLanguage"), { reps }))).toEqual(["FORBIDDEN"]);

    for (const p of [borrowerPrincipal(borrowerId), lenderPrincipal(lender)]) {
      principal = p;
      const all = (await ok(CASE_PREF(PREF), { reps }))._entities[0].contactPreference;
      expect(all).toMatchObject({ caseId, preferredLanguage: "en", ceaseRequested: true, ceaseRequestedAt: NOW.toISOString() });
    }
  });
});
