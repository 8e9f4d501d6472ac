import { describe, expect, it } from "vitest";
import { withArticle } from "./text";

describe("withArticle", () => {
  it("puts an before a vowel and a before a consonant, capitalised to begin a sentence", () => {
    expect(withArticle("agency", { capital: true })).toBe("An agency");
    expect(withArticle("auditor", { capital: true })).toBe("An auditor");
    expect(withArticle("lender", { capital: true })).toBe("A lender");
    expect(withArticle("borrower")).toBe("a borrower");
    expect(withArticle("agency")).toBe("an agency");
  });
});
