import { isConnectedCall, isConnectedCallToDebtor } from "../call-outcomes";
import { localDateOf } from "../local-time";
import { contactsBefore, countOnDays, startOfNextDay, zoneOf } from "../situation";
import type { Block, Breach, ContactRule, ContactSituation, PastContact } from "../types";

/** Connected calls to the debtor on local `date`, lender and agencies together. */
export const connectedCallsOn = (contacts: readonly PastContact[], date: string, zone: string): number =>
  countOnDays(contacts, isConnectedCallToDebtor, zone, date, date);

/** At most `maxConnectedCallsPerDay` connected calls to the debtor per local day (CN_NIFA: 3). */
export const connectedCallsRule: ContactRule = {
  name: "CONNECTED_CALLS_PER_DAY",
  description: "At most the profile's number of connected calls to the debtor per local day, the lender and its agencies together.",

  block(s: ContactSituation): Block | null {
    const cap = s.profile.parameters.maxConnectedCallsPerDay;
    const zone = zoneOf(s);
    if (cap === null || !zone || s.channel !== "CALL" || s.party !== "DEBTOR") return null;
    const today = localDateOf(s.at, zone);
    const count = connectedCallsOn(contactsBefore(s), today, zone);
    if (count < cap) return null;
    return {
      rule: "CONNECTED_CALLS_PER_DAY",
      message: cap === 0 ? "The lender's profile allows no connected calls." : `${count} connected calls to the debtor today; at most ${cap} a day are allowed.`,
      // A cap of 0 never frees up.
      until: cap === 0 ? null : startOfNextDay(today, zone),
    };
  },

  breach(s: ContactSituation, made): Breach | null {
    const cap = s.profile.parameters.maxConnectedCallsPerDay;
    const zone = zoneOf(s);
    if (cap === null || !zone || made.channel !== "CALL" || made.direction !== "OUTBOUND" || made.party !== "DEBTOR" || !isConnectedCall(made.outcome)) return null;
    const count = connectedCallsOn(s.history, localDateOf(made.occurredAt, zone), zone);
    if (count < cap) return null;
    return {
      rule: "CONNECTED_CALLS_PER_DAY",
      message: `Connected call number ${count + 1} to the debtor in one day; at most ${cap} are allowed.`,
      limit: `${cap} connected calls per day`,
      observed: String(count + 1),
    };
  },
};
