import { Arg, Ctx, FieldResolver, Mutation, Resolver, Root } from "type-graphql";
import { NeedsScope, Policy } from "@concord/service-kit";
import { P } from "../../access/policies";
import type { LoansContext } from "../../context";
import { Loan } from "../loan/loan.type";
import { Payment } from "./payment.type";
import { RecordPaymentInput, RecordPaymentPayload } from "./payment.inputs";
import { recordPayment } from "./payment.service";

const CLOSED = new Set(["RESOLVED", "WRITTEN_OFF"]);

@Resolver(() => Payment)
export class PaymentResolver {
  @NeedsScope("payments:write")
  @Policy(P.lenderOperation, "Mutation")
  @Mutation(() => RecordPaymentPayload, {
    description: "Records a payment and allocates it to the oldest installments; idempotent on (lender, externalReference).",
  })
  async recordPayment(
    @Ctx() ctx: LoansContext,
    @Arg("input", () => RecordPaymentInput) input: RecordPaymentInput,
  ): Promise<RecordPaymentPayload> {
    const result = await recordPayment(ctx.ds, ctx.clock, input, ctx.principal, ctx.requestId);
    const loan = (await ctx.loaders.loan.load(result.loanId))!;
    let collectionCase = result.caseId ? await ctx.loaders.collectionCase.load(result.caseId) : null;
    if (!collectionCase) {
      // On a replay (or a loan with no case) show the loan's latest case as it stands.
      const cases = await ctx.loaders.casesByLoan.load(result.loanId);
      collectionCase = cases.find((c) => !CLOSED.has(c.status)) ?? cases.at(-1) ?? null;
    }
    return Object.assign(new RecordPaymentPayload(), { payment: result.payment, replayed: result.replayed, loan, collectionCase });
  }

  @Policy(P.portfolioFigures)
  @FieldResolver(() => Loan, { nullable: true })
  loan(@Root() p: Payment, @Ctx() ctx: LoansContext) {
    return ctx.loaders.loan.load(p.loanId);
  }
}
