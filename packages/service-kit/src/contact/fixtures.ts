/**
 * Situations for the engine's tests (not exported from the kit): a lender calling the debtor in
 * New York under Regulation F unless a test says otherwise.
 */
import { profileOf } from "./profiles";
import type { Channel, ContactHold, ContactSituation, Direction, Jurisdiction, Outcome, Party, PastContact } from "./types";

/** A situation at `at` (ISO) with `over` applied; `jurisdiction` picks the profile. */
export function situation(at: string, over: Partial<ContactSituation> & { jurisdiction?: Jurisdiction } = {}): ContactSituation {
  const { jurisdiction = "US_REG_F", ...rest } = over;
  return {
    at: new Date(at),
    channel: "CALL",
    party: "DEBTOR",
    contactPoint: "phone",
    timeZone: "America/New_York",
    profile: profileOf(jurisdiction),
    holds: [],
    history: [],
    actor: { role: "lender", holdsCase: true, allowedChannels: null },
    ...rest,
  };
}

/** A past contact at `at` (ISO): an outbound call to the debtor on "phone" unless told otherwise. */
export function contact(
  at: string,
  outcome: Outcome,
  over: { channel?: Channel; direction?: Direction; party?: Party; contactPoint?: string } = {},
): PastContact {
  return { occurredAt: new Date(at), channel: "CALL", direction: "OUTBOUND", party: "DEBTOR", contactPoint: "phone", outcome, ...over };
}

/** A hold of `kind` on every channel (or `channels`) from `startsAt` until `endsAt` (null: open). */
export function hold(kind: ContactHold["kind"], startsAt: string, endsAt: string | null, channels: Channel[] = []): ContactHold {
  return { holdId: `${kind}-${startsAt}`, kind, channels, startsAt: new Date(startsAt), endsAt: endsAt === null ? null : new Date(endsAt) };
}
