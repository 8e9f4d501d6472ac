import type { DataSource, EntityManager } from "typeorm";
import { CLOSED_CASE_STATUSES, type NoticeSentPayload, type Principal } from "@concord/schema";
import {
  appendToOutbox,
  badInput,
  CaseDirectory,
  ConcordError,
  conflict,
  DEFAULT_JURISDICTION,
  forbidden,
  isUuid,
  JURISDICTIONS,
  newEvent,
  NOTICE_STAGES,
  noticeRulesFrom,
  notFound,
  refusedAsNotFound,
  stageInJurisdiction,
  uuidv7,
  type CaseEntry,
  type Clock,
  type Jurisdiction,
  type NoticeRules,
  type NoticeStage,
} from "@concord/service-kit";
import { recordActivity } from "../activity/activity.service";
import { caseBalance, daysBefore } from "./case-balance";
import { noticeLanguage, renderNotice } from "./catalogue";
import { NOTICE_CHANNELS, type NoticeChannel } from "./notice.type";

const DAY_MS = 86_400_000;

/**
 * The notices the law requires, which a cease request does not hold back (12 CFR 1006.6(c)(2)):
 * the validation notice (1006.34), and the legal warning, a notice that the lender may invoke a
 * specific remedy (1006.6(c)(2)(iii); under UK_FCA and CN_NIFA too, legal action follows a formal
 * warning). The reminders and the credit-record warning are collection contact a cease stops.
 */
export const REQUIRED_STAGES: ReadonlySet<NoticeStage> = new Set(["VALIDATION_NOTICE", "LEGAL_WARNING"]);

/** Days past due from which each stage falls due (VALIDATION_NOTICE: with the first communication). */
export const DUE_AFTER_DAYS: Record<NoticeStage, number> = { VALIDATION_NOTICE: 1, FIRST_REMINDER: 1, GRACE_NOTICE: 15, CREDIT_RECORD_CONSEQUENCE: 30, LEGAL_WARNING: 60 };

/**
 * What an agency holding the case may send: the reminders, and the validation notice (under
 * Regulation F the debt collector's own duty). The credit-record and legal warnings announce what
 * only the lender decides (reporting, suing): the lender's alone.
 */
export const AGENCY_STAGES: ReadonlySet<NoticeStage> = new Set(["FIRST_REMINDER", "GRACE_NOTICE", "VALIDATION_NOTICE"]);

/**
 * A case's notices take turns: one per stage, never two. The borrower's report lock comes first
 * (the one recordActivity takes, and a report that opens a hardship holds before the hardship's
 * case lock), so a notice and a report never wait on each other in opposite orders; then the
 * notices' own lock of the case.
 */
const lockCase = async (tx: EntityManager, entry: { caseId: string; borrowerId: string | null }) => {
  await tx.query("SELECT pg_advisory_xact_lock(hashtextextended($1, 7))", [entry.borrowerId ?? entry.caseId]);
  await tx.query("SELECT pg_advisory_xact_lock(hashtextextended($1, 23))", [entry.caseId]);
};

type Db = DataSource | EntityManager;

/** The lender's jurisdiction and notice rules, as its contact profile sets them (the default's when it chose none). */
export async function noticeProfile(db: Db, lenderId: string): Promise<{ jurisdiction: Jurisdiction; rules: NoticeRules }> {
  const [row] = await db.query("SELECT jurisdiction, notice_rules FROM contact_profile WHERE lender_id = $1", [lenderId]);
  const jurisdiction: Jurisdiction = JURISDICTIONS.includes(row?.jurisdiction) ? row.jurisdiction : DEFAULT_JURISDICTION;
  return { jurisdiction, rules: noticeRulesFrom(jurisdiction, row?.notice_rules) };
}

const sentStages = async (db: Db, caseId: string): Promise<Array<Record<string, any>>> =>
  db.query("SELECT * FROM notice WHERE case_id = $1 ORDER BY sent_at, id", [caseId]);

/** The case as the sender may act on it: the lender's own, or one the agency holds now. */
async function senderCase(directory: CaseDirectory, p: Principal, caseId: string): Promise<CaseEntry> {
  const entry = isUuid(caseId) ? await directory.entry(caseId) : null;
  if (!entry) throw notFound("CollectionCase", caseId);
  const own = p.role === "lender" ? !!p.lenderId && entry.lenderId === p.lenderId : !!p.agencyId && entry.activePlacement?.agencyId === p.agencyId;
  if (!own) throw refusedAsNotFound("CollectionCase", caseId, entry.caseId);
  return entry;
}

/**
 * Sends the stage's notice on a case, by LETTER or EMAIL, in the borrower's language: rendered
 * from what the case has overdue, and recorded as an activity (outcome DELIVERED, `required` for
 * the notices the law requires) judged by every contact rule as reportActivity judges one; a
 * notice that would break one is refused (FORBIDDEN naming the rule) and nothing is written.
 * The lender sends any stage on its own case; an agency holding the case the reminders and the
 * validation notice. A stage whose prerequisites (the lender's profile) are not sent is CONFLICT
 * naming them; VALIDATION_NOTICE outside US_REG_F is BAD_USER_INPUT. The same stage already sent
 * on the case is returned, whatever the channel: a notice is sent once per stage.
 */
export async function sendNotice(
  ds: DataSource,
  clock: Clock,
  p: Principal,
  caseId: string,
  stage: NoticeStage,
  channel: NoticeChannel,
  correlationId: string | null,
): Promise<Record<string, any>> {
  if (p.role !== "lender" && p.role !== "agency") throw forbidden("notices");
  if (!NOTICE_STAGES.includes(stage)) throw badInput("Unknown stage", "stage");
  if (!NOTICE_CHANNELS.includes(channel)) throw badInput("A notice goes by LETTER or EMAIL", "channel");
  if (p.role === "agency" && !AGENCY_STAGES.has(stage)) throw forbidden(`sending a ${stage} (the lender's own)`);
  if (!isUuid(caseId)) throw notFound("CollectionCase", caseId);
  const now = clock.now();
  return ds.transaction(async (tx) => {
    const entry = await senderCase(new CaseDirectory(tx, clock), p, caseId);
    await lockCase(tx, entry);
    const sent = await sentStages(tx, entry.caseId);
    const already = sent.find((n) => n.stage === stage);
    if (already) return already;
    if (CLOSED_CASE_STATUSES.includes(entry.status)) throw conflict(`The case is ${entry.status}: nothing is overdue to give notice of`);
    const { jurisdiction, rules } = await noticeProfile(tx, entry.lenderId);
    if (!stageInJurisdiction(stage, jurisdiction)) throw badInput(`${stage} is a notice of US_REG_F only; the lender's profile is ${jurisdiction}`, "stage");
    const missing = rules.requires[stage].filter((r) => stageInJurisdiction(r, jurisdiction) && !sent.some((n) => n.stage === r));
    if (missing.length) {
      throw new ConcordError("CONFLICT", `${stage} requires ${missing.join(" and ")} to have been sent on the case first (the lender's contact profile)`, { missing });
    }
    const balance = await caseBalance(tx, entry.caseId);
    if (!balance?.dueDate) throw conflict("Nothing is known to be overdue on this case yet: a notice states the amount overdue and its due date");
    const [pref] = await tx.query("SELECT preferred_language FROM contact_preference WHERE case_id = $1", [entry.caseId]);
    const language = noticeLanguage(pref?.preferred_language, jurisdiction);
    const { subject, body } = renderNotice(stage, language, {
      amountOverdueMinor: balance.amountOverdueMinor,
      currency: balance.currency,
      dueDate: balance.dueDate,
      asOf: balance.asOf,
      legalWarningLeadDays: rules.legalWarningLeadDays,
    });
    const required = REQUIRED_STAGES.has(stage);
    const id = uuidv7(now.getTime());
    const report = await recordActivity(
      tx,
      clock,
      p,
      {
        idempotencyKey: `notice:${id}`,
        caseId: entry.caseId,
        channel,
        direction: "OUTBOUND",
        occurredAt: now,
        outcome: "DELIVERED",
        contactPoint: channel === "LETTER" ? "postal-address" : "email",
        notes: `${stage} notice (${language})`,
        required,
      },
      correlationId,
    );
    if (report.violations.length) {
      const broken = report.violations.map((v) => v.rule as string);
      // Thrown inside the transaction: the activity and its violations are not kept either.
      throw new ConcordError("FORBIDDEN", `This notice may not be sent now: ${report.violations.map((v) => `${v.rule} (${v.message})`).join("; ")}`, { rule: broken[0], rules: broken });
    }
    const earliestLegalStepAt = stage === "LEGAL_WARNING" ? new Date(now.getTime() + rules.legalWarningLeadDays * DAY_MS) : null;
    const [row] = await tx.query(
      `INSERT INTO notice (id, case_id, lender_id, borrower_id, stage, channel, language, required, sent_at, sent_by_role, sent_by, activity_id,
         amount_overdue_minor, currency, due_date, subject, body, earliest_legal_step_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18) RETURNING *`,
      [
        id, entry.caseId, entry.lenderId, entry.borrowerId, stage, channel, language, required, now, p.role, p.sub, report.activity.id,
        balance.amountOverdueMinor.toString(), balance.currency, balance.dueDate, subject, body, earliestLegalStepAt,
      ],
    );
    const payload: NoticeSentPayload = {
      noticeId: id,
      caseId: entry.caseId,
      activityId: report.activity.id,
      stage,
      channel,
      language,
      required,
      sentAt: now.toISOString(),
      earliestLegalStepAt: earliestLegalStepAt?.toISOString() ?? null,
    };
    await appendToOutbox(tx, [newEvent({ type: "NoticeSent", aggregateType: "Notice", aggregateId: id, aggregateVersion: 1, lenderId: entry.lenderId, payload, correlationId }, now)]);
    return row;
  });
}

/** A notice not sent and due: its stage, since when, and which prerequisites are still missing. */
export interface DueNotice {
  stage: NoticeStage;
  dueSince: string;
  missing: NoticeStage[];
  required: boolean;
  language: string;
}

/**
 * A case's notices: those sent (oldest first), then the stages of the lender's jurisdiction not
 * sent whose days past due have been reached (by their due date). A closed case has none due.
 */
export async function caseNotices(db: Db, entry: CaseEntry): Promise<{ sent: Array<Record<string, any>>; due: DueNotice[] }> {
  const sent = await sentStages(db, entry.caseId);
  if (CLOSED_CASE_STATUSES.includes(entry.status)) return { sent, due: [] };
  const balance = await caseBalance(db, entry.caseId);
  if (!balance?.dueDate) return { sent, due: [] };
  const { jurisdiction, rules } = await noticeProfile(db, entry.lenderId);
  const [pref] = await db.query("SELECT preferred_language FROM contact_preference WHERE case_id = $1", [entry.caseId]);
  const language = noticeLanguage(pref?.preferred_language, jurisdiction);
  const done = new Set(sent.map((n) => n.stage as NoticeStage));
  const due = NOTICE_STAGES.filter((s) => stageInJurisdiction(s, jurisdiction) && !done.has(s) && balance.daysPastDue >= DUE_AFTER_DAYS[s]).map((stage) => ({
    stage,
    dueSince: daysBefore(balance.dueDate!, -DUE_AFTER_DAYS[stage]),
    missing: rules.requires[stage].filter((r) => stageInJurisdiction(r, jurisdiction) && !done.has(r)),
    required: REQUIRED_STAGES.has(stage),
    language,
  }));
  due.sort((a, b) => a.dueSince.localeCompare(b.dueSince));
  return { sent, due };
}

/** Whether the restructuring issue's legal step may go ahead, as far as notices go. */
export interface LegalWarningCheck {
  ok: boolean;
  /** When the case's LEGAL_WARNING was sent; null: never. */
  sentAt: Date | null;
  /** The earliest instant a legal step may follow it; null: never sent. */
  earliestLegalStepAt: Date | null;
  /** The lead the lender's profile sets now. */
  legalWarningLeadDays: number;
}

/**
 * Whether the case's LEGAL_WARNING was sent at least legalWarningLeadDays (the lender's profile,
 * default 14) before `at`: ok from sentAt + lead exactly, not a millisecond before. The lead is
 * the longer of the one in force when it was sent and the one in force now.
 */
export async function legalWarningGiven(db: Db, caseId: string, at: Date): Promise<LegalWarningCheck> {
  const [row] = await db.query("SELECT lender_id, sent_at, earliest_legal_step_at FROM notice WHERE case_id = $1 AND stage = 'LEGAL_WARNING'", [caseId.toLowerCase()]);
  const lender = row?.lender_id ?? (await db.query("SELECT lender_id FROM case_directory WHERE case_id = $1", [caseId.toLowerCase()]))[0]?.lender_id;
  const { rules } = lender ? await noticeProfile(db, lender) : { rules: noticeRulesFrom(DEFAULT_JURISDICTION, null) };
  const lead = rules.legalWarningLeadDays;
  if (!row) return { ok: false, sentAt: null, earliestLegalStepAt: null, legalWarningLeadDays: lead };
  const sentAt = new Date(row.sent_at);
  const earliest = new Date(Math.max(sentAt.getTime() + lead * DAY_MS, row.earliest_legal_step_at ? new Date(row.earliest_legal_step_at).getTime() : 0));
  return { ok: at.getTime() >= earliest.getTime(), sentAt, earliestLegalStepAt: earliest, legalWarningLeadDays: lead };
}
