import { Arg, Ctx, FieldResolver, ID, Query, Resolver, Root } from "type-graphql";
import { notFound } from "@concord/service-kit";
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
  @Query(() => Loan, { nullable: true })
  async loan(@Ctx() ctx: LoansContext, @Arg("id", () => ID) id: string): Promise<Loan> {
    const found = await ctx.loaders.loan.load(id);
    if (!found) throw notFound("Loan", id);
    return found;
  }

  @FieldResolver(() => Lender)
  lender(@Root() loan: Loan, @Ctx() ctx: LoansContext) {
    return ctx.loaders.lender.load(loan.lenderId);
  }

  @FieldResolver(() => Borrower, { nullable: true })
  borrower(@Root() loan: Loan, @Ctx() ctx: LoansContext) {
    return ctx.loaders.borrower.load(loan.borrowerId);
  }

  @FieldResolver(() => [Installment], { description: "The repayment schedule in order." })
  installments(@Root() loan: Loan, @Ctx() ctx: LoansContext) {
    return ctx.loaders.installmentsByLoan.load(loan.id);
  }

  @FieldResolver(() => [Payment], { description: "Payments received, oldest first." })
  payments(@Root() loan: Loan, @Ctx() ctx: LoansContext) {
    return ctx.loaders.paymentsByLoan.load(loan.id);
  }

  @FieldResolver(() => CollectionCase, { nullable: true, description: "The open collection case, if the loan is delinquent." })
  async collectionCase(@Root() loan: Loan, @Ctx() ctx: LoansContext): Promise<CollectionCase | null> {
    const cases = await ctx.loaders.casesByLoan.load(loan.id);
    return cases.find((c) => !CLOSED.has(c.status)) ?? null;
  }

  @FieldResolver(() => [CollectionCase], { description: "Every case the loan has had, oldest first." })
  collectionCases(@Root() loan: Loan, @Ctx() ctx: LoansContext) {
    return ctx.loaders.casesByLoan.load(loan.id);
  }
}
