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
 * The borrower's contacts the counting rules look at for an instant `at` (every case of theirs,
 * each tagged with its case: the per-debt rules keep to one case, the per-debtor ones count
 * them all): those of the `days` days before it (see {@link historyDays}) up to `at`, and with
 * `around` the 7 days after it too (a contact reported late is judged with those stored after
 * it). One indexed range scan; by case alone when the directory does not know the borrower.
 */
export async function contactHistory(
  db: DataSource | EntityManager,
  who: { caseId: string; borrowerId: string | null },
  at: Date,
  days: number,
  around = false,
): Promise<PastContact[]> {
  const [column, id] = who.borrowerId ? ["borrower_id", who.borrowerId] : ["case_id", who.caseId];
  const rows: Array<Record<string, any>> = await db.query(
    `SELECT case_id, channel, direction, outcome, party, contact_point, occurred_at FROM activity
      WHERE ${column} = $1 AND occurred_at > $2 AND occurred_at <= $3`,
    [id, new Date(at.getTime() - days * DAY_MS), new Date(at.getTime() + (around ? 8 * DAY_MS : 0))],
  );
  return rows.map((r) => ({
    caseId: r.case_id,
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
  /** Load the contacts after `at` too: `at` is a reported contact's, judged with those stored after it. */
  around?: boolean;
  /** The contact is a notice the law requires (a cease request does not hold it back). @default false */
  required?: boolean;
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
  const history = await contactHistory(db, entry, req.at, historyDays(profile), req.around);
  return {
    situation: {
      caseId: entry.caseId,
      at: req.at,
      channel: req.channel,
      party: req.party,
      contactPoint: req.contactPoint,
      timeZone: entry.timezone,
      profile,
      holds: rules?.holds ?? [],
      history,
      actor: req.actor,
      required: req.required ?? false,
    },
    profileVersion: rules?.profileVersion ?? null,
    profileAppliedAt: rules?.profileAppliedAt ?? null,
  };
}
