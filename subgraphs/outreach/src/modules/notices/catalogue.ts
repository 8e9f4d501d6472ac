import type { Jurisdiction, NoticeStage } from "@concord/service-kit";

/** The languages the catalogue is written in. */
export const NOTICE_LANGUAGES = ["en", "zh-CN"] as const;
export type NoticeLanguage = (typeof NOTICE_LANGUAGES)[number];

/**
 * What a notice may state: amounts and dates only, all of which the borrower's own app shows.
 * No name, address, phone or e-mail: a template has no way to name one.
 */
export interface NoticeFacts {
  amountOverdueMinor: bigint;
  currency: string;
  /** The oldest unpaid due date, YYYY-MM-DD. */
  dueDate: string;
  /** The date the amount was assessed, YYYY-MM-DD. */
  asOf: string;
  /** How many days a legal step must wait after a LEGAL_WARNING (the lender's profile). */
  legalWarningLeadDays: number;
}

/** The placeholders a template may use: one per fact, nothing else. */
export const PLACEHOLDERS = ["amount", "dueDate", "asOf", "leadDays"] as const;

interface Template {
  subject: string;
  body: string;
}

/** The catalogue: every stage in every language, each saying what is overdue, since when, and what happens next. */
export const NOTICE_TEMPLATES: Record<NoticeStage, Record<NoticeLanguage, Template>> = {
  FIRST_REMINDER: {
    en: {
      subject: "Payment reminder: {amount} overdue",
      body:
        "Your payment due on {dueDate} has not been received. The amount overdue is {amount} (as of {asOf}).\n" +
        "Please pay it, or contact us through your app to agree a way to pay.\n" +
        "What happens next: if it stays unpaid, we will send you a grace notice.",
    },
    "zh-CN": {
      subject: "还款提醒：逾期金额 {amount}",
      body:
        "您于 {dueDate} 到期的款项尚未收到。逾期金额为 {amount}（截至 {asOf}）。\n" +
        "请尽快还款，或通过您的应用与我们联系，商定还款方式。\n" +
        "后续安排：如仍未还款，我们将向您发送宽限期通知。",
    },
  },
  GRACE_NOTICE: {
    en: {
      subject: "Grace notice: {amount} overdue since {dueDate}",
      body:
        "The payment due on {dueDate} is still unpaid. The amount overdue is {amount} (as of {asOf}).\n" +
        "You can still bring your account up to date, or ask through your app for a payment plan or for help if you are in difficulty.\n" +
        "What happens next: if it stays unpaid, the missed payment may be recorded on your credit record.",
    },
    "zh-CN": {
      subject: "宽限期通知：自 {dueDate} 起逾期 {amount}",
      body:
        "您于 {dueDate} 到期的款项仍未还清。逾期金额为 {amount}（截至 {asOf}）。\n" +
        "您仍可还清欠款，或通过您的应用申请分期还款；如遇困难，也可申请帮助。\n" +
        "后续安排：如仍未还款，逾期记录可能被报送至您的信用记录。",
    },
  },
  CREDIT_RECORD_CONSEQUENCE: {
    en: {
      subject: "Your credit record: {amount} overdue",
      body:
        "The payment due on {dueDate} is still unpaid. The amount overdue is {amount} (as of {asOf}).\n" +
        "What happens next: if it stays unpaid, the missed payment will be reported to credit reference agencies, which may make it harder for you to borrow in future. Paying, or agreeing a plan through your app, stops this.",
    },
    "zh-CN": {
      subject: "关于您的信用记录：逾期金额 {amount}",
      body:
        "您于 {dueDate} 到期的款项仍未还清。逾期金额为 {amount}（截至 {asOf}）。\n" +
        "后续安排：如仍未还款，逾期信息将被报送至征信机构，可能影响您今后的借款。还款或通过您的应用商定还款计划即可避免。",
    },
  },
  LEGAL_WARNING: {
    en: {
      subject: "Legal warning: {amount} overdue",
      body:
        "The payment due on {dueDate} is still unpaid. The amount overdue is {amount} (as of {asOf}).\n" +
        "What happens next: if it stays unpaid, the lender may take legal action to recover the debt, no sooner than {leadDays} days after this notice. You may still pay, agree a plan or dispute the debt through your app.",
    },
    "zh-CN": {
      subject: "法律风险提示：逾期金额 {amount}",
      body:
        "您于 {dueDate} 到期的款项仍未还清。逾期金额为 {amount}（截至 {asOf}）。\n" +
        "后续安排：如仍未还款，出借方可能在本通知发出 {leadDays} 天后依法采取法律措施追收欠款。您仍可通过您的应用还款、商定还款计划或对债务提出异议。",
    },
  },
  VALIDATION_NOTICE: {
    en: {
      subject: "Validation notice: information about a debt",
      body:
        "This is a communication from a debt collector about a debt. As of {asOf}, the amount overdue is {amount}, unpaid since {dueDate}.\n" +
        "You may dispute all or part of the debt, or ask for the name of the original creditor, through your app within 30 days of receiving this notice; if you do, collection stops until we send you verification.\n" +
        "What happens next: if you do not dispute the debt, we will assume it is valid and may continue to collect it.",
    },
    "zh-CN": {
      subject: "债务确认通知：关于一笔债务的信息",
      body:
        "这是债务催收方就一笔债务发出的通知。截至 {asOf}，逾期金额为 {amount}，自 {dueDate} 起未还。\n" +
        "您可在收到本通知后 30 天内通过您的应用对全部或部分债务提出异议，或索取原始债权人的名称；如提出异议，我们将暂停催收，直至向您提供核实材料。\n" +
        "后续安排：如您未提出异议，我们将视该债务为有效，并可继续催收。",
    },
  },
};

/** Minor-unit digits of a currency (ISO 4217): 2 unless listed. */
const EXPONENT: Record<string, number> = { JPY: 0, KRW: 0, VND: 0, CLP: 0, ISK: 0, BHD: 3, KWD: 3, JOD: 3, OMR: 3, TND: 3, IQD: 3, LYD: 3 };

/** 12345n USD -> "USD 123.45": integer arithmetic, no rounding. */
export function formatAmount(minor: bigint, currency: string): string {
  const e = EXPONENT[currency] ?? 2;
  const neg = minor < 0n;
  const digits = (neg ? -minor : minor).toString().padStart(e + 1, "0");
  const whole = digits.slice(0, digits.length - e).replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  return `${currency} ${neg ? "-" : ""}${whole}${e ? `.${digits.slice(digits.length - e)}` : ""}`;
}

/** A date as the language writes it: 2026-10-15, 2026年10月15日. */
export function formatDate(isoDate: string, language: NoticeLanguage): string {
  if (language === "en") return isoDate;
  const [y, m, d] = isoDate.split("-");
  return `${y}年${Number(m)}月${Number(d)}日`;
}

/** A notice as it is sent. */
export interface RenderedNotice {
  subject: string;
  body: string;
}

/** The stage's template in `language`, with the facts in. */
export function renderNotice(stage: NoticeStage, language: NoticeLanguage, f: NoticeFacts): RenderedNotice {
  const t = NOTICE_TEMPLATES[stage][language];
  const values: Record<(typeof PLACEHOLDERS)[number], string> = {
    amount: formatAmount(f.amountOverdueMinor, f.currency),
    dueDate: formatDate(f.dueDate, language),
    asOf: formatDate(f.asOf, language),
    leadDays: String(f.legalWarningLeadDays),
  };
  const fill = (s: string) => s.replace(/\{(\w+)\}/g, (_, k: string) => {
    if (!(k in values)) throw new Error(`Unknown placeholder {${k}} in ${stage}/${language}`);
    return values[k as keyof typeof values];
  });
  return { subject: fill(t.subject), body: fill(t.body) };
}

/**
 * The language of a case's notices: the borrower's preferred one when the catalogue has it (its
 * primary language will do: en-GB is en; zh, zh-Hans and zh-CN are zh-CN), else the jurisdiction's
 * (CN_NIFA zh-CN, others en).
 */
export function noticeLanguage(preferred: string | null | undefined, jurisdiction: Jurisdiction): NoticeLanguage {
  const tag = preferred?.trim().toLowerCase() ?? "";
  if (tag === "en" || tag.startsWith("en-")) return "en";
  if (tag === "zh" || tag === "zh-cn" || tag.startsWith("zh-hans")) return "zh-CN";
  return jurisdiction === "CN_NIFA" ? "zh-CN" : "en";
}
