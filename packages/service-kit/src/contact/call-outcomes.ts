/**
 * What a call's outcome makes it, for the counting rules. Regulation F counts a call that
 * connects, rings unanswered or reaches voicemail; a busy signal, a dead number or a failed
 * dial is no attempt (comment 14(b)-1, 12 CFR 1006.14(b)(3)).
 */
import type { Outcome, PastContact } from "./types";

const ATTEMPT: ReadonlySet<Outcome> = new Set<Outcome>([
  "RIGHT_PARTY_CONTACT",
  "PROMISE_TO_PAY",
  "NO_ANSWER",
  "VOICEMAIL",
  "WRONG_NUMBER",
  "REFUSED",
  "DISPUTE_RAISED",
  "HARDSHIP_DECLARED",
  "CALLBACK_REQUESTED",
]);

/** Outcomes of a call that reached someone: every attempt but the unanswered ones. */
const CONNECTED: ReadonlySet<Outcome> = new Set<Outcome>([...ATTEMPT].filter((o) => o !== "NO_ANSWER" && o !== "VOICEMAIL"));

/** Outcomes of a call nobody answered (busy included: the number was tried and not answered). */
const UNANSWERED: ReadonlySet<Outcome> = new Set<Outcome>(["NO_ANSWER", "VOICEMAIL", "BUSY"]);

/** Outcomes of a call in which the borrower talked about the debt. */
const CONVERSATION: ReadonlySet<Outcome> = new Set<Outcome>([
  "RIGHT_PARTY_CONTACT",
  "PROMISE_TO_PAY",
  "REFUSED",
  "DISPUTE_RAISED",
  "HARDSHIP_DECLARED",
  "CALLBACK_REQUESTED",
]);

/** Whether a call with `outcome` counts as a call attempt: it connected, rang out or reached voicemail. */
export const isCallAttempt = (outcome: Outcome): boolean => ATTEMPT.has(outcome);

/** Whether a call with `outcome` connected (reached a person). */
export const isConnectedCall = (outcome: Outcome): boolean => CONNECTED.has(outcome);

/** Whether a call with `outcome` went unanswered (no answer, voicemail, busy). */
export const isUnansweredCall = (outcome: Outcome): boolean => UNANSWERED.has(outcome);

/** Whether `contact` was a telephone conversation with the borrower (either direction). */
export const isConversation = (contact: Pick<PastContact, "channel" | "party" | "outcome">): boolean =>
  contact.channel === "CALL" && contact.party === "DEBTOR" && CONVERSATION.has(contact.outcome);

/** Whether `contact` was an outbound call attempt, the kind Regulation F counts. */
export const isOutboundCallAttempt = (contact: Pick<PastContact, "channel" | "direction" | "outcome">): boolean =>
  contact.channel === "CALL" && contact.direction === "OUTBOUND" && isCallAttempt(contact.outcome);

/** Whether `contact` was an outbound call that connected with the debtor. */
export const isConnectedCallToDebtor = (contact: Pick<PastContact, "channel" | "direction" | "outcome" | "party">): boolean =>
  contact.channel === "CALL" && contact.direction === "OUTBOUND" && contact.party === "DEBTOR" && isConnectedCall(contact.outcome);

/** Whether `contact` was an outbound call that went unanswered. */
export const isUnansweredOutboundCall = (contact: Pick<PastContact, "channel" | "direction" | "outcome">): boolean =>
  contact.channel === "CALL" && contact.direction === "OUTBOUND" && isUnansweredCall(contact.outcome);
