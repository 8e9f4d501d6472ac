import { Field, InputType, Int, ObjectType } from "type-graphql";
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
  @Field(() => String)
  cursor: string;

  @Field(() => CollectionCase)
  node: CollectionCase;
}

@ObjectType()
export class PageInfo {
  @Field(() => Boolean)
  hasNextPage: boolean;

  @Field(() => String, { nullable: true })
  endCursor: string | null;
}

@ObjectType({ description: "A page of cases, in keyset order." })
export class CaseConnection {
  @Field(() => [CaseEdge])
  edges: CaseEdge[];

  @Field(() => PageInfo)
  pageInfo: PageInfo;

  /** Counted only when asked for; see the connection resolver. */
  filter: CaseFilter | undefined;
}

@ObjectType({ description: "What a delinquency refresh changed." })
export class RefreshDelinquencyResult {
  @Field(() => Int)
  casesOpened: number;

  @Field(() => Int)
  casesUpdated: number;

  @Field(() => Int)
  casesResolved: number;

  @Field(() => Int, { description: "Loans looked at whose case needed no change." })
  unchanged: number;
}
