import type { Block, Breach, ContactRule, ContactSituation } from "../types";

/** Where the profile says so (CN_NIFA, GB/T 45251-2025), collection is with the debtor only. */
export const debtorOnlyRule: ContactRule = {
  name: "DEBTOR_ONLY",
  description: "Where the profile requires it, no contact with anyone but the debtor.",

  block(s: ContactSituation): Block | null {
    if (!s.profile.parameters.debtorOnly || s.party !== "THIRD_PARTY") return null;
    return { rule: "DEBTOR_ONLY", message: `${s.profile.jurisdiction} allows collection contact with the debtor only.`, until: null };
  },

  // Any contact with a third party counts, whoever began it: the rule forbids collecting from
  // third parties at all, not only calling them.
  breach(s: ContactSituation, made): Breach | null {
    if (!s.profile.parameters.debtorOnly || made.party !== "THIRD_PARTY") return null;
    return {
      rule: "DEBTOR_ONLY",
      message: `A ${made.direction} ${made.channel} contact with a third party; ${s.profile.jurisdiction} allows the debtor only.`,
      limit: "the debtor only",
      observed: "THIRD_PARTY",
    };
  },
};
