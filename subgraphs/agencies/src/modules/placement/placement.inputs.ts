import { Field, ID, InputType, Int } from "type-graphql";
import { DateTimeISOResolver } from "graphql-scalars";
import { connectionType, pageInfoType } from "@concord/service-kit";
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

/** Kept under its published name (clients may name it in fragments); new connections use the kit's PageInfo. */
const PlacementPageInfo = pageInfoType("PlacementPageInfo");

export const PlacementConnection = connectionType(Placement, {
  name: "PlacementConnection",
  description: "A page of placements, in keyset order.",
  pageInfo: PlacementPageInfo,
});
export type PlacementConnection = InstanceType<typeof PlacementConnection>;
