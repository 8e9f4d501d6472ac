import { Arg, Ctx, Field, ID, InputType, Int, Mutation, ObjectType, Resolver } from "type-graphql";
import { DateTimeISOResolver } from "graphql-scalars";
import { DelinquencyBucket, NeedsScope, Policy, Rows } from "@concord/service-kit";
import { P } from "../../access/policies";
import type { AgenciesContext } from "../../context";
import { allocateCases } from "./allocation";

@InputType({ description: "Which of the lender's open, unplaced cases to allocate, and on what terms." })
export class AllocateCasesInput {
  @Field(() => DelinquencyBucket, { nullable: true, description: "Only this bucket (all buckets when omitted)." })
  bucket?: DelinquencyBucket;

  @Field(() => [String], { nullable: true, description: "Only these regions (towns)." })
  regions?: string[];

  @Field(() => DateTimeISOResolver)
  expiresAt: Date;

  @Field(() => Int)
  commissionBps: number;

  @Field(() => Int)
  maxDiscountBps: number;

  @Field(() => Int)
  maxInstalments: number;
}

@ObjectType()
export class AllocatedCase {
  @Policy(P.public) @Field(() => ID) caseId: string;
  @Policy(P.public) @Field(() => ID) agencyId: string;
  @Policy(P.public) @Field(() => ID) placementId: string;
}

@ObjectType()
export class UnplacedCase {
  @Policy(P.public) @Field(() => ID) caseId: string;
  @Policy(P.public)
  @Field(() => String, { description: "NO_AGENCY_FOR_REGION, CAPACITY_EXHAUSTED or ALREADY_PLACED." })
  reason: string;
}

@ObjectType()
export class AgencyAllocation {
  @Policy(P.public) @Field(() => ID) agencyId: string;
  @Policy(P.public) @Field(() => Int, { description: "Placed by this run." }) placed: number;
  @Policy(P.public) @Field(() => Int, { description: "ACTIVE placements after the run." }) activeAfter: number;
  @Policy(P.public) @Field(() => Int) capacity: number;
}

/** Only the calling lender runs an allocation, over its own cases. */
const OWN_RUN = { selectedBy: "the calling lender's own run (its own cases, and the agencies, public to lenders, it placed them with)" };

@ObjectType({ description: "What an allocation run placed where, and what it could not place and why." })
export class AllocationResult {
  @Policy(P.public) @Rows(OWN_RUN) @Field(() => [AllocatedCase]) placed: AllocatedCase[];
  @Policy(P.public) @Rows(OWN_RUN) @Field(() => [UnplacedCase]) unplaced: UnplacedCase[];
  @Policy(P.public) @Rows(OWN_RUN) @Field(() => [AgencyAllocation]) byAgency: AgencyAllocation[];
}

@Resolver()
export class AllocationResolver {
  @NeedsScope("placements:write")
  @Policy(P.placementOperation, "Mutation")
  @Mutation(() => AllocationResult, {
    nullable: true,
    description: "Places the lender's open unplaced cases across the active agencies by region and remaining capacity: deterministic, balanced, never past capacity.",
  })
  async allocateCases(@Ctx() ctx: AgenciesContext, @Arg("input", () => AllocateCasesInput) input: AllocateCasesInput): Promise<AllocationResult> {
    return Object.assign(new AllocationResult(), await allocateCases(ctx.ds, ctx.clock, ctx.principal, input, ctx.requestId));
  }
}
