import type { DataSource } from "typeorm";
import { Ctx, Field, FieldResolver, Int, ObjectType, Query, Resolver, Root } from "type-graphql";
import { CASE_STATUSES, type Principal } from "@concord/schema";
import { isUuid, Money, NeedsScope, Policy, Rows, Scope } from "@concord/service-kit";
import { P } from "../../access/policies";
import type { LoansContext } from "../../context";
import { Lender } from "../lender/lender.type";
import { CaseStatus, DelinquencyBucket } from "../collection-case/collection-case.type";
import { BUCKETS } from "../collection-case/delinquency";

/**
 * Fewer cases than this in a row of an auditor's report, and its sums are withheld: the sum of
 * one or two cases is those cases' figures, which auditors see only in aggregate.
 */
export const MIN_CASES_FOR_SUMS = 3;

@Scope<CaseReportRow>("reports:read", (r) => ({ lenderId: r.lenderId }))
@ObjectType({ description: "The cases of one lender in one status and bucket (and currency): how many, and their sums." })
export class CaseReportRow {
  lenderId: string;

  @Policy(P.portfolioAggregates)
  @Field(() => CaseStatus, { nullable: true })
  status: CaseStatus;

  @Policy(P.portfolioAggregates)
  @Field(() => DelinquencyBucket, { nullable: true, description: "Null for cases with nothing overdue (resolved ones)." })
  bucket: DelinquencyBucket | null;

  @Policy(P.portfolioAggregates)
  @Field(() => String, { nullable: true, description: "ISO 4217 currency of the sums." })
  currency: string;

  @Policy(P.portfolioAggregates)
  @Field(() => Int, { nullable: true })
  cases: number;

  @Policy(P.portfolioAggregates)
  @Field(() => Money, { nullable: true, description: `Their amounts overdue, summed; null for an auditor when the row holds fewer than ${MIN_CASES_FOR_SUMS} cases.` })
  amountOverdue: Money | null;

  @Policy(P.portfolioAggregates)
  @Field(() => Money, { nullable: true, description: `Their outstanding balances, summed; null for an auditor when the row holds fewer than ${MIN_CASES_FOR_SUMS} cases.` })
  outstandingBalance: Money | null;

  @Policy(P.portfolioAggregates)
  @Field(() => Boolean, { nullable: true, description: "True when the sums are withheld (too few cases to show them to an auditor)." })
  sumsWithheld: boolean;
}

/**
 * Cases by lender, status, bucket and currency: counts and sums, never a case. An auditor gets
 * every lender's rows (sums withheld below MIN_CASES_FOR_SUMS), a lender its own.
 */
export async function caseReport(ds: DataSource, principal: Principal): Promise<CaseReportRow[]> {
  if (principal.role !== "auditor" && !(principal.role === "lender" && isUuid(principal.lenderId ?? ""))) return [];
  const params: unknown[] = [[...CASE_STATUSES], [...BUCKETS]];
  const own = principal.role === "lender" ? `WHERE lender_id = $${params.push(principal.lenderId)}` : "";
  const rows: Array<Record<string, any>> = await ds.query(
    `SELECT lender_id, status, bucket, currency, count(*)::int AS cases,
            sum(amount_overdue_minor)::text AS overdue, sum(outstanding_balance_minor)::text AS outstanding
       FROM collection_case ${own}
      GROUP BY lender_id, status, bucket, currency
      ORDER BY lender_id, array_position($1::text[], status), array_position($2::text[], bucket) NULLS LAST, currency`,
    params,
  );
  return rows.map((r) => {
    const currency = String(r.currency).trim();
    const withheld = principal.role === "auditor" && r.cases < MIN_CASES_FOR_SUMS;
    return Object.assign(new CaseReportRow(), {
      lenderId: r.lender_id,
      status: r.status,
      bucket: r.bucket,
      currency,
      cases: r.cases,
      amountOverdue: withheld ? null : Money.of(r.overdue, currency),
      outstandingBalance: withheld ? null : Money.of(r.outstanding, currency),
      sumsWithheld: withheld,
    });
  });
}

@Resolver(() => CaseReportRow)
export class CaseReportResolver {
  @NeedsScope("reports:read")
  @Policy(P.portfolioReport, "Query")
  @Rows(P.portfolioAggregates, "Query")
  @Query(() => [CaseReportRow], {
    nullable: true,
    description: "Cases by lender, status and bucket: counts and sums only. Every lender's for an auditor (the aggregates DESIGN promises them), a lender its own.",
  })
  async caseReport(@Ctx() ctx: LoansContext): Promise<CaseReportRow[]> {
    return caseReport(ctx.ds, ctx.principal);
  }

  @Policy(P.portfolioAggregates, "CaseReportRow")
  @FieldResolver(() => Lender, { nullable: true })
  async lender(@Root() r: CaseReportRow, @Ctx() ctx: LoansContext): Promise<Lender | null> {
    return ctx.loaders.lender.load(r.lenderId);
  }
}
