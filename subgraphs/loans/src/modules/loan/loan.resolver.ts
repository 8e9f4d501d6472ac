import { Arg, Ctx, FieldResolver, ID, Query, Resolver, Root } from "type-graphql";
import { NeedsScope, notFound, Policy, visibleOrForbidden } from "@concord/service-kit";
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
  @Query(() => Loan, { nullable: true, description: "One loan; FORBIDDEN when it is not the caller's to see." })
  async loan(@Ctx() ctx: LoansContext, @Arg("id", () => ID) id: string): Promise<Loan> {
    const found = await ctx.loaders.loan.load(id);
    if (!found) throw notFound("Loan", id);
    return visibleOrForbidden(ctx, P.caseStatus, "Loan", found, "loan");
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
  @FieldResolver(() => [Installment], { nullable: true, description: "The repayment schedule in order." })
  installments(@Root() loan: Loan, @Ctx() ctx: LoansContext) {
    return ctx.loaders.installmentsByLoan.load(loan.id);
  }

  @Policy(P.portfolioFigures)
  @FieldResolver(() => [Payment], { nullable: true, description: "Payments received, oldest first." })
  payments(@Root() loan: Loan, @Ctx() ctx: LoansContext) {
    return ctx.loaders.paymentsByLoan.load(loan.id);
  }

  @Policy(P.caseStatus)
  @FieldResolver(() => CollectionCase, { nullable: true, description: "The open collection case, if the loan is delinquent." })
  async collectionCase(@Root() loan: Loan, @Ctx() ctx: LoansContext): Promise<CollectionCase | null> {
    const cases = await ctx.loaders.casesByLoan.load(loan.id);
    return cases.find((c) => !CLOSED.has(c.status)) ?? null;
  }

  @Policy(P.caseStatus)
  @FieldResolver(() => [CollectionCase], { nullable: true, description: "Every case the loan has had, oldest first." })
  collectionCases(@Root() loan: Loan, @Ctx() ctx: LoansContext) {
    return ctx.loaders.casesByLoan.load(loan.id);
  }
}
