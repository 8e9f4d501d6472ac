import { Arg, Ctx, FieldResolver, ID, Query, Resolver, Root } from "type-graphql";
import { NeedsScope, notFound, Policy, visibleOrForbidden } from "@concord/service-kit";
import { P } from "../../access/policies";
import type { LoansContext } from "../../context";
import { Lender } from "../lender/lender.type";
import { Loan } from "../loan/loan.type";
import { Borrower } from "./borrower.type";

@Resolver(() => Borrower)
export class BorrowerResolver {
  @NeedsScope("borrowers:read")
  @Policy(P.public, "Query")
  @Query(() => Borrower, { nullable: true, description: "One borrower; FORBIDDEN when it is not the caller's to see." })
  async borrower(@Ctx() ctx: LoansContext, @Arg("id", () => ID) id: string): Promise<Borrower> {
    const found = await ctx.loaders.borrower.load(id);
    if (!found) throw notFound("Borrower", id);
    return visibleOrForbidden(ctx, P.borrowerProfile, "Borrower", found, "borrower");
  }

  @Policy(P.borrowerProfile)
  @FieldResolver(() => Lender, { nullable: true })
  lender(@Root() b: Borrower, @Ctx() ctx: LoansContext) {
    return ctx.loaders.lender.load(b.lenderId);
  }

  @Policy(P.borrowerProfile)
  @FieldResolver(() => [Loan], { nullable: true })
  loans(@Root() b: Borrower, @Ctx() ctx: LoansContext) {
    return ctx.loaders.loansByBorrower.load(b.id);
  }
}
