import type { DataSource, EntityManager } from "typeorm";
import type { Principal } from "@concord/schema";
import {
  badInput,
  CaseDirectory,
  CHANNELS,
  derivedUuid,
  type CaseEntry,
  type Channel,
  type Clock,
} from "@concord/service-kit";
import { ownCase } from "../collection-case/own-case";
import { liftHolds, placeHold } from "../holds/holds";
import { ContactPreference, type ContactPreferenceInput } from "./preference.type";

const DAY_MS = 86_400_000;
/** A receipt a little ahead of the lender's clock is the same instant; beyond this, receivedAt is wrong. */
const CLOCK_SKEW_MS = 5 * 60_000;
/** How far back a lender may date a written request it received: as far as activities may be reported. */
const MAX_RECEIPT_AGE_MS = 90 * DAY_MS;
/** A language tag: en, zh-CN, pt-BR, sr-Latn-RS... */
const LANGUAGE_TAG = /^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8}){0,3}$/;

/** The source a hold names, so each is lifted by what placed it: one cease per case, one opt-out per (case, channel). */
export const ceaseSource = (caseId: string) => ({ type: "cease", id: derivedUuid("cease", caseId) });
export const optOutSource = (caseId: string, channel: Channel) => ({ type: "opt-out", id: derivedUuid("opt-out", caseId, channel) });

/** A preference row (or none: nothing stated) as the GraphQL type. */
export function preferenceOut(caseId: string, row: Record<string, any> | undefined): ContactPreference {
  return Object.assign(new ContactPreference(), {
    caseId,
    optedOutChannels: row?.opted_out_channels ?? [],
    preferredChannel: row?.preferred_channel ?? null,
    preferredLanguage: row?.preferred_language ?? null,
    ceaseRequested: !!row?.cease_requested_at,
    ceaseRequestedAt: row?.cease_requested_at ? new Date(row.cease_requested_at) : null,
    updatedAt: row ? new Date(row.updated_at) : null,
  });
}

export async function readPreference(db: DataSource | EntityManager, caseId: string): Promise<ContactPreference> {
  const [row] = await db.query("SELECT * FROM contact_preference WHERE case_id = $1", [caseId.toLowerCase()]);
  return preferenceOut(caseId.toLowerCase(), row);
}

/** The case's preferences change one at a time: the holds placed follow the row exactly. */
async function lockedRow(tx: EntityManager, caseId: string): Promise<Record<string, any> | undefined> {
  await tx.query("SELECT pg_advisory_xact_lock(hashtextextended($1, 13))", [caseId]);
  const [row] = await tx.query("SELECT * FROM contact_preference WHERE case_id = $1", [caseId]);
  return row;
}

interface PreferenceState {
  optedOut: Channel[];
  preferredChannel: Channel | null;
  preferredLanguage: string | null;
  ceaseRequestedAt: Date | null;
  ceaseRecordedByRole: string | null;
}

async function saveRow(tx: EntityManager, entry: CaseEntry, row: Record<string, any> | undefined, s: PreferenceState, at: Date): Promise<Record<string, any>> {
  const [saved] = await tx.query(
    `INSERT INTO contact_preference (case_id, lender_id, opted_out_channels, preferred_channel, preferred_language, cease_requested_at, cease_recorded_by_role, updated_at, version)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
     ON CONFLICT (case_id) DO UPDATE SET opted_out_channels = EXCLUDED.opted_out_channels, preferred_channel = EXCLUDED.preferred_channel,
       preferred_language = EXCLUDED.preferred_language, cease_requested_at = EXCLUDED.cease_requested_at,
       cease_recorded_by_role = EXCLUDED.cease_recorded_by_role, updated_at = EXCLUDED.updated_at, version = EXCLUDED.version
     RETURNING *`,
    [entry.caseId, entry.lenderId, s.optedOut, s.preferredChannel, s.preferredLanguage, s.ceaseRequestedAt, s.ceaseRecordedByRole, at, row ? Number(row.version) + 1 : 1],
  );
  return saved;
}

const stateOf = (row: Record<string, any> | undefined): PreferenceState => ({
  optedOut: row?.opted_out_channels ?? [],
  preferredChannel: row?.preferred_channel ?? null,
  preferredLanguage: row?.preferred_language ?? null,
  ceaseRequestedAt: row?.cease_requested_at ? new Date(row.cease_requested_at) : null,
  ceaseRecordedByRole: row?.cease_recorded_by_role ?? null,
});

/**
 * The borrower asks that contact on its case cease, or the case's lender records such a request
 * received in writing (effective on receipt: `receivedAt`, default now). Places one CEASE hold on
 * every channel, open-ended, from then: contactPolicy and revealContact refuse every contact
 * except a notice the law requires. Once: asking again returns the request as it stands and
 * changes nothing.
 */
export async function requestCeaseCommunication(
  ds: DataSource,
  clock: Clock,
  p: Principal,
  caseId: string,
  receivedAt: Date | null | undefined,
  correlationId: string | null,
): Promise<ContactPreference> {
  const now = clock.now();
  if (receivedAt != null) {
    if (p.role !== "lender") throw badInput("receivedAt is the lender's: the date it received a written request. A borrower's request takes effect at once", "receivedAt");
    if (!(receivedAt instanceof Date) || Number.isNaN(receivedAt.getTime())) throw badInput("receivedAt must be a date-time", "receivedAt");
    if (receivedAt.getTime() > now.getTime() + CLOCK_SKEW_MS) throw badInput("receivedAt is in the future", "receivedAt");
    if (receivedAt.getTime() < now.getTime() - MAX_RECEIPT_AGE_MS) throw badInput("receivedAt is more than 90 days ago", "receivedAt");
  }
  const effective = receivedAt ?? now;
  return ds.transaction(async (tx) => {
    const entry = await ownCase(new CaseDirectory(tx, clock), p, caseId, "contact preferences");
    const row = await lockedRow(tx, entry.caseId);
    if (row?.cease_requested_at) return preferenceOut(entry.caseId, row);
    await placeHold(tx, { caseId: entry.caseId, lenderId: entry.lenderId, kind: "CEASE", channels: [], startsAt: effective, endsAt: null, source: ceaseSource(entry.caseId) }, now, correlationId);
    const saved = await saveRow(tx, entry, row, { ...stateOf(row), ceaseRequestedAt: effective, ceaseRecordedByRole: p.role }, now);
    return preferenceOut(entry.caseId, saved);
  });
}

/** The input checked and normalised: channels known, deduplicated and in CHANNELS' order. */
function normalise(i: ContactPreferenceInput): Pick<PreferenceState, "optedOut" | "preferredChannel" | "preferredLanguage"> {
  const asked = i.optedOutChannels ?? [];
  for (const c of asked) if (!CHANNELS.includes(c)) throw badInput("Unknown channel", "optedOutChannels");
  const optedOut = CHANNELS.filter((c) => asked.includes(c));
  const preferredChannel = i.preferredChannel ?? null;
  if (preferredChannel !== null && !CHANNELS.includes(preferredChannel)) throw badInput("Unknown channel", "preferredChannel");
  if (preferredChannel !== null && optedOut.includes(preferredChannel)) throw badInput("preferredChannel may not be a channel opted out of", "preferredChannel");
  const language = i.preferredLanguage?.trim() || null;
  if (language !== null && (language.length > 35 || !LANGUAGE_TAG.test(language))) throw badInput("preferredLanguage must be a language tag such as en or zh-CN", "preferredLanguage");
  return { optedOut, preferredChannel, preferredLanguage: language };
}

/**
 * The borrower sets its case's contact preferences, or the case's lender records them as received
 * in writing. Each channel newly opted out of is a hold of kind OPT_OUT on that channel from now
 * (honoured at once, as Regulation F requires); a channel opted back in lifts its hold. The same
 * preferences again change nothing; a cease request stays whatever the preferences.
 */
export async function setContactPreference(ds: DataSource, clock: Clock, p: Principal, i: ContactPreferenceInput, correlationId: string | null): Promise<ContactPreference> {
  const now = clock.now();
  const asked = normalise(i);
  return ds.transaction(async (tx) => {
    const entry = await ownCase(new CaseDirectory(tx, clock), p, i.caseId, "contact preferences");
    const row = await lockedRow(tx, entry.caseId);
    const before = stateOf(row);
    const same =
      row &&
      before.optedOut.length === asked.optedOut.length &&
      before.optedOut.every((c) => asked.optedOut.includes(c)) &&
      before.preferredChannel === asked.preferredChannel &&
      before.preferredLanguage === asked.preferredLanguage;
    if (same) return preferenceOut(entry.caseId, row);
    for (const channel of asked.optedOut.filter((c) => !before.optedOut.includes(c))) {
      await placeHold(tx, { caseId: entry.caseId, lenderId: entry.lenderId, kind: "OPT_OUT", channels: [channel], startsAt: now, endsAt: null, source: optOutSource(entry.caseId, channel) }, now, correlationId);
    }
    for (const channel of before.optedOut.filter((c) => !asked.optedOut.includes(c))) {
      await liftHolds(tx, optOutSource(entry.caseId, channel), now, correlationId);
    }
    const saved = await saveRow(tx, entry, row, { ...before, ...asked }, now);
    return preferenceOut(entry.caseId, saved);
  });
}
