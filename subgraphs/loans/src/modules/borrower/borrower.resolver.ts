import { Arg, Ctx, FieldResolver, ID, Query, Resolver, Root } from "type-graphql";
import { notFound } from "@concord/service-kit";
import type { LoansContext } from "../../context";
import { Lender } from "../lender/lender.type";
import { Loan } from "../loan/loan.type";
import { Borrower } from "./borrower.type";

@Resolver(() => Borrower)
export class BorrowerResolver {
  @Query(() => Borrower, { nullable: true })
  async borrower(@Ctx() ctx: LoansContext, @Arg("id", () => ID) id: string): Promise<Borrower> {
    const found = await ctx.loaders.borrower.load(id);
    if (!found) throw notFound("Borrower", id);
    return found;
  }

  @FieldResolver(() => Lender)
  lender(@Root() b: Borrower, @Ctx() ctx: LoansContext) {
    return ctx.loaders.lender.load(b.lenderId);
  }

  @FieldResolver(() => [Loan])
  loans(@Root() b: Borrower, @Ctx() ctx: LoansContext) {
    return ctx.loaders.loansByBorrower.load(b.id);
  }
}
