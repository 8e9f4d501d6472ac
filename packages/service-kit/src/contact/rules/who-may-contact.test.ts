import { describe, expect, it } from "vitest";
import { decideContact } from "../evaluate";
import { contact, situation } from "../fixtures";
import { activePlacementRule } from "./active-placement";
import { agencyChannelRule } from "./agency-channel";
import { debtorOnlyRule } from "./debtor-only";
import { timeZoneUnknownRule } from "./time-zone-unknown";

// Wednesday 10 June 2026, 11:00 in New York, 23:00 in Shanghai.
const AT = "2026-06-10T15:00:00Z";
const agency = (allowedChannels: ("CALL" | "SMS")[] | null, holdsCase = true) => ({ role: "agency" as const, holdsCase, allowedChannels });

describe("AGENCY_CHANNEL", () => {
  it("refuses an agency a channel its placement does not allow, for good; allows one it does", () => {
    const d = decideContact(situation(AT, { actor: agency(["SMS"]) }));
    expect(d.blockedBy.map((b) => b.rule)).toEqual(["AGENCY_CHANNEL"]);
    expect(d.nextAllowedAt).toBeNull();
    expect(decideContact(situation(AT, { channel: "SMS", actor: agency(["SMS"]) })).allowed).toBe(true);
    expect(decideContact(situation(AT, { actor: agency(null) })).allowed).toBe(true);
  });

  it("is breached by an agency's outbound contact on a channel it may not use", () => {
    const s = situation(AT, { actor: agency(["SMS"]) });
    expect(agencyChannelRule.breach(s, contact(AT, "NO_ANSWER"))).toMatchObject({ limit: "SMS", observed: "CALL" });
    expect(agencyChannelRule.breach(s, contact(AT, "DELIVERED", { channel: "SMS" }))).toBeNull();
  });
});

describe("ACTIVE_PLACEMENT", () => {
  it("refuses an agency without an active placement; allows one with it and the lender", () => {
    const d = decideContact(situation(AT, { actor: agency(null, false) }));
    expect(d.blockedBy.map((b) => b.rule)).toEqual(["ACTIVE_PLACEMENT"]);
    expect(d.nextAllowedAt).toBeNull();
    expect(decideContact(situation(AT, { actor: agency(null, true) })).allowed).toBe(true);
    expect(decideContact(situation(AT)).allowed).toBe(true);
  });

  it("is breached by an outbound contact from an agency that holds no placement", () => {
    expect(activePlacementRule.breach(situation(AT, { actor: agency(null, false) }), contact(AT, "NO_ANSWER"))?.rule).toBe("ACTIVE_PLACEMENT");
    expect(activePlacementRule.breach(situation(AT, { actor: agency(null, true) }), contact(AT, "NO_ANSWER"))).toBeNull();
  });
});

describe("DEBTOR_ONLY", () => {
  const cn = { timeZone: "Asia/Shanghai", jurisdiction: "CN_NIFA" as const };
  const MORNING_CN = "2026-06-10T02:00:00Z";

  it("CN: refuses contact with a third party for good and allows the debtor; US allows the third party", () => {
    const d = decideContact(situation(MORNING_CN, { ...cn, party: "THIRD_PARTY" }));
    expect(d.blockedBy.map((b) => b.rule)).toEqual(["DEBTOR_ONLY"]);
    expect(d.nextAllowedAt).toBeNull();
    expect(decideContact(situation(MORNING_CN, { ...cn, party: "DEBTOR" })).allowed).toBe(true);
    expect(decideContact(situation(AT, { party: "THIRD_PARTY" })).allowed).toBe(true);
  });

  it("CN: is breached by any contact with a third party, inbound too; US: by none", () => {
    const s = situation(MORNING_CN, cn);
    expect(debtorOnlyRule.breach(s, contact(MORNING_CN, "RIGHT_PARTY_CONTACT", { party: "THIRD_PARTY", direction: "INBOUND" }))).toMatchObject({
      rule: "DEBTOR_ONLY",
      observed: "THIRD_PARTY",
    });
    expect(debtorOnlyRule.breach(s, contact(MORNING_CN, "RIGHT_PARTY_CONTACT"))).toBeNull();
    expect(debtorOnlyRule.breach(situation(AT), contact(AT, "RIGHT_PARTY_CONTACT", { party: "THIRD_PARTY" }))).toBeNull();
  });
});

describe("TIME_ZONE_UNKNOWN", () => {
  it("refuses contact for good while the zone is unknown or not a zone, and the hour rules stay silent", () => {
    // 03:00 UTC is night in New York: had the zone been known, CONTACT_HOURS would block.
    for (const timeZone of [null, "Mars/Olympus_Mons"]) {
      const d = decideContact(situation("2026-06-10T03:00:00Z", { timeZone }));
      expect(d.blockedBy.map((b) => b.rule)).toEqual(["TIME_ZONE_UNKNOWN"]);
      expect(d.nextAllowedAt).toBeNull();
    }
    expect(decideContact(situation(AT, { timeZone: "America/New_York" })).allowed).toBe(true);
  });

  it("is breached by an outbound contact made without the zone, not by an inbound one", () => {
    const s = situation(AT, { timeZone: null });
    expect(timeZoneUnknownRule.breach(s, contact(AT, "NO_ANSWER"))).toMatchObject({ observed: "unknown" });
    expect(timeZoneUnknownRule.breach(s, contact(AT, "RIGHT_PARTY_CONTACT", { direction: "INBOUND" }))).toBeNull();
    expect(timeZoneUnknownRule.breach(situation(AT), contact(AT, "NO_ANSWER"))).toBeNull();
  });
});
