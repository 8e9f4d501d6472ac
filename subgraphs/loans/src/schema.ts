import type { GraphQLSchema } from "graphql";
import { buildFederatedSchema } from "@concord/service-kit";
import type { LoansContext } from "./context";
import { CollectionCaseResolver, CaseConnectionResolver } from "./modules/collection-case/collection-case.resolver";
import { LoanResolver } from "./modules/loan/loan.resolver";
import { BorrowerResolver } from "./modules/borrower/borrower.resolver";
import { PaymentResolver } from "./modules/payment/payment.resolver";
import { Lender } from "./modules/lender/lender.type";
import { AuditResolver } from "./modules/audit/audit.resolver";
import { auditTrail } from "./modules/audit/audit.type";
import { RevealContactResolver } from "./modules/contact/reveal-contact";
import { CaseUpdateResolver } from "./modules/collection-case/case-update";
import { CaseReportResolver } from "./modules/report/case-report";

type Ref = { id: string };

/** The loans subgraph schema: type-graphql resolvers plus entity references for federation. */
export function buildLoansSchema(): Promise<GraphQLSchema> {
  return buildFederatedSchema(
    {
      resolvers: [
        CollectionCaseResolver,
        CaseConnectionResolver,
        LoanResolver,
        BorrowerResolver,
        PaymentResolver,
        AuditResolver,
        RevealContactResolver,
        CaseUpdateResolver,
        CaseReportResolver,
        ...auditTrail.resolvers,
      ],
      orphanedTypes: [Lender],
    },
    {
      Lender: { __resolveReference: (ref: Ref, ctx: LoansContext) => ctx.loaders.lender.load(ref.id) },
      Borrower: { __resolveReference: (ref: Ref, ctx: LoansContext) => ctx.loaders.borrower.load(ref.id) },
      Loan: { __resolveReference: (ref: Ref, ctx: LoansContext) => ctx.loaders.loan.load(ref.id) },
      CollectionCase: { __resolveReference: (ref: Ref, ctx: LoansContext) => ctx.loaders.collectionCase.load(ref.id) },
      ...auditTrail.references,
    },
  );
}
