import { Arg, Ctx, FieldResolver, ID, Mutation, Query, Resolver, Root } from "type-graphql";
import { isUuid, NeedsScope, Policy, Rows, visibleOrNotFound } from "@concord/service-kit";
import { P } from "../../access/policies";
import type { OutreachContext } from "../../context";
import { CollectionCase } from "../collection-case/collection-case.stub";
import { fileComplaint, markComplaintComplex, overdueStages, respondToComplaint } from "./complaint.service";
import { Complaint, ComplaintCategory, complaintFromRow, ComplaintResponse, ComplaintStage } from "./complaint.type";

@Resolver(() => Complaint)
export class ComplaintResolver {
  @NeedsScope("protections:write")
  @Policy(P.complaintFiling, "Mutation")
  @Mutation(() => Complaint, {
    description:
      "The borrower files a complaint about its own case, or the case's lender records one received in writing. It is received now; the deadlines follow the lender's contact profile (UK_FCA: a summary resolution by the end of the third business day after receipt, Monday to Friday in the borrower's time zone, UTC when unknown, bank holidays not modelled, and a final response within 8 weeks; US_REG_F: a first response within 15 days, the final within 60; CN_NIFA: 15 days, 30 when marked complex). A retry with the same idempotencyKey returns the first complaint; the same key with another case, category or description is CONFLICT. Without a key, filing again what the same filer filed on the case and is still open (same category and description) returns that complaint.",
  })
  async fileComplaint(
    @Ctx() ctx: OutreachContext,
    @Arg("caseId", () => ID) caseId: string,
    @Arg("category", () => ComplaintCategory) category: ComplaintCategory,
    @Arg("description", () => String) description: string,
    @Arg("idempotencyKey", () => String, { nullable: true }) idempotencyKey?: string | null,
  ): Promise<Complaint> {
    return complaintFromRow(await fileComplaint(ctx.ds, ctx.clock, ctx.principal, caseId, category, description, idempotencyKey, ctx.requestId));
  }

  @NeedsScope("protections:write")
  @Policy(P.complaintHandling, "Mutation")
  @Mutation(() => Complaint, {
    description:
      "The case's lender responds to a complaint: any response meets the first-response deadline; a final one (final: true) also meets the final deadline and closes the complaint. Sending exactly the latest response again returns the complaint unchanged; any other response to a CLOSED complaint is CONFLICT.",
  })
  async respondToComplaint(
    @Ctx() ctx: OutreachContext,
    @Arg("complaintId", () => ID) complaintId: string,
    @Arg("response", () => String) response: string,
    @Arg("final", () => Boolean) final: boolean,
  ): Promise<Complaint> {
    return complaintFromRow(await respondToComplaint(ctx.ds, ctx.clock, ctx.principal, complaintId, response, final, ctx.requestId));
  }

  @NeedsScope("protections:write")
  @Policy(P.complaintHandling, "Mutation")
  @Mutation(() => Complaint, {
    description:
      "The case's lender marks a complaint complex. Under CN_NIFA its one deadline becomes 30 days from receipt instead of 15 (CONFLICT once the 15 days have passed); under UK_FCA and US_REG_F it only records the flag, the deadlines do not change. Marking it again returns it; a CLOSED complaint is CONFLICT.",
  })
  async markComplaintComplex(@Ctx() ctx: OutreachContext, @Arg("complaintId", () => ID) complaintId: string): Promise<Complaint> {
    return complaintFromRow(await markComplaintComplex(ctx.ds, ctx.clock, ctx.principal, complaintId, ctx.requestId));
  }

  @NeedsScope("protections:read")
  @Policy(P.public, "Query")
  @Query(() => Complaint, { nullable: true, description: "One complaint; NOT_FOUND unless the caller may see it (the case's lender, the borrower, an agency holding the case, auditors)." })
  async complaint(@Ctx() ctx: OutreachContext, @Arg("id", () => ID) id: string): Promise<Complaint> {
    return visibleOrNotFound(ctx, P.complaintStatus, "Complaint", id, isUuid(id) ? await ctx.loaders.complaint.load(id) : null, "complaint");
  }

  @Policy(P.complaintDetail)
  @Rows(P.complaintDetail)
  @FieldResolver(() => [ComplaintResponse], { nullable: true, description: "The lender's responses, oldest first (free text: the borrower and the lender only)." })
  async responses(@Root() c: Complaint, @Ctx() ctx: OutreachContext): Promise<ComplaintResponse[]> {
    return ctx.loaders.complaintResponses.load(c.id);
  }

  @Policy(P.complaintStatus)
  @FieldResolver(() => [ComplaintStage], {
    nullable: true,
    description: "The stages overdue now: the deadline has passed (a response at the deadline is late) and no response of that stage has been given yet (any response meets FIRST_RESPONSE, the final one both).",
  })
  overdueStages(@Root() c: Complaint, @Ctx() ctx: OutreachContext): ComplaintStage[] {
    return overdueStages(c, ctx.clock.now());
  }
}

@Resolver(() => CollectionCase)
export class CaseComplaintsResolver {
  @Policy(P.caseComplaints, "CollectionCase")
  @Rows(P.complaintStatus, "CollectionCase")
  @FieldResolver(() => [Complaint], { nullable: true, description: "The case's complaints, oldest first." })
  async complaints(@Root() c: CollectionCase, @Ctx() ctx: OutreachContext): Promise<Complaint[]> {
    return ctx.loaders.complaintsByCase.load(c.id.toLowerCase());
  }
}
