import { Field, ID, InputType, Int, ObjectType } from "type-graphql";
import { connectionType, Policy } from "@concord/service-kit";
import { P } from "../../access/policies";
import { CaseStatus, CollectionCase, DelinquencyBucket } from "./collection-case.type";

@InputType({ description: "Narrows a list of cases; every given condition must hold." })
export class CaseFilter {
  @Field(() => CaseStatus, { nullable: true })
  status?: CaseStatus;

  @Field(() => DelinquencyBucket, { nullable: true })
  bucket?: DelinquencyBucket;

  @Field(() => Int, { nullable: true })
  minDaysPastDue?: number;

  @Field(() => Int, { nullable: true })
  maxDaysPastDue?: number;

  @Field(() => Boolean, {
    nullable: true,
    description:
      "Lenders only: true for the cases an agency holds now (an ACTIVE placement, not past its expiry), false for the others. Read at the request's instant, so a placement past its expiry counts as ended even while `status` still says PLACED (until the expiry's PlacementEnded arrives).",
  })
  placed?: boolean;

  @Field(() => ID, { nullable: true, description: "Lenders only: the cases this agency holds now (implies placed: true)." })
  agencyId?: string;
}

/** A page of cases; `filter` stays on it for `totalCount`, counted only when asked for. */
export const CaseConnection = connectionType<CollectionCase, { filter: CaseFilter }>(CollectionCase, {
  name: "CaseConnection",
  description: "A page of cases, in keyset order.",
});
export type CaseConnection = InstanceType<typeof CaseConnection>;

@ObjectType({ description: "What a delinquency refresh changed." })
export class RefreshDelinquencyResult {
  @Policy(P.public)
  @Field(() => Int)
  casesOpened: number;

  @Policy(P.public)
  @Field(() => Int)
  casesUpdated: number;

  @Policy(P.public)
  @Field(() => Int)
  casesResolved: number;

  @Policy(P.public)
  @Field(() => Int, { description: "Loans looked at whose case needed no change." })
  unchanged: number;
}
