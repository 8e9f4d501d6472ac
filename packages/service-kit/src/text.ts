/**
 * `word` after its indefinite article: "an agency", "a lender"; "An auditor" with
 * `capital: true`, to begin a sentence. Decided by the first letter, which is right for the
 * role names and the other plain words messages put here (not for "a unit" or "an hour").
 */
export function withArticle(word: string, opts: { capital?: boolean } = {}): string {
  const article = /^[aeiou]/i.test(word) ? "an" : "a";
  return `${opts.capital ? article[0]!.toUpperCase() + article.slice(1) : article} ${word}`;
}
