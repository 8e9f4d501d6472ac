import type { Block, Breach, ContactRule, ContactSituation } from "../types";

/** An agency contacts the borrower only on the channels its placement allows. */
export const agencyChannelRule: ContactRule = {
  name: "AGENCY_CHANNEL",
  description: "An agency may contact the borrower only on the channels its placement allows.",

  block(s: ContactSituation): Block | null {
    const { role, allowedChannels } = s.actor;
    if (role !== "agency" || allowedChannels === null || allowedChannels.includes(s.channel)) return null;
    return { rule: "AGENCY_CHANNEL", message: `The agency's placement does not allow ${s.channel} (allowed: ${allowedChannels.join(", ") || "none"}).`, until: null };
  },

  breach(s: ContactSituation, made): Breach | null {
    const { role, allowedChannels } = s.actor;
    if (made.direction !== "OUTBOUND" || role !== "agency" || allowedChannels === null || allowedChannels.includes(made.channel)) return null;
    return {
      rule: "AGENCY_CHANNEL",
      message: `The agency contacted the borrower by ${made.channel}, which its placement does not allow.`,
      limit: allowedChannels.join(", ") || "no channel",
      observed: made.channel,
    };
  },
};
