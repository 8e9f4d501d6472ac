import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { Principal } from "@concord/schema";
import { applyToCaseDirectory, createLogger, FixedClock, newEvent, profileOf, uuidv7, type EventEnvelope } from "@concord/service-kit";
import { agencyPrincipal, codes, createTestDatabase, lenderPrincipal, subgraphCaller, TEST_GATEWAY_KEYS, type TestDatabase } from "@concord/test-kit";
import { start, type LoansService } from "../../index";
import { makeLender, makeLoan } from "../../testing/fixtures";

/**
 * revealContact holds to the contact rules the case directory carries: the lender's profile
 * (hours, blocked days), the case's holds, the agency's channels. The borrower is in
 * Europe/London (makeLoan); 2027-01-05 is a Tuesday.
 */

let db: TestDatabase;
let svc: LoansService;
let principal: Principal;
const call = subgraphCaller("loans", () => svc.url, () => principal);
const clock = new FixedClock(new Date("2027-01-05T12:00:00Z"));
let lenderId: string;
const REVEAL = `mutation($id: ID!, $channel: ContactChannel!) { revealContact(caseId: $id, channel: $channel) { value } }`;

beforeAll(async () => {
  db = await createTestDatabase("reveal");
  svc = await start({ gatewayKeys: TEST_GATEWAY_KEYS, databaseUrl: db.url, clock, logger: createLogger("loans").child({}, { level: "silent" }) });
  lenderId = await makeLender(svc.ds);
});
afterAll(async () => {
  await svc?.stop();
  await db?.drop();
});
beforeEach(() => clock.set("2027-01-05T12:00:00Z"));

const apply = (...events: EventEnvelope[]) => svc.ds.transaction((tx) => applyToCaseDirectory(tx, events));

/** An OPEN case of the lender, placed with a new agency that may use `channels`. */
async function placedCase(channels = ["CALL", "SMS", "EMAIL"]): Promise<{ caseId: string; agencyId: string }> {
  const { loanId } = await makeLoan(svc.ds, { lenderId, originatedOn: "2026-10-01", installments: 6, amountMinor: 5_000 });
  principal = lenderPrincipal(lenderId);
  expect((await call(`mutation { refreshDelinquency(asOf: "2027-01-05") { casesOpened } }`)).errors).toBeUndefined();
  const [c] = await svc.ds.query("SELECT id FROM collection_case WHERE loan_id = $1", [loanId]);
  const agencyId = uuidv7();
  const placementId = uuidv7();
  await apply(
    newEvent(
      {
        type: "PlacementStarted", aggregateType: "Placement", aggregateId: placementId, aggregateVersion: 1, lenderId,
        payload: { placementId, caseId: c.id, agencyId, placedAt: "2027-01-01T00:00:00Z", expiresAt: "2027-06-01T00:00:00Z", channels },
      },
      clock.now(),
    ),
  );
  principal = agencyPrincipal(agencyId);
  return { caseId: c.id, agencyId };
}

const hold = (caseId: string, channels: string[], endsAt: string | null) => {
  const holdId = uuidv7();
  return newEvent(
    {
      type: "ContactHoldPlaced", aggregateType: "ContactHold", aggregateId: holdId, aggregateVersion: 1, lenderId,
      payload: { holdId, caseId, kind: "DISPUTE", channels, startsAt: "2027-01-05T09:00:00Z", endsAt },
    },
    clock.now(),
  );
};

const refusal = (r: { errors?: readonly any[] }) => ({ codes: codes(r as any), rule: r.errors?.[0]?.extensions?.rule, until: r.errors?.[0]?.extensions?.until });

describe("revealContact and the contact rules", () => {
  it("reveals at 20:59 borrower time and refuses at 21:00, naming CONTACT_HOURS", async () => {
    const { caseId } = await placedCase();
    clock.set("2027-01-05T20:59:00Z");
    expect((await call(REVEAL, { id: caseId, channel: "CALL" })).data.revealContact.value).toBe("+447700900123");
    clock.set("2027-01-05T21:00:00Z");
    expect(refusal(await call(REVEAL, { id: caseId, channel: "CALL" }))).toMatchObject({ codes: ["FORBIDDEN"], rule: "CONTACT_HOURS" });
  });

  it("follows the lender's tightened profile: hours and blocked days", async () => {
    const { caseId } = await placedCase();
    const parameters = { ...profileOf("UK_FCA").parameters, hoursEndMinute: 18 * 60, blockedWeekdays: [2] };
    await apply(
      newEvent({ type: "ContactProfileSet", aggregateType: "ContactProfile", aggregateId: lenderId, aggregateVersion: 1, lenderId, payload: { lenderId, jurisdiction: "UK_FCA", parameters } }, clock.now()),
    );
    // Tuesday is blocked now.
    expect(refusal(await call(REVEAL, { id: caseId, channel: "CALL" }))).toMatchObject({ codes: ["FORBIDDEN"], rule: "BLOCKED_DAY" });
    clock.set("2027-01-06T17:59:00Z");
    expect((await call(REVEAL, { id: caseId, channel: "CALL" })).errors).toBeUndefined();
    clock.set("2027-01-06T18:00:00Z");
    expect(refusal(await call(REVEAL, { id: caseId, channel: "CALL" }))).toMatchObject({ rule: "CONTACT_HOURS" });
    // Back to the profile's own parameters for the other tests.
    await apply(
      newEvent({ type: "ContactProfileSet", aggregateType: "ContactProfile", aggregateId: lenderId, aggregateVersion: 2, lenderId, payload: { lenderId, jurisdiction: "UK_FCA", parameters: profileOf("UK_FCA").parameters } }, clock.now()),
    );
  });

  it("refuses a channel a hold pauses until the hold ends, and reveals another channel", async () => {
    const { caseId } = await placedCase();
    await apply(hold(caseId, ["CALL"], "2027-01-08T09:00:00Z"));
    expect(refusal(await call(REVEAL, { id: caseId, channel: "CALL" }))).toEqual({ codes: ["FORBIDDEN"], rule: "CONTACT_HOLD", until: "2027-01-08T09:00:00.000Z" });
    expect((await call(REVEAL, { id: caseId, channel: "EMAIL" })).data.revealContact.value).toBe("ada@example.test");
    clock.set("2027-01-08T09:00:00Z");
    expect((await call(REVEAL, { id: caseId, channel: "CALL" })).errors).toBeUndefined();
  });

  it("refuses every channel under an open hold on all channels", async () => {
    const { caseId } = await placedCase();
    await apply(hold(caseId, [], null));
    for (const channel of ["CALL", "SMS", "EMAIL"]) {
      expect(refusal(await call(REVEAL, { id: caseId, channel }))).toEqual({ codes: ["FORBIDDEN"], rule: "CONTACT_HOLD", until: undefined });
    }
  });

  it("refuses a channel the agency may not use", async () => {
    const { caseId } = await placedCase(["CALL"]);
    expect((await call(REVEAL, { id: caseId, channel: "CALL" })).errors).toBeUndefined();
    expect(refusal(await call(REVEAL, { id: caseId, channel: "EMAIL" }))).toMatchObject({ codes: ["FORBIDDEN"], rule: "AGENCY_CHANNEL" });
  });
});
