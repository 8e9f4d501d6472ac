import { Field, ID, InputType, Int, ObjectType } from "type-graphql";
import { DateTimeISOResolver } from "graphql-scalars";
import { Policy } from "@concord/service-kit";
import { P } from "../../access/policies";
import { Placement } from "./placement.type";

@InputType({ description: "Place a case with an agency, on terms, until expiresAt." })
export class PlaceCaseInput {
  @Field(() => ID)
  caseId: string;

  @Field(() => ID)
  agencyId: string;

  @Field(() => DateTimeISOResolver)
  expiresAt: Date;

  @Field(() => Int, { description: "Commission in basis points (1500 = 15%)." })
  commissionBps: number;

  @Field(() => Int, { description: "Largest discount the agency may offer alone, in basis points." })
  maxDiscountBps: number;

  @Field(() => Int, { description: "Most instalments the agency may offer alone." })
  maxInstalments: number;
}

@ObjectType()
export class PlacementEdge {
  @Policy(P.public)
  @Field(() => String)
  cursor: string;

  @Policy(P.public)
  @Field(() => Placement)
  node: Placement;
}

@ObjectType()
export class PlacementPageInfo {
  @Policy(P.public)
  @Field(() => Boolean)
  hasNextPage: boolean;

  @Policy(P.public)
  @Field(() => String, { nullable: true })
  endCursor: string | null;
}

@ObjectType({ description: "A page of placements, in keyset order." })
export class PlacementConnection {
  @Policy(P.public)
  @Field(() => [PlacementEdge])
  edges: PlacementEdge[];

  @Policy(P.public)
  @Field(() => PlacementPageInfo)
  pageInfo: PlacementPageInfo;
}
