import { describe, expect, it } from "vitest";
import { decideContact } from "../evaluate";
import { contact, hold, situation } from "../fixtures";
import { contactHoldRule } from "./contact-hold";

// Wednesday 10 June 2026, 11:00 EDT.
const AT = "2026-06-10T15:00:00Z";

describe("CONTACT_HOLD", () => {
  it("refuses contact during an open hold, naming it; only an event lifts it", () => {
    const d = decideContact(situation(AT, { holds: [hold("DISPUTE", "2026-06-01T00:00:00Z", null)] }));
    expect(d.blockedBy).toEqual([{ rule: "CONTACT_HOLD", message: expect.stringContaining("DISPUTE"), until: null }]);
    expect(d.nextAllowedAt).toBeNull();
  });

  it("allows contact again at a hold's end when that falls inside contact hours", () => {
    const d = decideContact(situation(AT, { holds: [hold("HARDSHIP", "2026-06-01T00:00:00Z", "2026-06-12T16:00:00Z")] }));
    expect(d.nextAllowedAt?.toISOString()).toBe("2026-06-12T16:00:00.000Z");
  });

  it("pushes the next allowed time past a hold that ends at night to the next morning's hours", () => {
    // Ends at 22:00 EDT on 12 June.
    const d = decideContact(situation(AT, { holds: [hold("HARDSHIP", "2026-06-01T00:00:00Z", "2026-06-13T02:00:00Z")] }));
    expect(d.nextAllowedAt?.toISOString()).toBe("2026-06-13T12:00:00.000Z");
  });

  it("holds from its start, inclusive, until its end, exclusive", () => {
    const holds = [hold("PROMISE", AT, "2026-06-10T16:00:00Z")];
    expect(decideContact(situation("2026-06-10T14:59:59Z", { holds })).allowed).toBe(true);
    expect(decideContact(situation(AT, { holds })).allowed).toBe(false);
    expect(decideContact(situation("2026-06-10T16:00:00Z", { holds })).allowed).toBe(true);
  });

  it("pauses only the channels it names", () => {
    const holds = [hold("OPT_OUT", "2026-06-01T00:00:00Z", null, ["SMS"])];
    expect(decideContact(situation(AT, { channel: "CALL", holds })).allowed).toBe(true);
    expect(decideContact(situation(AT, { channel: "SMS", holds })).blockedBy.map((b) => b.rule)).toEqual(["CONTACT_HOLD"]);
  });

  it("with several holds, lasts as long as the longest", () => {
    const holds = [hold("PROMISE", "2026-06-01T00:00:00Z", "2026-06-11T15:00:00Z"), hold("HARDSHIP", "2026-06-01T00:00:00Z", "2026-06-12T15:00:00Z")];
    expect(contactHoldRule.block(situation(AT, { holds }))?.until?.toISOString()).toBe("2026-06-12T15:00:00.000Z");
    const withOpen = [...holds, hold("CEASE", "2026-06-05T00:00:00Z", null)];
    expect(contactHoldRule.block(situation(AT, { holds: withOpen }))).toMatchObject({ until: null, message: expect.stringContaining("CEASE") });
  });

  it("is breached by an outbound contact on a held channel, not by an inbound one or one after the end", () => {
    const s = situation(AT, { holds: [hold("OPT_OUT", "2026-06-01T00:00:00Z", "2026-06-20T00:00:00Z", ["SMS"])] });
    expect(contactHoldRule.breach(s, contact(AT, "DELIVERED", { channel: "SMS" }))).toMatchObject({ rule: "CONTACT_HOLD", observed: "OPT_OUT" });
    expect(contactHoldRule.breach(s, contact(AT, "DELIVERED", { channel: "SMS", direction: "INBOUND" }))).toBeNull();
    expect(contactHoldRule.breach(s, contact("2026-06-20T00:00:00Z", "DELIVERED", { channel: "SMS" }))).toBeNull();
    expect(contactHoldRule.breach(s, contact(AT, "NO_ANSWER"))).toBeNull();
  });

  it("lets a required notice through a cease request, and nothing else through it", () => {
    const holds = [hold("CEASE", "2026-06-01T00:00:00Z", null)];
    expect(decideContact(situation(AT, { channel: "LETTER", holds, required: true })).allowed).toBe(true);
    expect(decideContact(situation(AT, { channel: "LETTER", holds })).blockedBy.map((b) => b.rule)).toEqual(["CONTACT_HOLD"]);
  });

  it("does not exempt a required notice from any hold other than a cease request", () => {
    const holds = [hold("CEASE", "2026-06-01T00:00:00Z", null), hold("DISPUTE", "2026-06-01T00:00:00Z", null)];
    const d = decideContact(situation(AT, { channel: "LETTER", holds, required: true }));
    expect(d.blockedBy).toEqual([{ rule: "CONTACT_HOLD", message: expect.stringContaining("DISPUTE"), until: null }]);
    expect(d.blockedBy[0]!.message).not.toContain("CEASE");
  });

  it("is not breached by a required notice sent under a cease request, and is by one not marked required", () => {
    const s = situation(AT, { holds: [hold("CEASE", "2026-06-01T00:00:00Z", null)] });
    expect(contactHoldRule.breach(s, { ...contact(AT, "DELIVERED", { channel: "LETTER" }), required: true })).toBeNull();
    expect(contactHoldRule.breach(s, contact(AT, "DELIVERED", { channel: "LETTER" }))).toMatchObject({ rule: "CONTACT_HOLD", observed: "CEASE" });
  });
});
