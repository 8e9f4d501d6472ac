import { addDays, addMonths, derivedUuid } from "@concord/service-kit";
import { BUCKET_RANGES, BUCKETS } from "../modules/collection-case/delinquency";

/**
 * A deterministic demo portfolio: the same seed and business date give the same data, ids
 * included; and the ids of lenders, borrowers and loans depend on the seed alone (not the
 * date), so a portfolio generated again another day keeps them. Pure: it computes rows and
 * writes nothing.
 */

export interface PortfolioOptions {
  /** @default 42 */
  seed?: number;
  /** The business date the portfolio is set up for (YYYY-MM-DD). */
  asOf: string;
  /** @default 600 */
  borrowers?: number;
  /** Share of loans past due on `asOf`. @default 0.3 */
  delinquentShare?: number;
}

export interface DemoLender { id: string; name: string; timezone: string; currency: string }
export interface DemoBorrower {
  id: string; lenderId: string; fullName: string; nationalId: string; dateOfBirth: string; phone: string;
  email: string; address: string; employer: string | null; monthlyIncomeMinor: bigint; incomeCurrency: string;
  timezone: string; preferredLanguage: string; vulnerable: boolean; region: string;
}
export interface DemoLoan {
  id: string; lenderId: string; borrowerId: string; reference: string; principalMinor: bigint; currency: string;
  annualRateBps: number; termMonths: number; originatedOn: string;
}
export interface DemoInstallment { id: string; loanId: string; seq: number; dueDate: string; amountDueMinor: bigint; amountPaidMinor: bigint }
export interface DemoPayment { id: string; lenderId: string; loanId: string; amountMinor: bigint; currency: string; receivedAt: string; externalReference: string }
export interface Portfolio {
  lenders: DemoLender[]; borrowers: DemoBorrower[]; loans: DemoLoan[]; installments: DemoInstallment[]; payments: DemoPayment[];
}

/** mulberry32: small, fast, good enough for demo data, and the same everywhere. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const LENDERS = [
  { name: "Northwind Consumer Finance", timezone: "Europe/London", currency: "GBP", phone: "+447", lang: "en-GB",
    first: ["Oliver", "Amelia", "Harry", "Isla", "Jack", "Ava", "George", "Mia", "Noah", "Grace", "Leo", "Freya"],
    last: ["Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Davies", "Evans", "Thomas", "Roberts", "Walker", "Hughes"],
    cities: ["London", "Leeds", "Bristol", "Manchester", "Cardiff", "Glasgow"], streets: ["High Street", "Station Road", "Church Lane", "Mill Road"],
    employers: ["Tesco", "NHS Trust", "Royal Mail", "Network Rail", "Barclays"] },
  { name: "Pacific Rim Credit", timezone: "Asia/Shanghai", currency: "CNY", phone: "+8613", lang: "zh-CN",
    first: ["Wei", "Fang", "Lei", "Jing", "Yang", "Min", "Hao", "Li", "Jun", "Xin", "Tao", "Yan"],
    last: ["Wang", "Li", "Zhang", "Liu", "Chen", "Yang", "Huang", "Zhao", "Wu", "Zhou", "Xu", "Sun"],
    cities: ["Shanghai", "Hangzhou", "Suzhou", "Nanjing", "Shenzhen", "Chengdu"], streets: ["Nanjing Road", "Huaihai Road", "Zhongshan Road", "Renmin Road"],
    employers: ["Sinopec", "China Mobile", "Haier", "Ping An", "Bank of Shanghai"] },
];

/** How many numbers a random id once took from the generator's stream (32 hex digits and a variant). */
const ID_DRAWS = 33;

/** Level repayments of principal plus simple interest, the last one taking the rounding. */
function schedule(principal: bigint, rateBps: number, term: number): bigint[] {
  const interest = (principal * BigInt(rateBps) * BigInt(term)) / 120_000n;
  const total = principal + interest;
  const each = total / BigInt(term);
  return Array.from({ length: term }, (_, i) => (i === term - 1 ? total - each * BigInt(term - 1) : each));
}

export function generatePortfolio(opts: PortfolioOptions): Portfolio {
  const seed = opts.seed ?? 42;
  const rand = prng(seed);
  /**
   * The id of the demo row `kind` number `n`: derived from the seed and those alone, so it does
   * not move when the business date, and with it the rest of the data, does. It still draws
   * what a random id once drew from the stream, so that each seed's names, amounts and arrears
   * stay as they were.
   */
  const nextId = (kind: string, ...n: number[]) => {
    for (let i = 0; i < ID_DRAWS; i++) rand();
    return derivedUuid("concord-demo", seed, kind, ...n);
  };
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
  const int = (lo: number, hi: number) => lo + Math.floor(rand() * (hi - lo + 1));
  const count = opts.borrowers ?? 600;
  const share = opts.delinquentShare ?? 0.3;

  const lenders: DemoLender[] = LENDERS.map((l, i) => ({ id: nextId("lender", i), name: l.name, timezone: l.timezone, currency: l.currency }));
  const borrowers: DemoBorrower[] = [];
  const loans: DemoLoan[] = [];
  const installments: DemoInstallment[] = [];
  const payments: DemoPayment[] = [];

  for (let n = 0; n < count; n++) {
    const li = n % lenders.length;
    const lender = lenders[li]!;
    const style = LENDERS[li]!;
    const first = pick(style.first);
    const last = pick(style.last);
    const borrower: DemoBorrower = {
      id: nextId("borrower", n),
      lenderId: lender.id,
      fullName: li === 1 ? `${last} ${first}` : `${first} ${last}`,
      nationalId: li === 1 ? `31010${int(1960, 2002)}${String(int(1, 9999)).padStart(4, "0")}${int(100, 999)}X` : `QQ${int(100000, 999999)}${"ABCD"[n % 4]}`,
      dateOfBirth: `${int(1958, 2003)}-${String(int(1, 12)).padStart(2, "0")}-${String(int(1, 28)).padStart(2, "0")}`,
      phone: `${style.phone}${String(int(0, 999_999_999)).padStart(9, "0")}`,
      email: `${first}.${last}${n}@example.${li === 1 ? "cn" : "co.uk"}`.toLowerCase(),
      address: "",
      employer: rand() < 0.85 ? pick(style.employers) : null,
      monthlyIncomeMinor: BigInt(int(1_500, 9_000)) * (li === 1 ? 1000n : 100n),
      incomeCurrency: lender.currency,
      timezone: lender.timezone,
      preferredLanguage: style.lang,
      vulnerable: rand() < 0.06,
      region: "",
    };
    const city = pick(style.cities);
    borrower.address = `${int(1, 240)} ${pick(style.streets)}, ${city}`;
    borrower.region = city;
    borrowers.push(borrower);

    const term = pick([12, 18, 24, 36]);
    const principal = BigInt(int(10, 200)) * (li === 1 ? 10_000n : 1_000n) * 10n;
    const rateBps = int(600, 2400);
    const delinquent = rand() < share;
    let originatedOn: string;
    let firstMissed: number; // schedule index of the first installment left unpaid; term = none
    if (delinquent) {
      // Spread the arrears over every bucket: choose the days past due, then place the schedule.
      const [lo, hi] = BUCKET_RANGES[BUCKETS[n % BUCKETS.length]!];
      // A due day of the month up to the 28th, so that stepping back whole months lands on it
      // exactly and the loan shows the days past due chosen here.
      let dpd = int(lo, Math.min(hi, 420));
      while (Number(addDays(opts.asOf, -dpd).slice(8)) > 28) dpd = int(lo, Math.min(hi, 420));
      const paidBefore = int(1, Math.max(1, term - 3));
      const missedDue = addDays(opts.asOf, -dpd);
      originatedOn = addMonths(missedDue, -(paidBefore + 1));
      firstMissed = paidBefore;
    } else {
      originatedOn = addDays(opts.asOf, -int(20, term * 30 - 10));
      firstMissed = term;
    }
    const loan: DemoLoan = {
      id: nextId("loan", n), lenderId: lender.id, borrowerId: borrower.id,
      reference: `${li === 1 ? "PRC" : "NCF"}-${String(100000 + n)}`,
      principalMinor: principal, currency: lender.currency, annualRateBps: rateBps, termMonths: term, originatedOn,
    };
    loans.push(loan);
    const amounts = schedule(principal, rateBps, term);
    amounts.forEach((due, i) => {
      const dueDate = addMonths(originatedOn, i + 1);
      const pastDue = dueDate < opts.asOf;
      let paid = 0n;
      if (pastDue && i < firstMissed) paid = due;
      // Some delinquent borrowers paid part of the first missed installment.
      if (delinquent && i === firstMissed && rand() < 0.3) paid = due / 3n;
      const inst: DemoInstallment = { id: nextId("installment", n, i + 1), loanId: loan.id, seq: i + 1, dueDate, amountDueMinor: due, amountPaidMinor: paid };
      installments.push(inst);
      if (paid > 0n) {
        const lateDays = int(-3, 6);
        let day = addDays(dueDate, Math.min(lateDays, 0) + (pastDue ? Math.max(lateDays, 0) : 0));
        if (day >= opts.asOf) day = addDays(opts.asOf, -1);
        payments.push({
          id: nextId("payment", n, i + 1), lenderId: lender.id, loanId: loan.id, amountMinor: paid, currency: lender.currency,
          receivedAt: `${day}T${String(int(8, 19)).padStart(2, "0")}:${String(int(0, 59)).padStart(2, "0")}:00Z`,
          externalReference: `DEMO-${loan.reference}-${i + 1}`,
        });
      }
    });
  }
  return { lenders, borrowers, loans, installments, payments };
}
