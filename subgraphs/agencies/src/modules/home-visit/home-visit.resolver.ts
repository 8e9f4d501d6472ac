import { Arg, Args, Ctx, Field, ID, InputType, Mutation, ObjectType, Query, Resolver, registerEnumType } from "type-graphql";
import { DateTimeISOResolver } from "graphql-scalars";
import { connectionType, isUuid, NeedsScope, PageArgs, Policy, Scope, visibleOrNotFound } from "@concord/service-kit";
import { P } from "../../access/policies";
import type { AgenciesContext } from "../../context";
import { cancelHomeVisit, completeHomeVisit, confirmHomeVisit, decideHomeVisit, requestHomeVisit } from "./home-visit.service";
import { listHomeVisits } from "./home-visit.repository";

export enum HomeVisitStatus {
  REQUESTED = "REQUESTED",
  APPROVED = "APPROVED",
  REJECTED = "REJECTED",
  SCHEDULED = "SCHEDULED",
  COMPLETED = "COMPLETED",
  CANCELLED = "CANCELLED",
}
registerEnumType(HomeVisitStatus, { name: "HomeVisitStatus" });

@Scope<HomeVisitRequest>("visits:read", (v) => ({ lenderId: v.lenderId, agencyId: v.agencyId, caseIds: async () => [v.caseId] }))
@ObjectType({ description: "A home visit: requested by an agent, approved by the lender, confirmed with the borrower, reported." })
export class HomeVisitRequest {
  @Policy(P.public) @Field(() => ID) id: string;
  lenderId: string;
  agencyId: string;
  @Policy(P.visitDetails) @Field(() => ID, { nullable: true }) caseId: string;
  @Policy(P.visitDetails) @Field(() => ID, { nullable: true }) agentId: string;
  @Policy(P.visitDetails) @Field(() => String, { nullable: true }) reason: string;
  @Policy(P.visitDetails) @Field(() => DateTimeISOResolver, { nullable: true }) windowStart: Date;
  @Policy(P.visitDetails) @Field(() => DateTimeISOResolver, { nullable: true }) windowEnd: Date;
  @Policy(P.visitDetails) @Field(() => HomeVisitStatus, { nullable: true }) status: HomeVisitStatus;
  @Policy(P.visitDetails) @Field(() => String, { nullable: true }) report: string | null;
  @Policy(P.visitDetails) @Field(() => String, { nullable: true }) recordingReference: string | null;
}

const fromRow = (r: Record<string, any>) =>
  Object.assign(new HomeVisitRequest(), {
    id: r.id, lenderId: r.lender_id, agencyId: r.agency_id, caseId: r.case_id, agentId: r.agent_id, reason: r.reason,
    windowStart: new Date(r.window_start), windowEnd: new Date(r.window_end), status: r.status, report: r.report,
    recordingReference: r.recording_reference,
  });

@InputType({ description: "Narrows a list of home visits; every given condition must hold." })
export class HomeVisitFilter {
  @Field(() => HomeVisitStatus, { nullable: true, description: "REQUESTED: the visits waiting for the lender's decision." })
  status?: HomeVisitStatus;
}

export const HomeVisitConnection = connectionType(HomeVisitRequest, {
  name: "HomeVisitConnection",
  description: "A page of home visits, in the order they were requested (keyset pagination).",
});
export type HomeVisitConnection = InstanceType<typeof HomeVisitConnection>;

@InputType({ description: "A visit window inside one day's contact hours (08:00-21:00) in the borrower's time zone." })
export class RequestHomeVisitInput {
  @Field(() => ID) caseId: string;
  @Field(() => ID) agentId: string;
  @Field(() => String) reason: string;
  @Field(() => DateTimeISOResolver, { description: "In the future, at or after 08:00 in the borrower's time zone." }) windowStart: Date;
  @Field(() => DateTimeISOResolver, { description: "After windowStart, by 21:00 of the same day in the borrower's time zone." }) windowEnd: Date;
}

@Resolver(() => HomeVisitRequest)
export class HomeVisitResolver {
  @NeedsScope("visits:read")
  @Policy(P.public, "Query")
  @Query(() => HomeVisitRequest, { nullable: true })
  async homeVisit(@Ctx() ctx: AgenciesContext, @Arg("id", () => ID) id: string): Promise<HomeVisitRequest> {
    const [row] = await ctx.ds.query("SELECT * FROM home_visit WHERE id = $1", [isUuid(id) ? id.toLowerCase() : null]);
    return visibleOrNotFound(ctx, P.visitDetails, "HomeVisitRequest", id, row ? fromRow(row) : null, "homeVisit");
  }

  @NeedsScope("visits:read")
  @Policy(P.public, "Query")
  @Query(() => HomeVisitConnection, {
    nullable: true,
    description: "The home visits the caller may see, a page at a time: a lender's cases' visits, an agency's own, every one for an auditor.",
  })
  async homeVisits(
    @Ctx() ctx: AgenciesContext,
    @Args(() => PageArgs) { first, after }: PageArgs,
    @Arg("filter", () => HomeVisitFilter, { nullable: true }) filter?: HomeVisitFilter,
  ): Promise<HomeVisitConnection> {
    return Object.assign(new HomeVisitConnection(), await listHomeVisits(ctx.ds, ctx.principal, { first, after, status: filter?.status }, fromRow));
  }

  @NeedsScope("visits:write")
  @Policy(P.agencyOperation, "Mutation")
  @Mutation(() => HomeVisitRequest, { nullable: true, description: "An agent asks the lender for a home visit of a case the agency holds." })
  async requestHomeVisit(@Ctx() ctx: AgenciesContext, @Arg("input", () => RequestHomeVisitInput) input: RequestHomeVisitInput) {
    return fromRow(await requestHomeVisit(ctx.ds, ctx.clock, ctx.principal, input));
  }

  @NeedsScope("visits:write")
  @Policy(P.placementOperation, "Mutation")
  @Mutation(() => HomeVisitRequest, { nullable: true, description: "The lender approves a requested visit." })
  async approveHomeVisit(@Ctx() ctx: AgenciesContext, @Arg("visitId", () => ID) visitId: string, @Arg("note", () => String, { nullable: true }) note?: string) {
    return fromRow(await decideHomeVisit(ctx.ds, ctx.clock, ctx.principal, visitId, true, note ?? null, ctx.requestId));
  }

  @NeedsScope("visits:write")
  @Policy(P.placementOperation, "Mutation")
  @Mutation(() => HomeVisitRequest, { nullable: true, description: "The lender rejects a requested visit." })
  async rejectHomeVisit(@Ctx() ctx: AgenciesContext, @Arg("visitId", () => ID) visitId: string, @Arg("note", () => String, { nullable: true }) note?: string) {
    return fromRow(await decideHomeVisit(ctx.ds, ctx.clock, ctx.principal, visitId, false, note ?? null, ctx.requestId));
  }

  @NeedsScope("visits:write")
  @Policy(P.agencyOperation, "Mutation")
  @Mutation(() => HomeVisitRequest, { nullable: true, description: "The agency confirms the appointment with the borrower." })
  async confirmHomeVisit(@Ctx() ctx: AgenciesContext, @Arg("visitId", () => ID) visitId: string) {
    return fromRow(await confirmHomeVisit(ctx.ds, ctx.clock, ctx.principal, visitId));
  }

  @NeedsScope("visits:write")
  @Policy(P.agencyOperation, "Mutation")
  @Mutation(() => HomeVisitRequest, { nullable: true, description: "The agency reports the visit with its recording; refused (and recorded as a violation) without approval or outside the window." })
  async completeHomeVisit(
    @Ctx() ctx: AgenciesContext,
    @Arg("visitId", () => ID) visitId: string,
    @Arg("report", () => String) report: string,
    @Arg("recordingReference", () => String) recordingReference: string,
  ) {
    return fromRow(await completeHomeVisit(ctx.ds, ctx.clock, ctx.principal, visitId, report, recordingReference, ctx.requestId));
  }

  @NeedsScope("visits:write")
  @Policy(P.visitParties, "Mutation")
  @Mutation(() => HomeVisitRequest, { nullable: true, description: "The lender or the agency cancels a visit that has not happened." })
  async cancelHomeVisit(@Ctx() ctx: AgenciesContext, @Arg("visitId", () => ID) visitId: string) {
    return fromRow(await cancelHomeVisit(ctx.ds, ctx.clock, ctx.principal, visitId, ctx.requestId));
  }
}
