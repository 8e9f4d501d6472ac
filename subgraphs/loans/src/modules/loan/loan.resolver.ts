import { Arg, Ctx, FieldResolver, ID, Query, Resolver, Root } from "type-graphql";
import { NeedsScope, Policy, Rows, visibleOrNotFound, visibleRows } from "@concord/service-kit";
import { heldOnce } from "../../access/known";
import { P } from "../../access/policies";
import type { LoansContext } from "../../context";
import { Lender } from "../lender/lender.type";
import { Borrower } from "../borrower/borrower.type";
import { Installment } from "../installment/installment.type";
import { Payment } from "../payment/payment.type";
import { CollectionCase } from "../collection-case/collection-case.type";
import { Loan } from "./loan.type";

const CLOSED = new Set(["RESOLVED", "WRITTEN_OFF"]);

@Resolver(() => Loan)
export class LoanResolver {
  @NeedsScope("loans:read")
  @Policy(P.public, "Query")
  @Query(() => Loan, { nullable: true, description: "One loan; NOT_FOUND unless the caller may see it." })
  async loan(@Ctx() ctx: LoansContext, @Arg("id", () => ID) id: string): Promise<Loan> {
    const found = await ctx.loaders.loan.load(id);
    const cases = async () => (await ctx.loaders.casesByLoan.load(found!.id)).map((c) => c.id);
    return visibleOrNotFound(ctx, P.caseStatus, "Loan", id, found, "loan", { known: heldOnce(ctx, cases) });
  }

  @Policy(P.caseStatus)
  @FieldResolver(() => Lender, { nullable: true })
  lender(@Root() loan: Loan, @Ctx() ctx: LoansContext) {
    return ctx.loaders.lender.load(loan.lenderId);
  }

  @Policy(P.caseStatus)
  @FieldResolver(() => Borrower, { nullable: true })
  borrower(@Root() loan: Loan, @Ctx() ctx: LoansContext) {
    return ctx.loaders.borrower.load(loan.borrowerId);
  }

  @Policy(P.portfolioFigures)
  @Rows(P.portfolioFigures)
  @FieldResolver(() => [Installment], { nullable: true, description: "The repayment schedule in order." })
  installments(@Root() loan: Loan, @Ctx() ctx: LoansContext) {
    return ctx.loaders.installmentsByLoan.load(loan.id);
  }

  @Policy(P.portfolioFigures)
  @Rows(P.portfolioFigures)
  @FieldResolver(() => [Payment], { nullable: true, description: "Payments received, oldest first." })
  payments(@Root() loan: Loan, @Ctx() ctx: LoansContext) {
    return ctx.loaders.paymentsByLoan.load(loan.id);
  }

  @Policy(P.caseStatus)
  @FieldResolver(() => CollectionCase, { nullable: true, description: "The open collection case, if the loan is delinquent." })
  async collectionCase(@Root() loan: Loan, @Ctx() ctx: LoansContext): Promise<CollectionCase | null> {
    const open = (await ctx.loaders.casesByLoan.load(loan.id)).find((c) => !CLOSED.has(c.status));
    // Shown as a row of collectionCases would be: only a case the caller may see.
    return open ? ((await visibleRows(ctx, P.caseStatus, "CollectionCase", [open]))[0] ?? null) : null;
  }

  @Policy(P.caseStatus)
  @Rows(P.caseStatus)
  @FieldResolver(() => [CollectionCase], { nullable: true, description: "Every case the loan has had, oldest first." })
  collectionCases(@Root() loan: Loan, @Ctx() ctx: LoansContext) {
    return ctx.loaders.casesByLoan.load(loan.id);
  }
}
