import type { DataSource, EntityManager } from "typeorm";
import {
  DEFAULT_JURISDICTION,
  profileOf,
  type CaseDirectory,
  type CaseEntry,
  type Channel,
  type ContactActor,
  type ContactProfile,
  type ContactSituation,
  type Party,
  type PastContact,
} from "@concord/service-kit";

const DAY_MS = 86_400_000;

/** The profile of a lender that has chosen none: DESIGN's defaults, which are Regulation F's. */
export const DEFAULT_PROFILE: ContactProfile = profileOf(DEFAULT_JURISDICTION);

/**
 * How many days before a decision the counting rules look: the widest of their windows (7 local
 * days of attempts, or the profile's quiet days after a conversation, which a lender may
 * lengthen), plus two, since a local day may start up to 14 hours off UTC.
 */
export function historyDays(profile: ContactProfile): number {
  return Math.max(7, profile.parameters.quietDaysAfterConversation ?? 0) + 2;
}

/**
 * The case's contacts the counting rules look at for a decision at `at`: those of the `days`
 * days before it (see {@link historyDays}), up to and including `at`. One indexed range scan.
 */
export async function contactHistory(db: DataSource | EntityManager, caseId: string, at: Date, days: number): Promise<PastContact[]> {
  const rows: Array<Record<string, any>> = await db.query(
    `SELECT channel, direction, outcome, party, contact_point, occurred_at FROM activity
      WHERE case_id = $1 AND occurred_at > $2 AND occurred_at <= $3`,
    [caseId, new Date(at.getTime() - days * DAY_MS), at],
  );
  return rows.map((r) => ({
    occurredAt: new Date(r.occurred_at),
    channel: r.channel,
    direction: r.direction,
    outcome: r.outcome,
    party: r.party,
    contactPoint: r.contact_point,
  }));
}

/** Who would make the contact: the case's lender, or an agency with what the directory says it holds. */
export function actorOf(role: "lender" | "agency", entry: CaseEntry, agencyId: string | null): ContactActor {
  if (role === "lender") return { role, holdsCase: true, allowedChannels: null };
  const placement = entry.activePlacement;
  const holds = !!placement && placement.agencyId === agencyId;
  return { role, holdsCase: holds, allowedChannels: holds ? ((placement.channels as Channel[] | null) ?? null) : null };
}

export interface SituationRequest {
  at: Date;
  channel: Channel;
  party: Party;
  contactPoint: string;
  actor: ContactActor;
}

/** A situation, and which version of the lender's profile it carries (null: the default). */
export interface LoadedSituation {
  situation: ContactSituation;
  profileVersion: number | null;
  profileAppliedAt: Date | null;
}

/**
 * Everything the engine decides from, for one case at one instant: profile and holds (one
 * statement to the case directory), the case's history (one range scan), its time zone.
 */
export async function loadSituation(db: DataSource | EntityManager, directory: CaseDirectory, entry: CaseEntry, req: SituationRequest): Promise<LoadedSituation> {
  // One after the other: in a transaction both go down the same connection.
  const rules = await directory.contactRules(entry.caseId, req.at, DEFAULT_PROFILE);
  const profile = rules?.profile ?? DEFAULT_PROFILE;
  const history = await contactHistory(db, entry.caseId, req.at, historyDays(profile));
  return {
    situation: {
      at: req.at,
      channel: req.channel,
      party: req.party,
      contactPoint: req.contactPoint,
      timeZone: entry.timezone,
      profile,
      holds: rules?.holds ?? [],
      history,
      actor: req.actor,
    },
    profileVersion: rules?.profileVersion ?? null,
    profileAppliedAt: rules?.profileAppliedAt ?? null,
  };
}
