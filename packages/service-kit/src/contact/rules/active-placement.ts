import type { Block, Breach, ContactRule, ContactSituation } from "../types";

/** An agency contacts the borrower only while it holds an active placement of the case. */
export const activePlacementRule: ContactRule = {
  name: "ACTIVE_PLACEMENT",
  description: "An agency may contact the borrower only while its placement of the case is active.",

  block(s: ContactSituation): Block | null {
    if (s.actor.role !== "agency" || s.actor.holdsCase) return null;
    return { rule: "ACTIVE_PLACEMENT", message: "The agency holds no active placement of this case.", until: null };
  },

  breach(s: ContactSituation, made): Breach | null {
    if (made.direction !== "OUTBOUND" || s.actor.role !== "agency" || s.actor.holdsCase) return null;
    return {
      rule: "ACTIVE_PLACEMENT",
      message: `The agency made a ${made.channel} contact on a case it holds no active placement of.`,
      limit: "an active placement",
      observed: "no active placement",
    };
  },
};
