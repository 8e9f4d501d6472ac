import { addDays, formatMinute, localDateOf, localMinuteOf, zonedInstant } from "../local-time";
import { formatHours } from "../profiles";
import { zoneOf } from "../situation";
import type { Block, Breach, ContactRule, ContactSituation } from "../types";

/**
 * Contact only inside the profile's hours, in the borrower's zone: a local minute in
 * [start, end). A letter is exempt: post is not a contact made at an hour.
 */
function hoursBlock(s: ContactSituation): Block | null {
  const zone = zoneOf(s);
  if (!zone || s.channel === "LETTER") return null;
  const p = s.profile.parameters;
  const minute = localMinuteOf(s.at, zone);
  if (minute >= p.hoursStartMinute && minute < p.hoursEndMinute) return null;
  // The next start of hours; whether that day is blocked is the blocked-day rule's to say.
  const today = localDateOf(s.at, zone);
  let until = zonedInstant(minute < p.hoursStartMinute ? today : addDays(today, 1), p.hoursStartMinute, zone);
  if (until.getTime() <= s.at.getTime()) until = zonedInstant(addDays(today, 1), p.hoursStartMinute, zone);
  return {
    rule: "CONTACT_HOURS",
    message: `Contact is allowed only ${formatHours(p)} in the borrower's time zone; it is ${formatMinute(minute)} there.`,
    until,
  };
}

export const contactHoursRule: ContactRule = {
  name: "CONTACT_HOURS",
  description: "Contact (except by letter) only inside the profile's contact hours in the borrower's time zone; the start minute is allowed, the end minute is not.",
  block: hoursBlock,

  breach(s: ContactSituation, made): Breach | null {
    if (made.direction !== "OUTBOUND") return null;
    const b = hoursBlock({ ...s, at: made.occurredAt, channel: made.channel });
    const zone = zoneOf(s);
    if (!b || !zone) return null;
    return {
      rule: "CONTACT_HOURS",
      message: `A ${made.channel} contact was made outside contact hours (${formatHours(s.profile.parameters)} borrower's time).`,
      limit: formatHours(s.profile.parameters),
      // The borrower's local time, never the zone: violations reach auditors, who see no zone.
      observed: `${formatMinute(localMinuteOf(made.occurredAt, zone))} borrower's time`,
    };
  },
};
