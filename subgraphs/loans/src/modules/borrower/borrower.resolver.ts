import { Arg, Ctx, FieldResolver, ID, Query, Resolver, Root } from "type-graphql";
import { NeedsScope, Policy, Rows, visibleOrNotFound } from "@concord/service-kit";
import { heldOnce } from "../../access/known";
import { P } from "../../access/policies";
import type { LoansContext } from "../../context";
import { Lender } from "../lender/lender.type";
import { Loan } from "../loan/loan.type";
import { Borrower } from "./borrower.type";

@Resolver(() => Borrower)
export class BorrowerResolver {
  @NeedsScope("borrowers:read")
  @Policy(P.public, "Query")
  @Query(() => Borrower, { nullable: true, description: "One borrower; NOT_FOUND unless the caller may see it." })
  async borrower(@Ctx() ctx: LoansContext, @Arg("id", () => ID) id: string): Promise<Borrower> {
    const found = await ctx.loaders.borrower.load(id);
    const cases = async () => (await ctx.loaders.casesByBorrower.load(found!.id)).map((c) => c.id);
    return visibleOrNotFound(ctx, P.borrowerProfile, "Borrower", id, found, "borrower", { known: heldOnce(ctx, cases) });
  }

  @Policy(P.borrowerProfile)
  @FieldResolver(() => Lender, { nullable: true })
  lender(@Root() b: Borrower, @Ctx() ctx: LoansContext) {
    return ctx.loaders.lender.load(b.lenderId);
  }

  @Policy(P.borrowerProfile)
  @Rows(P.caseStatus)
  @FieldResolver(() => [Loan], { nullable: true })
  loans(@Root() b: Borrower, @Ctx() ctx: LoansContext) {
    return ctx.loaders.loansByBorrower.load(b.id);
  }
}
