import type { EntityManager } from "typeorm";
import type { z } from "zod";
import {
  caseEventPayloadSchema,
  contactHoldLiftedPayloadSchema,
  contactHoldPlacedPayloadSchema,
  contactProfileSetPayloadSchema,
  homeVisitApprovedPayloadSchema,
  homeVisitClosedPayloadSchema,
  placementEndedPayloadSchema,
  placementStartedPayloadSchema,
  subjectOf,
  type EventEnvelope,
} from "@concord/schema";

/**
 * How each event the case directory knows changes it. Every change is monotonic: a case row
 * moves only to a newer aggregate version, and a placement's or visit's end is final, so an
 * event delivered twice, late or before the one it follows leaves the directory right, and the
 * events of one transaction may be applied a kind at a time, each kind in one statement.
 */
interface DirectoryRule<S extends z.ZodTypeAny> {
  payload: S;
  /** True when the event can end or narrow someone's access: failing to apply it must stop the consumer. */
  narrows: boolean;
  /** Rules that share a `batch` are applied together. */
  batch: string;
  /** The row the event changes: of two events on one row in a batch, the later (or newer) one is applied. */
  key(p: z.infer<S>): string;
  applyMany(tx: EntityManager, items: Array<{ e: EventEnvelope; p: z.infer<S> }>): Promise<void>;
}

const rule = <S extends z.ZodTypeAny>(r: DirectoryRule<S>) => r;

/** Version 0 marks events from before versions were kept: they apply in bus order among themselves, and any versioned event supersedes them. */
const versionOf = (e: EventEnvelope) => e.aggregateVersion ?? 0;

const caseRule = (narrows: boolean) =>
  rule({
    payload: caseEventPayloadSchema,
    narrows,
    batch: "case",
    key: (c) => c.caseId,
    applyMany: async (tx, items) => {
      for (const { e } of items) if (!e.lenderId) throw new Error(`${e.type} ${e.id} names no lender`);
      await tx.query(
        `INSERT INTO case_directory (case_id, lender_id, borrower_id, loan_id, region, status, bucket, days_past_due, version, timezone, updated_at)
         SELECT t.*, now() FROM unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::uuid[], $5::text[], $6::text[], $7::text[], $8::int[], $9::bigint[], $10::text[])
           AS t(case_id, lender_id, borrower_id, loan_id, region, status, bucket, days_past_due, version, timezone)
         ON CONFLICT (case_id) DO UPDATE SET lender_id = EXCLUDED.lender_id, borrower_id = EXCLUDED.borrower_id,
           loan_id = EXCLUDED.loan_id, region = EXCLUDED.region, status = EXCLUDED.status, bucket = EXCLUDED.bucket,
           days_past_due = EXCLUDED.days_past_due, version = EXCLUDED.version, updated_at = now(),
           -- an event from before time zones were carried does not forget the one a later event gave
           timezone = coalesce(EXCLUDED.timezone, case_directory.timezone)
         WHERE case_directory.version < EXCLUDED.version OR (EXCLUDED.version = 0 AND case_directory.version = 0)`,
        [
          items.map(({ p }) => p.caseId),
          items.map(({ e }) => e.lenderId),
          items.map(({ p }) => p.borrowerId),
          items.map(({ p }) => p.loanId),
          items.map(({ p }) => p.region ?? "unknown"),
          items.map(({ p }) => p.status),
          items.map(({ p }) => p.bucket),
          items.map(({ p }) => p.daysPastDue),
          items.map(({ e }) => versionOf(e)),
          items.map(({ p }) => p.timezone ?? null),
        ],
      );
    },
  });

/** A rule applied one event at a time (events that come a few at a time). */
const oneByOne = <S extends z.ZodTypeAny>(
  payload: S,
  narrows: boolean,
  key: (p: z.infer<S>) => string,
  apply: (tx: EntityManager, e: EventEnvelope, p: z.infer<S>) => Promise<void>,
  batch: string,
) =>
  rule({
    payload,
    narrows,
    batch,
    key,
    applyMany: async (tx, items) => {
      for (const { e, p } of items) await apply(tx, e, p);
    },
  });

const closeVisit = async (tx: EntityManager, e: EventEnvelope, v: z.infer<typeof homeVisitClosedPayloadSchema>) => {
  await tx.query(
    `INSERT INTO case_directory_visit (visit_id, case_id, agency_id, closed_at) VALUES ($1, $2, $3, $4)
     ON CONFLICT (visit_id) DO UPDATE SET closed_at = coalesce(case_directory_visit.closed_at, EXCLUDED.closed_at)`,
    [v.visitId, v.caseId, v.agencyId, e.occurredAt],
  );
};

/** The events the case directory is kept from, by bus subject. */
export const DIRECTORY_RULES: Record<string, DirectoryRule<any>> = {
  "CollectionCase.CaseOpened": caseRule(false),
  // An update may close the case (WRITTEN_OFF) and a resolution does: both end agencies' access.
  "CollectionCase.CaseUpdated": caseRule(true),
  "CollectionCase.CaseResolved": caseRule(true),
  // Allocation starts thousands in one transaction: one statement for them all.
  "Placement.PlacementStarted": rule({
    payload: placementStartedPayloadSchema,
    narrows: false,
    batch: "placement-start",
    key: (p) => p.placementId,
    applyMany: async (tx, items) => {
      // An end already applied stays: the start only fills in what the end did not carry.
      await tx.query(
        // unnest flattens an array of arrays: each placement's channels travel as one comma-joined
        // string (channels are enum values, never holding a comma), null when the event has none.
        `INSERT INTO case_directory_placement (placement_id, case_id, agency_id, placed_at, expires_at, max_discount_bps, max_instalments, channels)
         SELECT t.placement_id, t.case_id, t.agency_id, t.placed_at, t.expires_at, t.max_discount_bps, t.max_instalments, string_to_array(t.channels, ',')
           FROM unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::timestamptz[], $5::timestamptz[], $6::int[], $7::int[], $8::text[])
             AS t(placement_id, case_id, agency_id, placed_at, expires_at, max_discount_bps, max_instalments, channels)
         ON CONFLICT (placement_id) DO UPDATE SET placed_at = EXCLUDED.placed_at, expires_at = EXCLUDED.expires_at,
           max_discount_bps = EXCLUDED.max_discount_bps, max_instalments = EXCLUDED.max_instalments, channels = EXCLUDED.channels
         WHERE case_directory_placement.expires_at IS NULL`,
        [
          items.map(({ p }) => p.placementId),
          items.map(({ p }) => p.caseId),
          items.map(({ p }) => p.agencyId),
          items.map(({ p }) => p.placedAt),
          items.map(({ p }) => p.expiresAt),
          items.map(({ p }) => p.maxDiscountBps ?? null),
          items.map(({ p }) => p.maxInstalments ?? null),
          items.map(({ p }) => (p.channels ? p.channels.join(",") : null)),
        ],
      );
    },
  }),
  "Placement.PlacementEnded": oneByOne(
    placementEndedPayloadSchema,
    true,
    (p) => p.placementId,
    async (tx, _e, p) => {
      await tx.query(
        `INSERT INTO case_directory_placement (placement_id, case_id, agency_id, ended_at, end_status) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (placement_id) DO UPDATE SET ended_at = coalesce(case_directory_placement.ended_at, EXCLUDED.ended_at),
           end_status = coalesce(case_directory_placement.end_status, EXCLUDED.end_status)`,
        [p.placementId, p.caseId, p.agencyId, p.endedAt, p.status],
      );
    },
    "placement-end",
  ),
  "HomeVisitRequest.HomeVisitApproved": oneByOne(
    homeVisitApprovedPayloadSchema,
    false,
    (v) => v.visitId,
    async (tx, _e, v) => {
      await tx.query(
        `INSERT INTO case_directory_visit (visit_id, case_id, agency_id, window_start, window_end) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (visit_id) DO UPDATE SET window_start = EXCLUDED.window_start, window_end = EXCLUDED.window_end
         WHERE case_directory_visit.window_start IS NULL`,
        [v.visitId, v.caseId, v.agencyId, v.windowStart, v.windowEnd],
      );
    },
    "visit-approve",
  ),
  "HomeVisitRequest.HomeVisitCompleted": oneByOne(homeVisitClosedPayloadSchema, true, (v) => v.visitId, closeVisit, "visit-close"),
  "HomeVisitRequest.HomeVisitCancelled": oneByOne(homeVisitClosedPayloadSchema, true, (v) => v.visitId, closeVisit, "visit-close"),
  // A profile may tighten the contact rules: a change must never be skipped.
  "ContactProfile.ContactProfileSet": oneByOne(
    contactProfileSetPayloadSchema,
    true,
    (p) => p.lenderId,
    async (tx, e, p) => {
      // Without a version a profile cannot be ordered against the one the directory holds.
      if (!e.aggregateVersion) throw new Error(`${e.type} ${e.id} carries no aggregateVersion`);
      await tx.query(
        `INSERT INTO case_directory_profile (lender_id, jurisdiction, parameters, version, updated_at) VALUES ($1, $2, $3, $4, now())
         ON CONFLICT (lender_id) DO UPDATE SET jurisdiction = EXCLUDED.jurisdiction, parameters = EXCLUDED.parameters,
           version = EXCLUDED.version, updated_at = now()
         WHERE case_directory_profile.version < EXCLUDED.version`,
        [p.lenderId, p.jurisdiction, JSON.stringify(p.parameters), e.aggregateVersion],
      );
    },
    "profile",
  ),
  // A hold pauses contact: one not applied would let contact go on.
  "ContactHold.ContactHoldPlaced": oneByOne(
    contactHoldPlacedPayloadSchema,
    true,
    (h) => h.holdId,
    async (tx, _e, h) => {
      // A lift already applied stays: the placement only fills in what the lift did not carry.
      await tx.query(
        `INSERT INTO case_directory_contact_hold (hold_id, case_id, kind, channels, starts_at, ends_at) VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (hold_id) DO UPDATE SET kind = EXCLUDED.kind, channels = EXCLUDED.channels,
           starts_at = EXCLUDED.starts_at, ends_at = EXCLUDED.ends_at
         WHERE case_directory_contact_hold.starts_at IS NULL`,
        [h.holdId, h.caseId, h.kind, h.channels, h.startsAt, h.endsAt],
      );
    },
    "contact-hold-place",
  ),
  // A lift only widens contact: failing to apply it leaves the hold on (fail closed anyway).
  "ContactHold.ContactHoldLifted": oneByOne(
    contactHoldLiftedPayloadSchema,
    false,
    (h) => h.holdId,
    async (tx, _e, h) => {
      await tx.query(
        `INSERT INTO case_directory_contact_hold (hold_id, case_id, lifted_at) VALUES ($1, $2, $3)
         ON CONFLICT (hold_id) DO UPDATE SET lifted_at = coalesce(case_directory_contact_hold.lifted_at, EXCLUDED.lifted_at)`,
        [h.holdId, h.caseId, h.liftedAt],
      );
    },
    "contact-hold-lift",
  ),
};

/** Whether the directory is kept from events of this bus subject. */
export const isDirectorySubject = (subject: string): boolean => subject in DIRECTORY_RULES;

/** Whether an event of this subject can end or narrow access (see {@link DIRECTORY_RULES}). */
export const narrowsAccess = (subject: string): boolean => DIRECTORY_RULES[subject]?.narrows === true;

/**
 * Applies events to the case directory inside `tx`, after checking each payload against its
 * event's schema (schema/src/events.ts); a payload that does not fit throws, naming the event,
 * and nothing is applied. Events the directory does not keep are ignored. Events of one kind go
 * in one statement; of several events on one row, the newest (or, equal, the last) is applied.
 */
export async function applyToCaseDirectory(tx: EntityManager, events: EventEnvelope | readonly EventEnvelope[]): Promise<void> {
  const batches = new Map<string, { rule: DirectoryRule<any>; items: Map<string, { e: EventEnvelope; p: unknown }> }>();
  for (const e of Array.isArray(events) ? events : [events as EventEnvelope]) {
    const r = DIRECTORY_RULES[subjectOf(e)];
    if (!r) continue;
    const parsed = r.payload.safeParse(e.payload);
    if (!parsed.success) {
      const why = parsed.error.issues.map((i: { path: PropertyKey[]; message: string }) => `${i.path.join(".")}: ${i.message}`).join("; ");
      throw new Error(`${subjectOf(e)} ${e.id} has a payload the case directory cannot apply (${why})`);
    }
    const batch = batches.get(r.batch) ?? batches.set(r.batch, { rule: r, items: new Map() }).get(r.batch)!;
    const key = r.key(parsed.data);
    const prev = batch.items.get(key);
    if (!prev || versionOf(e) >= versionOf(prev.e)) batch.items.set(key, { e, p: parsed.data });
  }
  for (const { rule: r, items } of batches.values()) await r.applyMany(tx, [...items.values()]);
}

/**
 * The header a caller (the gateway's subscription hub) sends to have a subgraph answer only once
 * its case directory reflects an event: its value is {@link directoryMark} of that event.
 */
export const DIRECTORY_AFTER_HEADER = "x-concord-directory-after";

/** How to tell, from the directory itself, that an event of each subject has been applied. */
const APPLIED: Record<string, { sql: string; key: (p: Record<string, unknown>) => unknown }> = {
  "Placement.PlacementStarted": {
    sql: "SELECT 1 FROM case_directory_placement WHERE placement_id = $1 AND expires_at IS NOT NULL",
    key: (p) => p.placementId,
  },
  "Placement.PlacementEnded": { sql: "SELECT 1 FROM case_directory_placement WHERE placement_id = $1 AND ended_at IS NOT NULL", key: (p) => p.placementId },
  "HomeVisitRequest.HomeVisitApproved": { sql: "SELECT 1 FROM case_directory_visit WHERE visit_id = $1 AND window_start IS NOT NULL", key: (p) => p.visitId },
  "HomeVisitRequest.HomeVisitCompleted": { sql: "SELECT 1 FROM case_directory_visit WHERE visit_id = $1 AND closed_at IS NOT NULL", key: (p) => p.visitId },
  "HomeVisitRequest.HomeVisitCancelled": { sql: "SELECT 1 FROM case_directory_visit WHERE visit_id = $1 AND closed_at IS NOT NULL", key: (p) => p.visitId },
  "ContactHold.ContactHoldPlaced": { sql: "SELECT 1 FROM case_directory_contact_hold WHERE hold_id = $1 AND starts_at IS NOT NULL", key: (p) => p.holdId },
  "ContactHold.ContactHoldLifted": { sql: "SELECT 1 FROM case_directory_contact_hold WHERE hold_id = $1 AND lifted_at IS NOT NULL", key: (p) => p.holdId },
};
/** Aggregates whose events are applied by version: their mark is `subject aggregateId version`, checked against the row's version. */
const VERSIONED_APPLIED: Record<string, string> = {
  CollectionCase: "SELECT 1 FROM case_directory WHERE case_id = $1 AND version >= $2",
  // aggregateId is the lender id
  ContactProfile: "SELECT 1 FROM case_directory_profile WHERE lender_id = $1 AND version >= $2",
};

/**
 * A short, checkable description of an event's effect on the directory (`subject key [version]`),
 * or null when the directory does not keep the event or cannot tell it has applied it (a case
 * event from before versions were kept, a profile event without a version).
 */
export function directoryMark(e: EventEnvelope): string | null {
  const subject = subjectOf(e);
  if (Object.hasOwn(VERSIONED_APPLIED, e.aggregateType) && isDirectorySubject(subject)) {
    return e.aggregateVersion ? `${subject} ${e.aggregateId} ${e.aggregateVersion}` : null;
  }
  const a = APPLIED[subject];
  const key = a?.key(e.payload);
  return typeof key === "string" ? `${subject} ${key}` : null;
}

/** A {@link directoryMark} as the statement and parameters that check it; null when it is not one. */
export function readMark(mark: string): { sql: string; params: unknown[] } | null {
  const [subject, key, version, ...rest] = mark.split(" ");
  if (!subject || !key || rest.length > 0 || !/^[0-9a-f-]{36}$/i.test(key)) return null;
  const aggregateType = subject.split(".")[0]!;
  if (Object.hasOwn(VERSIONED_APPLIED, aggregateType)) {
    const versioned = VERSIONED_APPLIED[aggregateType]!;
    if (!version || !/^\d{1,15}$/.test(version) || !isDirectorySubject(subject)) return null;
    return { sql: versioned, params: [key, Number(version)] };
  }
  const a = APPLIED[subject];
  return a && version === undefined ? { sql: a.sql, params: [key] } : null;
}

/** Whether the directory reflects the event a {@link directoryMark} describes; false for a mark it cannot read. */
export async function directoryHasApplied(db: Pick<EntityManager, "query">, mark: string): Promise<boolean> {
  const check = readMark(mark);
  return !!check && (await db.query(check.sql, check.params)).length > 0;
}
