/**
 * The notice part of a lender's contact profile: which notice stage requires which earlier one,
 * and how long the LEGAL_WARNING must precede a legal step. Per jurisdiction, tightened by the
 * lender only (more prerequisites, a longer lead), as the contact parameters are.
 */
import type { Jurisdiction } from "./types";

/** The stages of the notice catalogue (VALIDATION_NOTICE: US_REG_F only, 12 CFR 1006.34). */
export const NOTICE_STAGES = ["FIRST_REMINDER", "GRACE_NOTICE", "CREDIT_RECORD_CONSEQUENCE", "LEGAL_WARNING", "VALIDATION_NOTICE"] as const;
export type NoticeStage = (typeof NOTICE_STAGES)[number];

export interface NoticeRules {
  /** Per stage, the stages that must have been sent on the case before it. */
  requires: Record<NoticeStage, NoticeStage[]>;
  /** Days the LEGAL_WARNING must have been sent before a legal step (escalateToLegal). */
  legalWarningLeadDays: number;
}

/** Whether a jurisdiction has the stage at all: the validation notice is Regulation F's. */
export const stageInJurisdiction = (stage: NoticeStage, jurisdiction: Jurisdiction): boolean => stage !== "VALIDATION_NOTICE" || jurisdiction === "US_REG_F";

const chain = (extra: NoticeStage[]): Record<NoticeStage, NoticeStage[]> => ({
  FIRST_REMINDER: [],
  GRACE_NOTICE: ["FIRST_REMINDER"],
  CREDIT_RECORD_CONSEQUENCE: ["FIRST_REMINDER", ...extra],
  LEGAL_WARNING: ["FIRST_REMINDER", ...extra],
  VALIDATION_NOTICE: [],
});

/**
 * Every jurisdiction's notice rules. Everywhere a grace notice, a credit-record warning and a
 * legal warning follow a first reminder; under Regulation F the debt is validated (VALIDATION_NOTICE)
 * before the borrower is warned of credit reporting or a lawsuit (12 CFR 1006.34, 1006.30(a)).
 */
export const NOTICE_RULES: Record<Jurisdiction, NoticeRules> = {
  US_REG_F: { requires: chain(["VALIDATION_NOTICE"]), legalWarningLeadDays: 14 },
  CN_NIFA: { requires: chain([]), legalWarningLeadDays: 14 },
  UK_FCA: { requires: chain([]), legalWarningLeadDays: 14 },
};

/** The most a lender may set legalWarningLeadDays to. */
export const MAX_LEGAL_WARNING_LEAD_DAYS = 365;

/** A copy of the jurisdiction's notice rules (callers may not alter the table). */
export const noticeRulesOf = (j: Jurisdiction): NoticeRules => copyRules(NOTICE_RULES[j]);

const copyRules = (r: NoticeRules): NoticeRules => ({
  requires: Object.fromEntries(NOTICE_STAGES.map((s) => [s, [...r.requires[s]]])) as Record<NoticeStage, NoticeStage[]>,
  legalWarningLeadDays: r.legalWarningLeadDays,
});

/** A stored value (or none, from before notice rules were kept) as rules, the jurisdiction's filling gaps. */
export function noticeRulesFrom(j: Jurisdiction, stored: Partial<NoticeRules> | null | undefined): NoticeRules {
  const base = noticeRulesOf(j);
  if (!stored) return base;
  const requires = { ...base.requires };
  for (const s of NOTICE_STAGES) if (Array.isArray(stored.requires?.[s])) requires[s] = [...stored.requires![s]];
  return { requires, legalWarningLeadDays: Number.isInteger(stored.legalWarningLeadDays) ? stored.legalWarningLeadDays! : base.legalWarningLeadDays };
}

/** What a lender asks for: extra prerequisites per stage, a longer lead. */
export interface NoticeRulesOverrides {
  requires?: Partial<Record<NoticeStage, NoticeStage[]>>;
  legalWarningLeadDays?: number;
}

/**
 * `jurisdiction`'s notice rules tightened by `o`: a stage's prerequisites as the lender lists them
 * (they must keep every one the jurisdiction sets), a lead of at least the jurisdiction's. A stage
 * may not require itself, a stage the jurisdiction does not have, or one that (through others)
 * requires it. The first loosening or nonsense is refused, with the field it names.
 */
export function tightenNoticeRules(
  jurisdiction: Jurisdiction,
  o: NoticeRulesOverrides | null | undefined,
): { ok: true; rules: NoticeRules } | { ok: false; field: string; message: string } {
  const base = NOTICE_RULES[jurisdiction];
  const rules = copyRules(base);
  if (o?.legalWarningLeadDays != null) {
    const d = o.legalWarningLeadDays;
    if (!Number.isInteger(d) || d < base.legalWarningLeadDays || d > MAX_LEGAL_WARNING_LEAD_DAYS) {
      return { ok: false, field: "legalWarningLeadDays", message: `legalWarningLeadDays must be ${base.legalWarningLeadDays} to ${MAX_LEGAL_WARNING_LEAD_DAYS} days (${jurisdiction} sets ${base.legalWarningLeadDays})` };
    }
    rules.legalWarningLeadDays = d;
  }
  for (const [stage, list] of Object.entries(o?.requires ?? {}) as Array<[NoticeStage, NoticeStage[] | undefined]>) {
    if (list == null) continue;
    const field = `requires.${stage}`;
    if (!NOTICE_STAGES.includes(stage)) return { ok: false, field, message: `${stage} is not a notice stage` };
    for (const r of list) {
      if (!NOTICE_STAGES.includes(r) || !stageInJurisdiction(r, jurisdiction)) return { ok: false, field, message: `${r} is not a notice stage of ${jurisdiction}` };
      if (r === stage) return { ok: false, field, message: `${stage} may not require itself` };
    }
    const missing = base.requires[stage].filter((r) => !list.includes(r));
    if (missing.length) return { ok: false, field, message: `${stage} must keep ${jurisdiction}'s prerequisites: ${base.requires[stage].join(", ")}` };
    rules.requires[stage] = NOTICE_STAGES.filter((s) => list.includes(s));
  }
  // A cycle would make both stages unsendable.
  const reaches = (from: NoticeStage, to: NoticeStage, seen = new Set<NoticeStage>()): boolean =>
    rules.requires[from].some((r) => r === to || (!seen.has(r) && (seen.add(r), reaches(r, to, seen))));
  for (const s of NOTICE_STAGES) if (reaches(s, s)) return { ok: false, field: `requires.${s}`, message: `${s} would require itself through its prerequisites` };
  return { ok: true, rules };
}
