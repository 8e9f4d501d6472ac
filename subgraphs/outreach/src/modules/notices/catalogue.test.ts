import { describe, expect, it } from "vitest";
import { NOTICE_STAGES } from "@concord/service-kit";
import { formatAmount, formatDate, NOTICE_LANGUAGES, NOTICE_TEMPLATES, noticeLanguage, PLACEHOLDERS, renderNotice, type NoticeFacts } from "./catalogue";

/** The notice catalogue: every stage in both languages states the amount, the due date and what comes next, and can say nothing else. */

const facts: NoticeFacts = { amountOverdueMinor: 1234567n, currency: "USD", dueDate: "2026-10-05", asOf: "2026-11-24", legalWarningLeadDays: 21 };
const NEXT = { en: "What happens next:", "zh-CN": "后续安排：" } as const;

describe("renderNotice", () => {
  for (const stage of NOTICE_STAGES) {
    for (const language of NOTICE_LANGUAGES) {
      it(`${stage} in ${language} states the amount overdue, the due date and what happens next`, () => {
        const n = renderNotice(stage, language, facts);
        expect(n.body).toContain("USD 12,345.67");
        expect(n.body).toContain(language === "en" ? "2026-10-05" : "2026年10月5日");
        expect(n.body).toContain(language === "en" ? "2026-11-24" : "2026年11月24日");
        expect(n.body).toContain(NEXT[language]);
        expect(n.subject.length).toBeGreaterThan(5);
        // Every placeholder was filled.
        expect(`${n.subject}${n.body}`).not.toMatch(/[{}]/);
      });
    }
  }

  it("states the legal warning's lead as the lender's profile sets it", () => {
    expect(renderNotice("LEGAL_WARNING", "en", facts).body).toContain("no sooner than 21 days after this notice");
    expect(renderNotice("LEGAL_WARNING", "zh-CN", facts).body).toContain("21 天后");
  });

  it("can name no PII: a template uses only the facts' placeholders (amounts and dates), and the two languages differ", () => {
    for (const stage of NOTICE_STAGES) {
      for (const language of NOTICE_LANGUAGES) {
        const t = NOTICE_TEMPLATES[stage][language];
        const used = [...`${t.subject}${t.body}`.matchAll(/\{(\w+)\}/g)].map((m) => m[1]);
        for (const u of used) expect(PLACEHOLDERS as readonly string[]).toContain(u);
      }
      expect(NOTICE_TEMPLATES[stage].en.body).not.toBe(NOTICE_TEMPLATES[stage]["zh-CN"].body);
      expect(NOTICE_TEMPLATES[stage]["zh-CN"].body).toMatch(/[\u4e00-\u9fff]/);
    }
    // The renderer takes no other fact: a template naming one is refused, never filled with something.
    const t = NOTICE_TEMPLATES.FIRST_REMINDER.en;
    const saved = t.body;
    t.body = "Dear {name}";
    try {
      expect(() => renderNotice("FIRST_REMINDER", "en", facts)).toThrow("Unknown placeholder {name}");
    } finally {
      t.body = saved;
    }
  });
});

describe("formatAmount and formatDate", () => {
  it("writes minor units exactly, by the currency's exponent", () => {
    expect(formatAmount(0n, "USD")).toBe("USD 0.00");
    expect(formatAmount(5n, "USD")).toBe("USD 0.05");
    expect(formatAmount(100000n, "CNY")).toBe("CNY 1,000.00");
    expect(formatAmount(12345n, "JPY")).toBe("JPY 12,345");
    expect(formatAmount(1234n, "KWD")).toBe("KWD 1.234");
    expect(formatAmount(900719925474099312n, "GBP")).toBe("GBP 9,007,199,254,740,993.12");
  });

  it("writes a date as each language does", () => {
    expect(formatDate("2026-01-09", "en")).toBe("2026-01-09");
    expect(formatDate("2026-01-09", "zh-CN")).toBe("2026年1月9日");
  });
});

describe("noticeLanguage", () => {
  it("takes the borrower's preferred language when the catalogue has it, else the jurisdiction's", () => {
    expect(noticeLanguage("zh-CN", "US_REG_F")).toBe("zh-CN");
    expect(noticeLanguage("zh-Hans-CN", "UK_FCA")).toBe("zh-CN");
    expect(noticeLanguage("en-GB", "CN_NIFA")).toBe("en");
    expect(noticeLanguage("fr", "CN_NIFA")).toBe("zh-CN");
    expect(noticeLanguage("fr", "UK_FCA")).toBe("en");
    expect(noticeLanguage(null, "CN_NIFA")).toBe("zh-CN");
    expect(noticeLanguage(null, "US_REG_F")).toBe("en");
    // Traditional Chinese is not the catalogue's zh-CN.
    expect(noticeLanguage("zh-TW", "US_REG_F")).toBe("en");
  });
});
