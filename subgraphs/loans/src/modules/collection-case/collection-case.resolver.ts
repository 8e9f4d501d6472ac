import { Arg, Args, Ctx, FieldResolver, ID, Int, Mutation, Query, Resolver, Root } from "type-graphql";
import { LocalDate, NeedsScope, PageArgs, Policy, Rows, visibleOrNotFound } from "@concord/service-kit";
import { heldOnce } from "../../access/known";
import { P } from "../../access/policies";
import type { LoansContext } from "../../context";
import { Lender } from "../lender/lender.type";
import { Loan } from "../loan/loan.type";
import { Borrower } from "../borrower/borrower.type";
import { CaseEvent, CollectionCase } from "./collection-case.type";
import { CaseConnection, CaseFilter, RefreshDelinquencyResult } from "./collection-case.inputs";
import { countCases, listCases } from "./collection-case.repository";
import { refreshDelinquency } from "./collection-case.service";

@Resolver(() => CollectionCase)
export class CollectionCaseResolver {
  @NeedsScope("cases:read")
  @Policy(P.public, "Query")
  @Query(() => CaseConnection, { description: "The collection cases the caller may see, a page at a time (keyset pagination)." })
  async collectionCases(
    @Ctx() ctx: LoansContext,
    @Args(() => PageArgs) { first, after }: PageArgs,
    @Arg("filter", () => CaseFilter, { nullable: true }) filter?: CaseFilter,
  ): Promise<CaseConnection> {
    const page = await listCases(ctx.ds, ctx.principal, { first, after, filter }, ctx.clock.now());
    for (const { node } of page.edges) ctx.loaders.collectionCase.prime(node.id, node);
    return Object.assign(new CaseConnection(), page, { filter });
  }

  @NeedsScope("cases:read")
  @Policy(P.public, "Query")
  @Query(() => CollectionCase, { nullable: true, description: "One case; NOT_FOUND unless the caller may see it." })
  async collectionCase(@Ctx() ctx: LoansContext, @Arg("id", () => ID) id: string): Promise<CollectionCase> {
    const found = await ctx.loaders.collectionCase.load(id);
    return visibleOrNotFound(ctx, P.caseStatus, "CollectionCase", id, found, "collectionCase", { known: heldOnce(ctx, () => [found!.id]) });
  }

  @NeedsScope("cases:write")
  @Policy(P.lenderOperation, "Mutation")
  @Mutation(() => RefreshDelinquencyResult, {
    description:
      "Brings every case up to date for a business date (each lender's today when omitted): opens cases for newly overdue loans, moves days past due and buckets, resolves cases with nothing overdue. Running it twice for the same date changes nothing.",
  })
  async refreshDelinquency(
    @Ctx() ctx: LoansContext,
    @Arg("asOf", () => LocalDate, { nullable: true }) asOf?: string,
  ): Promise<RefreshDelinquencyResult> {
    return Object.assign(
      new RefreshDelinquencyResult(),
      await refreshDelinquency(ctx.ds, ctx.clock, asOf ?? undefined, ctx.requestId, ctx.principal.lenderId),
    );
  }

  @Policy(P.caseStatus)
  @FieldResolver(() => Lender, { nullable: true })
  async lender(@Root() c: CollectionCase, @Ctx() ctx: LoansContext): Promise<Lender | null> {
    return ctx.loaders.lender.load(c.lenderId);
  }

  @Policy(P.caseStatus)
  @FieldResolver(() => Loan, { nullable: true })
  async loan(@Root() c: CollectionCase, @Ctx() ctx: LoansContext): Promise<Loan | null> {
    return ctx.loaders.loan.load(c.loanId);
  }

  @Policy(P.caseStatus)
  @FieldResolver(() => Borrower, { nullable: true })
  async borrower(@Root() c: CollectionCase, @Ctx() ctx: LoansContext): Promise<Borrower | null> {
    return ctx.loaders.borrower.load(c.borrowerId);
  }

  @Policy(P.historyOutline)
  @Rows(P.historyOutline)
  @FieldResolver(() => [CaseEvent], { nullable: true, description: "Every recorded change, oldest first." })
  async history(@Root() c: CollectionCase, @Ctx() ctx: LoansContext): Promise<CaseEvent[]> {
    return ctx.loaders.historyByCase.load(c.id);
  }
}

@Resolver(() => CaseConnection)
export class CaseConnectionResolver {
  @Policy(P.public)
  @FieldResolver(() => Int, { description: "Cases matching the filter, across all pages (one count query, only when asked)." })
  async totalCount(@Root() conn: CaseConnection, @Ctx() ctx: LoansContext): Promise<number> {
    return countCases(ctx.ds, ctx.principal, conn.filter, ctx.clock.now());
  }
}

