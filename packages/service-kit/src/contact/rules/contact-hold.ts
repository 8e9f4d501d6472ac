import type { Block, Breach, Channel, ContactHold, ContactRule, ContactSituation } from "../types";

/** The holds pausing `channel` at `at`: on every channel or on this one, started, not yet ended. */
export function holdsInForce(holds: readonly ContactHold[], channel: Channel, at: Date): ContactHold[] {
  const t = at.getTime();
  return holds.filter(
    (h) => (h.channels.length === 0 || h.channels.includes(channel)) && h.startsAt.getTime() <= t && (h.endsAt === null || t < h.endsAt.getTime()),
  );
}

/**
 * The holds that apply to a contact: a notice the law requires is exempt from a cease request
 * (only such notices may still be sent, DESIGN "Cease-communication"), never from any other hold.
 */
const applying = (holds: readonly ContactHold[], required: boolean | undefined): readonly ContactHold[] =>
  required ? holds.filter((h) => h.kind !== "CEASE") : holds;

/** Of several holds, the one that lasts longest (an open one outlasts any). */
function longest(holds: readonly ContactHold[]): ContactHold {
  return holds.reduce((a, b) => {
    if (a.endsAt === null) return a;
    if (b.endsAt === null) return b;
    return b.endsAt.getTime() > a.endsAt.getTime() ? b : a;
  });
}

function describe(holds: readonly ContactHold[], channel: Channel): string {
  const h = longest(holds);
  const others = [...new Set(holds.filter((x) => x !== h).map((x) => x.kind))];
  const end = h.endsAt ? `until ${h.endsAt.toISOString()}` : "until it is lifted";
  return `${channel} contact is paused by a ${h.kind} hold ${end}${others.length ? ` (also held: ${others.join(", ")})` : ""}.`;
}

/** No contact on a channel a hold pauses (cease, opt-out, dispute, hardship, breathing space, ...). */
export const contactHoldRule: ContactRule = {
  name: "CONTACT_HOLD",
  description:
    "No contact on a channel while a hold on the case pauses it (a hold without channels pauses every channel), from its start until its end or until an event lifts it. A notice the law requires (marked required) is exempt from a cease request, from no other hold.",

  block(s: ContactSituation): Block | null {
    const held = holdsInForce(applying(s.holds, s.required), s.channel, s.at);
    if (held.length === 0) return null;
    return { rule: "CONTACT_HOLD", message: describe(held, s.channel), until: longest(held).endsAt };
  },

  breach(s: ContactSituation, made): Breach | null {
    if (made.direction !== "OUTBOUND") return null;
    const held = holdsInForce(applying(s.holds, made.required), made.channel, made.occurredAt);
    if (held.length === 0) return null;
    return {
      rule: "CONTACT_HOLD",
      message: `A ${made.channel} contact was made while ${describe(held, made.channel).replace(/^\S+ contact is /, "contact was ")}`,
      limit: `no ${made.channel} contact during a ${longest(held).kind} hold`,
      observed: [...new Set(held.map((h) => h.kind))].join(", "),
    };
  },
};
