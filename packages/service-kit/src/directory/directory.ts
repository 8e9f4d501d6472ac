import DataLoader from "dataloader";
import type { DataSource, EntityManager } from "typeorm";
import { CLOSED_CASE_STATUSES } from "@concord/schema";
import type { Clock } from "../clock";
import type { Channel, ContactHold, ContactProfile, HoldKind } from "../contact/types";
import { ConsumerAlerts, type ConsumerAlert } from "../events/consumer";
import { isUuid } from "../ids";
import { directoryHasApplied, readMark } from "./apply";

/**
 * The case directory: the one read model of each case that every subgraph keeps from the bus
 * (and from the events it writes itself, in the same transaction), and that every relationship
 * check reads. Times are compared with the clock at each check, so an agency's access ends at
 * its placement's `expiresAt` whether or not the expiry job has run.
 */

/** The ACTIVE placement of a case, as the directory knows it. */
export interface DirectoryPlacement {
  placementId: string;
  agencyId: string;
  placedAt: Date;
  expiresAt: Date;
  /** Delegated authority; null when the placement's event predates it being carried. */
  maxDiscountBps: number | null;
  maxInstalments: number | null;
  /** The channels the agency may use on the case; null when the placement's event predates them being carried. */
  channels: string[] | null;
}

/** What the contact engine needs of a case from the directory (see {@link CaseDirectory.contactRules}). */
export interface CaseContactRules {
  /** The case's lender's profile, or the caller's default while the directory has none for it. */
  profile: ContactProfile;
  /** The version of the lender's profile applied, and when it was; null for the default. */
  profileVersion: number | null;
  profileAppliedAt: Date | null;
  /** The case's holds in force at or after the instant asked about. */
  holds: ContactHold[];
}

/**
 * The hold every case has while the directory's consumer is stopped: the events queued behind
 * the one it is stopped on may place holds or tighten profiles, so no contact is allowed.
 */
export const DIRECTORY_STOPPED_HOLD_ID = "directory-stopped";

/** A fresh {@link DIRECTORY_STOPPED_HOLD_ID} hold: open, on every channel, since the epoch. */
const stoppedHold = (): ContactHold => ({ holdId: DIRECTORY_STOPPED_HOLD_ID, kind: "OTHER", channels: [], startsAt: new Date(0), endsAt: null });

/** What the directory holds of one case, at one instant. */
export interface CaseEntry {
  caseId: string;
  lenderId: string;
  borrowerId: string | null;
  loanId: string | null;
  region: string;
  status: string;
  bucket: string | null;
  daysPastDue: number;
  /** The borrower's IANA time zone; null while no event carrying it has been applied. */
  timezone: string | null;
  /** The placement in force now: started, not ended, not expired, on a case that is not closed. */
  activePlacement: DirectoryPlacement | null;
}

const CLOSED = `(${CLOSED_CASE_STATUSES.map((s) => `'${s}'`).join(", ")})`;
/** No placement holds while the directory's consumer is stopped on an event that may end one. */
const NOT_HELD = "NOT EXISTS (SELECT 1 FROM case_directory_hold)";

/**
 * SQL selecting `case_id` of every case the agency `$agency` holds now (`$now`): for list
 * filters, as `id IN (...)`. Pass the placeholders, for example `heldCasesSql("$1", "$2")`.
 */
export function heldCasesSql(agency: string, now: string): string {
  return `SELECT p.case_id FROM case_directory_placement p JOIN case_directory d ON d.case_id = p.case_id
           WHERE p.agency_id = ${agency}::uuid AND p.ended_at IS NULL AND p.placed_at IS NOT NULL
             AND p.expires_at > ${now}::timestamptz AND d.status NOT IN ${CLOSED} AND ${NOT_HELD}`;
}

function entryFromRow(r: Record<string, any>): CaseEntry {
  return {
    caseId: r.case_id,
    lenderId: r.lender_id,
    borrowerId: r.borrower_id,
    loanId: r.loan_id,
    region: r.region,
    status: r.status,
    bucket: r.bucket,
    daysPastDue: r.days_past_due,
    timezone: r.timezone ?? null,
    activePlacement:
      r.placement_id && !CLOSED_CASE_STATUSES.includes(r.status)
        ? {
            placementId: r.placement_id,
            agencyId: r.agency_id,
            placedAt: new Date(r.placed_at),
            expiresAt: new Date(r.expires_at),
            maxDiscountBps: r.max_discount_bps,
            maxInstalments: r.max_instalments,
            channels: r.placement_channels ?? null,
          }
        : null,
  };
}

const ENTRY_SQL = `
  SELECT DISTINCT ON (d.case_id) d.*, p.placement_id, p.agency_id, p.placed_at, p.expires_at, p.max_discount_bps, p.max_instalments,
         p.channels AS placement_channels
    FROM case_directory d
    LEFT JOIN case_directory_placement p
      ON p.case_id = d.case_id AND p.ended_at IS NULL AND p.placed_at IS NOT NULL AND p.expires_at > $2 AND ${NOT_HELD}
   WHERE d.case_id = ANY($1::uuid[])
   ORDER BY d.case_id, p.placed_at DESC NULLS LAST`;

/**
 * Per case asked about (`$1`): the lender's profile row, if any, and whether the consumer is
 * stopped. Holds come from {@link HOLDS_SQL}.
 */
/**
 * For each case (`$1`) and instant (`$2`), in one statement: its lender's profile, whether the
 * directory's consumer is stopped, and the holds not over before the instant. A hold is over at
 * the earlier of its end and its lift (least() skips nulls); a row a lift made before its
 * placement arrived (starts_at null) is left out: it is lifted, and what it held is not known yet.
 */
const CONTACT_RULES_SQL = `
  SELECT k.case_id, k.since, pr.jurisdiction, pr.parameters, pr.version AS profile_version, pr.updated_at AS profile_applied_at,
         EXISTS (SELECT 1 FROM case_directory_hold) AS stopped,
         coalesce((SELECT json_agg(json_build_object('hold_id', h.hold_id, 'kind', h.kind, 'channels', h.channels,
                                     'starts_at', h.starts_at, 'ends_at', least(h.ends_at, h.lifted_at)) ORDER BY h.starts_at, h.hold_id)
                     FROM case_directory_contact_hold h
                    WHERE h.case_id = k.case_id AND h.starts_at IS NOT NULL
                      AND (least(h.ends_at, h.lifted_at) IS NULL OR least(h.ends_at, h.lifted_at) >= k.since)), '[]') AS holds
    FROM unnest($1::uuid[], $2::timestamptz[]) AS k(case_id, since)
    JOIN case_directory d ON d.case_id = k.case_id
    LEFT JOIN case_directory_profile pr ON pr.lender_id = d.lender_id`;

const holdFromRow = (r: Record<string, any>): ContactHold => ({
  holdId: r.hold_id,
  kind: r.kind as HoldKind,
  channels: (r.channels ?? []) as Channel[],
  startsAt: new Date(r.starts_at),
  endsAt: r.ends_at ? new Date(r.ends_at) : null,
});

const profileFromRow = (r: Record<string, any> | undefined): ContactProfile | null =>
  r?.jurisdiction ? { jurisdiction: r.jurisdiction, parameters: r.parameters } : null;

/** What {@link CaseDirectory.contactRules} loads per `caseId|since`; the default profile is the caller's. */
interface LoadedContactRules extends Omit<CaseContactRules, "profile"> {
  profile: ContactProfile | null;
}

/** Reads the directory at the clock's current instant; one batched statement per kind per tick. */
export class CaseDirectory {
  private readonly entries: DataLoader<string, CaseEntry | null>;
  /** Open visit windows now, keyed `agencyId|caseId`. */
  private readonly windows: DataLoader<string, boolean>;
  /** Contact profiles and holds, keyed `caseId|since` (since as epoch milliseconds). */
  private readonly contacts: DataLoader<string, LoadedContactRules | null>;

  constructor(
    private readonly db: DataSource | EntityManager,
    private readonly clock: Clock,
  ) {
    this.entries = new DataLoader(async (ids) => {
      const valid = [...new Set(ids.filter(isUuid).map((id) => id.toLowerCase()))];
      const rows: Record<string, any>[] = valid.length ? await this.db.query(ENTRY_SQL, [valid, this.clock.now()]) : [];
      const found = new Map(rows.map((r) => [r.case_id as string, entryFromRow(r)]));
      return ids.map((id) => found.get(id.toLowerCase()) ?? null);
    });
    this.windows = new DataLoader(async (keys) => {
      const pairs = keys.map((k) => k.split("|") as [string, string]);
      const rows: Array<{ agency_id: string; case_id: string }> = await this.db.query(
        `SELECT DISTINCT agency_id, case_id FROM case_directory_visit
          WHERE agency_id = ANY($1::uuid[]) AND case_id = ANY($2::uuid[]) AND closed_at IS NULL AND window_start <= $3 AND $3 < window_end`,
        [[...new Set(pairs.map((p) => p[0]))], [...new Set(pairs.map((p) => p[1]))], this.clock.now()],
      );
      const open = new Set(rows.map((r) => `${r.agency_id}|${r.case_id}`));
      return keys.map((k) => open.has(k));
    });
    this.contacts = new DataLoader(async (keys) => {
      const asked = keys.map((k) => {
        const [caseId, since] = k.split("|") as [string, string];
        return { caseId: caseId.toLowerCase(), since: new Date(Number(since)), valid: isUuid(caseId) };
      });
      const valid = asked.filter((a) => a.valid);
      if (valid.length === 0) return keys.map(() => null);
      // Once per case and instant (ids that differ only in case are one case).
      const pairs = [...new Map(valid.map((a) => [`${a.caseId}|${a.since.getTime()}`, a])).values()];
      const rows: Record<string, any>[] = await this.db.query(CONTACT_RULES_SQL, [pairs.map((a) => a.caseId), pairs.map((a) => a.since)]);
      const byKey = new Map(rows.map((r) => [`${r.case_id}|${new Date(r.since).getTime()}`, r]));
      return asked.map((a) => {
        const row = a.valid ? byKey.get(`${a.caseId}|${a.since.getTime()}`) : undefined;
        if (!row) return null;
        const found = (row.holds as Record<string, any>[]).map(holdFromRow);
        // Fail closed: while the consumer is stopped, holds queued behind it are unknown.
        return {
          profile: profileFromRow(row),
          profileVersion: row.profile_version == null ? null : Number(row.profile_version),
          profileAppliedAt: row.profile_applied_at ? new Date(row.profile_applied_at) : null,
          holds: row.stopped ? [...found, stoppedHold()] : found,
        };
      });
    });
  }

  /** The case as the directory knows it now; null for a case it has not heard of. */
  entry(caseId: string): Promise<CaseEntry | null> {
    return this.entries.load(caseId);
  }

  /**
   * What the contact rules read of a case: its lender's profile (`defaultProfile` while the
   * directory has none for the lender) and every hold of the case not lifted or ended before
   * `since`, its `endsAt` the earlier of its end and its lift. While the directory's consumer is
   * stopped, a synthetic open hold on every channel ({@link DIRECTORY_STOPPED_HOLD_ID}) is added.
   * Null for a case the directory has not heard of. Batched like {@link entry}.
   */
  async contactRules(caseId: string, since: Date, defaultProfile: ContactProfile): Promise<CaseContactRules | null> {
    if (Number.isNaN(since.getTime())) throw new Error("contactRules: since is not a valid instant");
    const loaded = await this.contacts.load(`${caseId}|${since.getTime()}`);
    return loaded && { ...loaded, profile: loaded.profile ?? defaultProfile };
  }

  /** A lender's contact profile as the directory holds it, else `defaultProfile`. */
  async lenderProfile(lenderId: string, defaultProfile: ContactProfile): Promise<ContactProfile> {
    if (!isUuid(lenderId)) return defaultProfile;
    const [row] = await this.db.query("SELECT jurisdiction, parameters FROM case_directory_profile WHERE lender_id = $1", [lenderId.toLowerCase()]);
    return profileFromRow(row) ?? defaultProfile;
  }

  /** Whether `agencyId` holds an ACTIVE placement of one of `caseIds` now. */
  async agencyHoldsAny(agencyId: string, caseIds: string[]): Promise<boolean> {
    return (await this.heldBy(agencyId, caseIds)).length > 0;
  }

  /** Those of `caseIds` that `agencyId` holds an ACTIVE placement of now. */
  async heldBy(agencyId: string, caseIds: string[]): Promise<string[]> {
    if (!isUuid(agencyId) || caseIds.length === 0) return [];
    const agency = agencyId.toLowerCase();
    const entries = await this.entries.loadMany(caseIds);
    return entries.flatMap((e) => (e && !(e instanceof Error) && e.activePlacement?.agencyId === agency ? [e.caseId] : []));
  }

  /**
   * Whether `agencyId` has ever had a placement of one of `caseIds`, in force or ended: a case
   * it knows exists, so refusing it says nothing new (see visibleOrNotFound's `known`).
   */
  async heldEver(agencyId: string, caseIds: string[]): Promise<boolean> {
    const valid = caseIds.filter(isUuid).map((id) => id.toLowerCase());
    if (!isUuid(agencyId) || valid.length === 0) return false;
    const rows = await this.db.query("SELECT 1 FROM case_directory_placement WHERE agency_id = $1 AND case_id = ANY($2::uuid[]) LIMIT 1", [
      agencyId.toLowerCase(),
      valid,
    ]);
    return rows.length > 0;
  }

  /**
   * Whether `agencyId` holds one of `caseIds` now and has an approved home visit of it whose
   * window is open now.
   */
  async visitWindowOpen(agencyId: string, caseIds: string[]): Promise<boolean> {
    const held = await this.heldBy(agencyId, caseIds);
    if (held.length === 0) return false;
    const open = await this.windows.loadMany(held.map((c) => `${agencyId.toLowerCase()}|${c}`));
    return open.some((v) => v === true);
  }
}

/**
 * Waits until the directory reflects the event `mark` describes (see directoryMark), polling, for
 * at most `timeoutMs`; says whether it does. A subgraph does this before answering a request
 * that names such an event, so a subscription update is resolved with the access it brought.
 */
export async function waitForDirectory(db: DataSource, mark: string, timeoutMs = 2000, pollMs = 20): Promise<boolean> {
  // A mark it cannot read, or a directory whose consumer is stopped: nothing to wait for.
  if (!readMark(mark) || (await db.query("SELECT 1 FROM case_directory_hold LIMIT 1")).length > 0) return false;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await directoryHasApplied(db, mark)) return true;
    if (Date.now() >= deadline) return false;
    await new Promise((r) => setTimeout(r, pollMs));
  }
}

/**
 * Where the directory's consumer reports that it is stopped on an access-ending event: a row in
 * `case_directory_hold`, which every check reads (no agency holds any case meanwhile, since the
 * ends queued behind the event are unknown), and the alerts the service's /health shows. An
 * operator releases an event that will never apply with `UPDATE case_directory_hold SET release = true`.
 */
export class DirectoryHold extends ConsumerAlerts {
  constructor(private readonly ds: DataSource) {
    super();
  }

  override async raise(a: ConsumerAlert): Promise<void> {
    await this.ds.query(
      `INSERT INTO case_directory_hold (consumer, event_id, subject, seq, reason) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (consumer) DO UPDATE SET event_id = EXCLUDED.event_id, subject = EXCLUDED.subject, seq = EXCLUDED.seq,
         reason = EXCLUDED.reason, since = now(), release = false`,
      [a.consumer, a.eventId, a.subject, a.seq, a.reason],
    );
    await super.raise(a);
  }

  override async released(a: ConsumerAlert): Promise<boolean> {
    const [row] = await this.ds.query("SELECT release FROM case_directory_hold WHERE consumer = $1 AND seq = $2", [a.consumer, a.seq]);
    return row?.release === true;
  }

  override async clear(consumer: string): Promise<void> {
    await this.ds.query("DELETE FROM case_directory_hold WHERE consumer = $1", [consumer]);
    await super.clear(consumer);
  }

  /** Whether a consumer is stopped (read from the database: another instance may run the consumer). */
  async stopped(): Promise<boolean> {
    return (await this.ds.query("SELECT 1 FROM case_directory_hold LIMIT 1")).length > 0;
  }
}
