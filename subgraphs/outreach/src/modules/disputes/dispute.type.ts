import { Field, ID, ObjectType, registerEnumType } from "type-graphql";
import { DateTimeISOResolver } from "graphql-scalars";
import { Policy, Scope } from "@concord/service-kit";
import { P } from "../../access/policies";

export enum DisputeStatus {
  OPEN = "OPEN",
  UPHELD = "UPHELD",
  REJECTED = "REJECTED",
  VERIFIED = "VERIFIED",
}
registerEnumType(DisputeStatus, {
  name: "DisputeStatus",
  description: "OPEN until the lender resolves it: UPHELD (the borrower was right), REJECTED, or VERIFIED (the debt was verified to the borrower).",
});

export enum DisputeResolution {
  UPHELD = "UPHELD",
  REJECTED = "REJECTED",
  VERIFIED = "VERIFIED",
}
registerEnumType(DisputeResolution, { name: "DisputeResolution", description: "How the lender resolves a dispute (resolveDispute)." });

@Scope<Dispute>("protections:read", (d) => ({ lenderId: d.lenderId, borrowerId: d.borrowerId, caseIds: async () => [d.caseId] }))
@ObjectType({ description: "A borrower's dispute of a case's debt. While it is OPEN, collection contact on the case is held on every channel." })
export class Dispute {
  @Policy(P.public)
  @Field(() => ID)
  id: string;

  lenderId: string;
  borrowerId: string | null;

  @Policy(P.disputeStatus)
  @Field(() => ID, { nullable: true })
  caseId: string;

  @Policy(P.disputeStatus)
  @Field(() => DisputeStatus, { nullable: true })
  status: DisputeStatus;

  @Policy(P.disputeStatus)
  @Field(() => DateTimeISOResolver, { nullable: true })
  raisedAt: Date;

  @Policy(P.disputeStatus)
  @Field(() => String, { nullable: true, description: "borrower, lender (one received in writing) or agency (from a reported activity)." })
  raisedByRole: string;

  @Policy(P.disputeStatus)
  @Field(() => DateTimeISOResolver, { nullable: true, description: "Null while OPEN." })
  resolvedAt: Date | null;

  @Policy(P.disputeDetail)
  @Field(() => String, { nullable: true, description: "The borrower's reason, as given (free text: the borrower and the lender only); null for one a reported contact opened." })
  reason: string | null;

  @Policy(P.disputeDetail)
  @Field(() => String, { nullable: true, description: "The lender's note on its resolution (the borrower and the lender only)." })
  resolutionNote: string | null;
}

export const disputeFromRow = (r: Record<string, any>): Dispute =>
  Object.assign(new Dispute(), {
    id: r.id,
    lenderId: r.lender_id,
    borrowerId: r.borrower_id,
    caseId: r.case_id,
    status: r.status,
    raisedAt: new Date(r.raised_at),
    raisedByRole: r.raised_by_role,
    resolvedAt: r.resolved_at ? new Date(r.resolved_at) : null,
    reason: r.reason,
    resolutionNote: r.resolution_note,
  });
