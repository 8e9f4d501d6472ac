import { isDeepStrictEqual } from "node:util";
import type { DataSource, EntityManager } from "typeorm";
import type { ContactProfileSetPayload, Principal } from "@concord/schema";
import {
  appendToOutbox,
  badInput,
  CONTACT_PROFILES,
  DEFAULT_JURISDICTION,
  DEFAULT_PROMISE_TERMS,
  forbidden,
  JURISDICTIONS,
  newEvent,
  noticeRulesFrom,
  noticeRulesOf,
  tightenNoticeRules,
  promiseTermsOf,
  tightenProfile,
  type Clock,
  type ContactParameters as EngineParameters,
  type Jurisdiction,
  type PromiseTerms,
} from "@concord/service-kit";
import { ContactProfile, isoWeekdayOf, noticeProfileOut, parametersOut, type ContactProfileOverrides } from "./profile.type";

/** The longest quiet period a lender may set, in days (reports reach 90 days back too). */
const MAX_QUIET_DAYS = 90;

/** The GraphQL name of each engine parameter, for refusals a lender reads. */
const FIELD_OF: Record<keyof EngineParameters, keyof ContactProfileOverrides> = {
  hoursStartMinute: "contactHoursStart",
  hoursEndMinute: "contactHoursEnd",
  blockedWeekdays: "blockedWeekdays",
  blockedDates: "blockedDates",
  maxCallAttemptsPer7Days: "maxCallAttemptsPer7Days",
  quietDaysAfterConversation: "quietDaysAfterConversation",
  maxConnectedCallsPerDay: "maxConnectedCallsPerDay",
  maxUnansweredCallsPerDay: "maxUnansweredCallsPerDay",
  debtorOnly: "debtorOnly",
  flagVulnerable: "flagVulnerable",
};

/** "08:30" -> 510; anything else is BAD_USER_INPUT naming the field. */
function minuteOf(v: string, field: string): number {
  const m = /^([01][0-9]|2[0-4]):([0-5][0-9])$/.exec(v);
  const minute = m ? Number(m[1]) * 60 + Number(m[2]) : NaN;
  if (!(minute >= 0 && minute <= 1440)) throw badInput(`${field} must be a time HH:MM from 00:00 to 24:00`, field);
  return minute;
}

/** The overrides in the engine's terms: only what the lender set. */
function engineOverrides(o: ContactProfileOverrides | null | undefined): Partial<EngineParameters> {
  const out: Partial<EngineParameters> = {};
  if (!o) return out;
  if (o.contactHoursStart != null) out.hoursStartMinute = minuteOf(o.contactHoursStart, "contactHoursStart");
  if (o.contactHoursEnd != null) out.hoursEndMinute = minuteOf(o.contactHoursEnd, "contactHoursEnd");
  if (o.blockedWeekdays != null) out.blockedWeekdays = [...new Set(o.blockedWeekdays.map(isoWeekdayOf))].sort();
  if (o.blockedDates != null) out.blockedDates = [...new Set(o.blockedDates)].sort();
  for (const k of ["maxCallAttemptsPer7Days", "quietDaysAfterConversation", "maxConnectedCallsPerDay", "maxUnansweredCallsPerDay"] as const) {
    if (o[k] != null) out[k] = o[k];
  }
  if (o.debtorOnly != null) out.debtorOnly = o.debtorOnly;
  if (o.flagVulnerable != null) out.flagVulnerable = o.flagVulnerable;
  return out;
}

/** The promise terms the overrides ask for (the rest at their defaults); out of range is BAD_USER_INPUT naming it. */
function askedPromiseTerms(o: ContactProfileOverrides | null | undefined): PromiseTerms {
  const r = promiseTermsOf({ promiseKeptThresholdBps: o?.promiseKeptThresholdBps ?? undefined, promiseGraceDays: o?.promiseGraceDays ?? undefined });
  if (!r.ok) throw badInput(r.message, `overrides.${r.parameter}`);
  return r.terms;
}

/** A lender's promise terms as its profile row holds them (the defaults without a row, or for a row from before they were kept). */
export const promiseTermsOfRow = (row: Record<string, any> | undefined): PromiseTerms => {
  const r = promiseTermsOf(row?.promise_terms ?? null);
  return r.ok ? r.terms : { ...DEFAULT_PROMISE_TERMS };
};

/** A lender's promise terms, read in `db` (a transaction's, to decide with what it sees). */
export async function readPromiseTerms(db: DataSource | EntityManager, lenderId: string): Promise<PromiseTerms> {
  const [row] = await db.query("SELECT promise_terms FROM contact_profile WHERE lender_id = $1", [lenderId]);
  return promiseTermsOfRow(row);
}

/** A profile row (or the default, for a lender without one) as the GraphQL type. */
export function profileOut(lenderId: string, row: Record<string, any> | undefined): ContactProfile {
  const jurisdiction: Jurisdiction = row?.jurisdiction ?? DEFAULT_JURISDICTION;
  return Object.assign(new ContactProfile(), {
    lenderId,
    jurisdiction,
    chosen: !!row,
    version: row ? Number(row.version) : 0,
    updatedAt: row ? new Date(row.updated_at) : null,
    parameters: parametersOut(row?.parameters ?? CONTACT_PROFILES[jurisdiction].parameters),
    profileDefaults: parametersOut(CONTACT_PROFILES[jurisdiction].parameters),
    notices: noticeProfileOut(noticeRulesFrom(jurisdiction, row?.notice_rules)),
    noticeDefaults: noticeProfileOut(noticeRulesOf(jurisdiction)),
    ...promiseTermsOfRow(row),
  });
}

export async function readProfile(db: DataSource | EntityManager, lenderId: string): Promise<ContactProfile> {
  const [row] = await db.query("SELECT * FROM contact_profile WHERE lender_id = $1", [lenderId]);
  return profileOut(lenderId, row);
}

/**
 * The lender chooses its jurisdiction profile and tightens any of its parameters. Each call
 * states the whole profile (overrides left out take the jurisdiction's values), so a retry
 * changes nothing; loosening a parameter past the jurisdiction's is BAD_USER_INPUT naming it
 * and its limit, and nothing changes. A change is emitted as ContactProfileSet in the same
 * transaction, so every subgraph's case directory applies the new parameters.
 */
export async function setContactProfile(
  ds: DataSource,
  clock: Clock,
  p: Principal,
  jurisdiction: Jurisdiction,
  overrides: ContactProfileOverrides | null | undefined,
  correlationId: string | null,
): Promise<ContactProfile> {
  if (p.role !== "lender" || !p.lenderId) throw forbidden("contact profiles");
  if (!JURISDICTIONS.includes(jurisdiction)) throw badInput("Unknown jurisdiction", "jurisdiction");
  const asked = engineOverrides(overrides);
  // Every decision reads the case's contacts over the quiet period: keep it to what reports may cover.
  if ((asked.quietDaysAfterConversation ?? 0) > MAX_QUIET_DAYS) {
    throw badInput(`quietDaysAfterConversation is at most ${MAX_QUIET_DAYS} days`, "overrides.quietDaysAfterConversation");
  }
  const promiseTerms = askedPromiseTerms(overrides);
  const result = tightenProfile(jurisdiction, asked);
  if (!result.ok) {
    const field = FIELD_OF[result.parameter];
    throw badInput(`${field} may not be looser than ${jurisdiction}'s ${result.limit} (${result.message})`, `overrides.${field}`);
  }
  const requires = overrides?.notices?.requires;
  if (requires && new Set(requires.map((r) => r.stage)).size !== requires.length) throw badInput("Each notice stage at most once", "overrides.notices.requires");
  const notices = tightenNoticeRules(jurisdiction, {
    legalWarningLeadDays: overrides?.notices?.legalWarningLeadDays ?? undefined,
    requires: requires ? Object.fromEntries(requires.map((r) => [r.stage, r.requires])) : undefined,
  });
  if (!notices.ok) throw badInput(notices.message, `overrides.notices.${notices.field}`);
  const lenderId = p.lenderId;
  const now = clock.now();
  return ds.transaction(async (tx) => {
    // Two first settings at once would both be version 1: the lender's changes take turns.
    await tx.query("SELECT pg_advisory_xact_lock(hashtextextended($1, 11))", [lenderId]);
    const [row] = await tx.query("SELECT * FROM contact_profile WHERE lender_id = $1", [lenderId]);
    const parameters = result.profile.parameters;
    // jsonb keeps keys in its own order, not the one written: compare values, not their text.
    const noticeRules = notices.rules;
    if (
      row && row.jurisdiction === jurisdiction && isDeepStrictEqual(row.parameters, parameters) &&
      isDeepStrictEqual(noticeRulesFrom(jurisdiction, row.notice_rules), noticeRules) && isDeepStrictEqual(promiseTermsOfRow(row), promiseTerms)
    ) {
      return profileOut(lenderId, row);
    }
    const version = row ? Number(row.version) + 1 : 1;
    const [saved] = await tx.query(
      `INSERT INTO contact_profile (lender_id, jurisdiction, overrides, parameters, version, updated_by, updated_at, notice_rules, promise_terms)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
       ON CONFLICT (lender_id) DO UPDATE SET jurisdiction = EXCLUDED.jurisdiction, overrides = EXCLUDED.overrides,
         parameters = EXCLUDED.parameters, version = EXCLUDED.version, updated_by = EXCLUDED.updated_by, updated_at = EXCLUDED.updated_at,
         notice_rules = EXCLUDED.notice_rules, promise_terms = EXCLUDED.promise_terms
       RETURNING *`,
      [lenderId, jurisdiction, JSON.stringify(asked), JSON.stringify(parameters), version, p.sub, now, JSON.stringify(noticeRules), JSON.stringify(promiseTerms)],
    );
    const payload: ContactProfileSetPayload = { lenderId, jurisdiction, parameters };
    await appendToOutbox(tx, [
      newEvent({ type: "ContactProfileSet", aggregateType: "ContactProfile", aggregateId: lenderId, aggregateVersion: version, lenderId, payload, correlationId }, now),
    ]);
    return profileOut(lenderId, saved);
  });
}
