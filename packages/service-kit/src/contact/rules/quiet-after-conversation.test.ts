import { describe, expect, it } from "vitest";
import { decideContact } from "../evaluate";
import { contact, situation } from "../fixtures";
import { quietAfterConversationRule } from "./quiet-after-conversation";

// A conversation on Monday 1 June 2026 at 14:00 EDT: day 1. Day 7 is Sunday 7 June, day 8 Monday 8 June.
const talked = [contact("2026-06-01T18:00:00Z", "RIGHT_PARTY_CONTACT")];
const DAY7_EVENING = "2026-06-08T00:00:00Z"; // 20:00 EDT on 7 June
const DAY8_MORNING = "2026-06-08T12:00:00Z"; // 08:00 EDT on 8 June

describe("QUIET_AFTER_CONVERSATION", () => {
  it("refuses a call on day 7 and allows one on day 8", () => {
    const d = decideContact(situation(DAY7_EVENING, { history: talked }));
    expect(d.blockedBy.map((b) => b.rule)).toEqual(["QUIET_AFTER_CONVERSATION"]);
    expect(d.nextAllowedAt).toEqual(new Date(DAY8_MORNING));
    expect(quietAfterConversationRule.block(situation(DAY7_EVENING, { history: talked }))?.until?.toISOString()).toBe("2026-06-08T04:00:00.000Z");
    expect(decideContact(situation(DAY8_MORNING, { history: talked })).allowed).toBe(true);
  });

  it("holds later calls on the conversation's own day (day 1) and shows when it was", () => {
    const d = decideContact(situation("2026-06-01T20:00:00Z", { history: talked }));
    expect(d.blockedBy.map((b) => b.rule)).toEqual(["QUIET_AFTER_CONVERSATION"]);
    expect(d.counters.lastConversationAt?.toISOString()).toBe("2026-06-01T18:00:00.000Z");
  });

  it("starts from a call the borrower made, too", () => {
    const inbound = [contact("2026-06-01T18:00:00Z", "PROMISE_TO_PAY", { direction: "INBOUND" })];
    expect(quietAfterConversationRule.block(situation(DAY7_EVENING, { history: inbound }))).not.toBeNull();
  });

  it("is not started by an unanswered call, voicemail, a text or a talk with a third party", () => {
    const history = [
      contact("2026-06-01T18:00:00Z", "NO_ANSWER"),
      contact("2026-06-01T18:05:00Z", "VOICEMAIL"),
      contact("2026-06-01T18:10:00Z", "RIGHT_PARTY_CONTACT", { channel: "SMS" }),
      contact("2026-06-01T18:15:00Z", "RIGHT_PARTY_CONTACT", { party: "THIRD_PARTY" }),
    ];
    expect(quietAfterConversationRule.block(situation(DAY7_EVENING, { history }))).toBeNull();
  });

  it("does not hold back an SMS", () => {
    expect(quietAfterConversationRule.block(situation(DAY7_EVENING, { channel: "SMS", history: talked }))).toBeNull();
  });

  it("follows a lender's longer quiet period", () => {
    const s = situation(DAY8_MORNING, { history: talked });
    s.profile.parameters.quietDaysAfterConversation = 8;
    expect(quietAfterConversationRule.block(s)?.until?.toISOString()).toBe("2026-06-09T04:00:00.000Z");
  });

  it("is breached by an outbound call on day 7, not on day 8, and never by an inbound call", () => {
    const s = situation(DAY7_EVENING, { history: talked });
    expect(quietAfterConversationRule.breach(s, contact(DAY7_EVENING, "NO_ANSWER"))).toMatchObject({
      rule: "QUIET_AFTER_CONVERSATION",
      limit: "no calls for 7 days after a conversation",
      observed: "day 7",
    });
    expect(quietAfterConversationRule.breach(s, contact(DAY8_MORNING, "NO_ANSWER"))).toBeNull();
    expect(quietAfterConversationRule.breach(s, contact(DAY7_EVENING, "RIGHT_PARTY_CONTACT", { direction: "INBOUND" }))).toBeNull();
  });
});
