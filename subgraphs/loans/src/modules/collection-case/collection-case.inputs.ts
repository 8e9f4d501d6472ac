import { Field, InputType, Int, ObjectType } from "type-graphql";
import { Policy } from "@concord/service-kit";
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
}

@ObjectType()
export class CaseEdge {
  @Policy(P.public)
  @Field(() => String)
  cursor: string;

  @Policy(P.public)
  @Field(() => CollectionCase)
  node: CollectionCase;
}

@ObjectType()
export class PageInfo {
  @Policy(P.public)
  @Field(() => Boolean)
  hasNextPage: boolean;

  @Policy(P.public)
  @Field(() => String, { nullable: true })
  endCursor: string | null;
}

@ObjectType({ description: "A page of cases, in keyset order." })
export class CaseConnection {
  @Policy(P.public)
  @Field(() => [CaseEdge])
  edges: CaseEdge[];

  @Policy(P.public)
  @Field(() => PageInfo)
  pageInfo: PageInfo;

  /** Counted only when asked for; see the connection resolver. */
  filter: CaseFilter | undefined;
}

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
