import { Directive, Field, ID, ObjectType } from "type-graphql";
import { Policy, Scope } from "@concord/service-kit";
import { P } from "../../access/policies";
import type { LoansContext } from "../../context";
import { LocalDate, Money } from "@concord/service-kit";

/**
 * A borrower and the personal data the lender holds. Fields that some callers may not see
 * are nullable so that a denied field can come back null with an error on its path.
 */
@Directive(`@key(fields: "id")`)
@Scope<Borrower>("borrowers:read", (b, ctx: LoansContext) => ({ lenderId: b.lenderId, borrowerId: b.id, caseIds: async () => (await ctx.loaders.casesByBorrower.load(b.id)).map((c) => c.id) }))
@ObjectType({ description: "A borrower of one lender. Only the loans subgraph stores borrower PII." })
export class Borrower {
  @Policy(P.public)
  @Field(() => ID)
  id: string;

  lenderId: string;

  @Policy(P.borrowerName)
  @Field(() => String, { nullable: true })
  fullName: string | null;

  @Policy(P.sensitive)
  @Field(() => String, { nullable: true, description: "National identity number." })
  nationalId: string | null;

  @Policy(P.sensitive)
  @Field(() => LocalDate, { nullable: true })
  dateOfBirth: string | null;

  @Policy(P.phone)
  @Field(() => String, { nullable: true, description: "E.164 phone number." })
  phone: string | null;

  @Policy(P.email)
  @Field(() => String, { nullable: true })
  email: string | null;

  @Policy(P.address)
  @Field(() => String, { nullable: true, description: "Postal address, one line." })
  address: string | null;

  @Policy(P.sensitive)
  @Field(() => String, { nullable: true })
  employer: string | null;

  @Policy(P.sensitive)
  @Field(() => Money, { nullable: true })
  monthlyIncome: Money | null;

  @Policy(P.borrowerProfile)
  @Field(() => String, { nullable: true, description: "IANA time zone the borrower lives in; contact hours follow it." })
  timezone: string | null;

  @Policy(P.borrowerProfile)
  @Field(() => String, { nullable: true, description: "BCP 47 language tag." })
  preferredLanguage: string | null;

  @Policy(P.vulnerability)
  @Field(() => Boolean, { nullable: true, description: "The borrower is in a vulnerable situation and must be handled with care." })
  vulnerable: boolean | null;
}

export function borrowerFromRow(r: Record<string, any>): Borrower {
  return Object.assign(new Borrower(), {
    id: r.id,
    lenderId: r.lender_id,
    fullName: r.full_name,
    nationalId: r.national_id,
    dateOfBirth: r.date_of_birth,
    phone: r.phone,
    email: r.email,
    address: r.address,
    employer: r.employer,
    monthlyIncome: r.monthly_income_minor == null ? null : Money.of(r.monthly_income_minor, r.income_currency.trim()),
    timezone: r.timezone,
    preferredLanguage: r.preferred_language,
    vulnerable: r.vulnerable,
  });
}
