import { createHash } from "node:crypto";
import type { DataSource, EntityManager } from "typeorm";
import type { ComplianceViolationPayload, Principal } from "@concord/schema";
import {
  appendToOutbox,
  badInput,
  breachesOf,
  CaseDirectory,
  CHANNELS,
  ConcordError,
  conflict,
  DIRECTORY_STOPPED_HOLD_ID,
  DIRECTIONS,
  forbidden,
  isUuid,
  newEvent,
  notFound,
  OUTCOMES,
  PARTIES,
  refusedAsNotFound,
  uuidv7,
  type Breach,
  type Channel,
  type Clock,
} from "@concord/service-kit";
import { openDispute } from "../disputes/dispute.service";
import { openHardship } from "../hardships/hardship.service";
import { HardshipKind } from "../hardships/hardship.type";
import { checkDueDate, zoneOfCase } from "../promises/promise-dates";
import { checkPromise, makePromise } from "../promises/promise.service";
import { actorOf, loadSituation } from "../policy/situation";

/** The agency's placement of the case in force at `at`, by the directory, with its channels. */
async function placementAt(tx: EntityManager, caseId: string, agencyId: string, at: Date): Promise<{ channels: Channel[] | null } | null> {
  const [row] = await tx.query(
    `SELECT channels FROM case_directory_placement
      WHERE case_id = $1 AND agency_id = $2 AND placed_at <= $3 AND $3 < least(expires_at, ended_at) LIMIT 1`,
    [caseId, agencyId, at],
  );
  return row ? { channels: row.channels ?? null } : null;
}

const directoryStopped = async (tx: EntityManager) => (await tx.query("SELECT 1 FROM case_directory_hold LIMIT 1")).length > 0;

const unavailable = () =>
  new ConcordError("UNAVAILABLE", "Contacts cannot be judged now: this subgraph's case directory is stopped on an event it cannot apply. Nothing was written; report again later.");
import type { ReportActivityInput } from "./activity.inputs";

const DAY_MS = 86_400_000;
/** The channels a notice the law requires is sent by (written notices). */
export const REQUIRED_NOTICE_CHANNELS: readonly Channel[] = ["LETTER", "EMAIL"];
/** Reports may arrive a little ahead of the reporter's clock; beyond this, occurredAt is wrong. */
const CLOCK_SKEW_MS = 5 * 60_000;
/** How far back a contact may be reported: older records are imports, not reports. */
const MAX_AGE_MS = 90 * DAY_MS;

/** What reportActivity stored (or found stored under the key). */
export interface ReportResult {
  activity: Record<string, any>;
  violations: Array<Record<string, any>>;
  replayed: boolean;
}

const text = (v: string | null | undefined, max: number, field: string): string | null => {
  if (v == null) return null;
  const t = v.trim();
  if (t.length > max) throw badInput(`${field} is at most ${max} characters`, field);
  return t.length ? t : null;
};

/** The report as checked and normalised: what is stored, and what its content hash covers. */
function normalise(i: ReportActivityInput, now: Date) {
  const key = i.idempotencyKey?.trim() ?? "";
  if (key.length < 1 || key.length > 200) throw badInput("idempotencyKey must be 1 to 200 characters", "idempotencyKey");
  if (!CHANNELS.includes(i.channel)) throw badInput("Unknown channel", "channel");
  if (!DIRECTIONS.includes(i.direction)) throw badInput("Unknown direction", "direction");
  if (!OUTCOMES.includes(i.outcome)) throw badInput("Unknown outcome", "outcome");
  const party = i.party ?? "DEBTOR";
  if (!PARTIES.includes(party)) throw badInput("Unknown party", "party");
  const at = i.occurredAt;
  if (!(at instanceof Date) || Number.isNaN(at.getTime())) throw badInput("occurredAt must be a date-time", "occurredAt");
  if (at.getTime() > now.getTime() + CLOCK_SKEW_MS) throw badInput("occurredAt is in the future", "occurredAt");
  if (at.getTime() < now.getTime() - MAX_AGE_MS) throw badInput("occurredAt is more than 90 days ago", "occurredAt");
  if (i.agentId != null && !isUuid(i.agentId)) throw badInput("agentId must be a UUID", "agentId");
  const d = i.durationSeconds;
  if (d != null && (!Number.isInteger(d) || d < 0 || d > 86_400)) throw badInput("durationSeconds must be 0 to 86400", "durationSeconds");
  // A label, never the number or address itself (which would be PII in every violation).
  const contactPoint = text(i.contactPoint, 32, "contactPoint") ?? "phone";
  const required = i.required === true;
  if (required && !REQUIRED_NOTICE_CHANNELS.includes(i.channel)) throw badInput("Only a LETTER or an EMAIL may be a notice the law requires", "required");
  if (!/^[a-z][a-z0-9-]*$/.test(contactPoint)) throw badInput('contactPoint is a label such as "phone" or "work-phone" (lower-case letters, digits, hyphens), never the number itself', "contactPoint");
  const promise = checkPromise(i.outcome, i.promise);
  const content = {
    caseId: i.caseId.toLowerCase(),
    channel: i.channel,
    direction: i.direction,
    occurredAt: at.toISOString(),
    outcome: i.outcome,
    party,
    contactPoint,
    agentId: i.agentId?.toLowerCase() ?? null,
    notes: text(i.notes, 4000, "notes"),
    recordingReference: text(i.recordingReference, 500, "recordingReference"),
    durationSeconds: d ?? null,
    // Only when set: the hashes of reports made before notices could be marked stay as they were.
    ...(required ? { required: true } : {}),
    // Likewise: reports without a promise hash as they did before promises were carried.
    ...(promise ? { promise: { amountMinor: promise.amountMinor.toString(), currency: promise.currency, dueDate: promise.dueDate } } : {}),
  };
  const hash = createHash("sha256").update(JSON.stringify(content)).digest("base64url");
  return { key, content, hash, promise };
}

async function storedUnder(tx: EntityManager, org: string, key: string) {
  const [activity] = await tx.query("SELECT * FROM activity WHERE reporter_org = $1 AND idempotency_key = $2", [org, key]);
  if (!activity) return null;
  const violations = await tx.query("SELECT * FROM activity_violation WHERE activity_id = $1 ORDER BY id", [activity.id]);
  return { activity, violations };
}

/** A retry of the same report returns the first; other content under the same key is CONFLICT. */
function replay(found: { activity: Record<string, any>; violations: Array<Record<string, any>> }, hash: string): ReportResult {
  if (found.activity.content_hash !== hash) throw conflict("This idempotencyKey was already used for a different report");
  return { ...found, replayed: true };
}

/**
 * Records a contact an agency (on a case it holds) or the lender's collectors (on its own case)
 * made, and checks it against every contact rule at the moment it happened. A report that
 * broke a rule is stored all the same (what happened is never lost), flagged, and each broken
 * rule is kept and emitted as ComplianceViolation in the same transaction. The reports about one
 * borrower are serialised, and each is judged with the borrower's other contacts around it
 * (before it, and after it for one reported late), so every count is of every stored contact.
 */
export async function reportActivity(ds: DataSource, clock: Clock, p: Principal, i: ReportActivityInput, correlationId: string | null): Promise<ReportResult> {
  return ds.transaction((tx) => recordActivity(tx, clock, p, i, correlationId));
}

/** reportActivity in the caller's transaction `tx` (sendNotice records its notice with it). */
export async function recordActivity(tx: EntityManager, clock: Clock, p: Principal, i: ReportActivityInput, correlationId: string | null): Promise<ReportResult> {
  const now = clock.now();
  if (p.role !== "lender" && p.role !== "agency") throw forbidden("activity reports");
  const org = p.role === "agency" ? p.agencyId : p.lenderId;
  if (!org || !isUuid(org)) throw forbidden("activity reports");
  if (!isUuid(i.caseId)) throw notFound("CollectionCase", i.caseId);
  const { key, content, hash, promise } = normalise(i, now);
  const directory = new CaseDirectory(tx, clock);
  const entry = await directory.entry(content.caseId);
  // Every report about the borrower waits for the one before it: the per-debtor counts (connected
  // calls a day) span the borrower's cases, and each count is then exact; duplicates are found.
  await tx.query("SELECT pg_advisory_xact_lock(hashtextextended($1, 7))", [entry?.borrowerId ?? content.caseId]);
  // A retry gets the first report back, even once the placement has ended.
  const earlier = await storedUnder(tx, org, key);
  if (earlier) return replay(earlier, hash);
  if (!entry) throw notFound("CollectionCase", i.caseId);
  if (p.role === "lender" && entry.lenderId !== p.lenderId) throw refusedAsNotFound("CollectionCase", i.caseId, entry.caseId);

  const at = new Date(content.occurredAt);
  // The due date is a day in the borrower's zone: checked before anything is written.
  if (promise) {
    checkDueDate(promise.dueDate, at, zoneOfCase(entry));
    // A promise in a currency the loan is not in could never be kept: refused while the case's currency is known.
    const [balance] = await tx.query("SELECT currency FROM case_balance WHERE case_id = $1", [entry.caseId]);
    const currency = balance?.currency?.trim();
    if (currency && currency !== promise.currency) throw badInput(`The case is in ${currency}: a promise to pay it is in ${currency} too`, "promise.currency");
  }
  const made = { required: content.required === true, caseId: entry.caseId, occurredAt: at, channel: content.channel, direction: content.direction, outcome: content.outcome, party: content.party, contactPoint: content.contactPoint };
  // An agency reports the contacts it made while it held the case, whether or not it holds it
  // still; a contact it reports on a case it holds, made before its placement began, breaks
  // ACTIVE_PLACEMENT (and is kept).
  let actor = actorOf(p.role === "agency" ? "agency" : "lender", entry, p.agencyId ?? null);
  if (p.role === "agency") {
    const then = await placementAt(tx, entry.caseId, org, at);
    if (!then && !actor.holdsCase) {
      if (await directoryStopped(tx)) throw unavailable();
      // A case the agency held once it knows exists: say why. Any other is no case at all to it.
      if (await directory.heldEver(org, [entry.caseId])) throw forbidden("a report on a case your agency did not hold when the contact was made", entry.caseId);
      throw refusedAsNotFound("CollectionCase", i.caseId, entry.caseId);
    }
    actor = { role: "agency", holdsCase: !!then, allowedChannels: then ? then.channels : actor.allowedChannels };
  }
  const { situation } = await loadSituation(tx, directory, entry, { at, channel: made.channel, party: made.party, contactPoint: made.contactPoint, actor, around: true, required: made.required });
  // Not judged on what this subgraph does not know: holds or profile changes may be queued.
  if (situation.holds.some((h) => h.holdId === DIRECTORY_STOPPED_HOLD_ID)) throw unavailable();
  const breaches: Breach[] = breachesOf(situation, made);
  const id = uuidv7(now.getTime());
  const [activity] = await tx.query(
    `INSERT INTO activity (id, case_id, lender_id, borrower_id, reporter_role, reporter_org, agency_id, idempotency_key, content_hash,
       channel, direction, party, contact_point, outcome, occurred_at, agent_id, notes, recording_reference, duration_seconds, violation_count, reported_at, required)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22)
     ON CONFLICT (reporter_org, idempotency_key) DO NOTHING RETURNING *`,
    [
      id, entry.caseId, entry.lenderId, entry.borrowerId, p.role, org, p.role === "agency" ? org : null, key, hash,
      content.channel, content.direction, content.party, content.contactPoint, content.outcome, at, content.agentId,
      content.notes, content.recordingReference, content.durationSeconds, breaches.length, now, made.required,
    ],
  );
  if (!activity) {
    // The same key on another case, committed while this one waited: a retry or a conflict.
    const other = await storedUnder(tx, org, key);
    if (!other) throw conflict("This idempotencyKey is being reported concurrently; retry");
    return replay(other, hash);
  }
  // The borrower disputed the debt during the contact: the dispute, and its hold, come with the report.
  if (content.outcome === "DISPUTE_RAISED") {
    await openDispute(tx, entry, { raisedByRole: p.role as "lender" | "agency", raisedBy: p.sub, reason: null, activityId: activity.id }, now, correlationId);
  }
  // The borrower told the collector of a hardship: it is declared, and contact held, with the report.
  // Its kind is OTHER: what the borrower is going through stays with the borrower and the lender.
  if (content.outcome === "HARDSHIP_DECLARED") {
    const opening = { declaredByRole: p.role as "lender" | "agency", declaredBy: p.sub, kind: HardshipKind.OTHER, evidenceReference: null, activityId: activity.id };
    await openHardship(tx, entry, opening, now, correlationId);
  }
  // The borrower promised to pay: the promise, and its hold on calls, come with the report.
  if (promise) await makePromise(tx, entry, activity, promise, now, correlationId);
  const violations: Array<Record<string, any>> = [];
  for (const b of breaches) {
    const [v] = await tx.query(
      `INSERT INTO activity_violation (id, activity_id, case_id, lender_id, agency_id, rule, message, limit_text, observed, occurred_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING *`,
      [uuidv7(now.getTime()), activity.id, entry.caseId, entry.lenderId, activity.agency_id, b.rule, b.message, b.limit, b.observed, at],
    );
    violations.push(v);
  }
  if (violations.length) {
    await appendToOutbox(
      tx,
      violations.map((v) => {
        const payload: ComplianceViolationPayload = {
          violationId: v.id,
          activityId: activity.id,
          caseId: entry.caseId,
          agencyId: activity.agency_id,
          reporterRole: p.role as "lender" | "agency",
          rule: v.rule,
          limit: v.limit_text,
          observed: v.observed,
          occurredAt: at.toISOString(),
        };
        return newEvent({ type: "ComplianceViolation", aggregateType: "Activity", aggregateId: activity.id, lenderId: entry.lenderId, payload, correlationId }, now);
      }),
    );
  }
  return { activity, violations, replayed: false };
}
