import { Field, ID, ObjectType, registerEnumType } from "type-graphql";
import { DateTimeISOResolver } from "graphql-scalars";
import { Policy, Scope } from "@concord/service-kit";
import { P } from "../../access/policies";

export enum ComplaintCategory {
  CONDUCT = "CONDUCT",
  CONTACT_FREQUENCY = "CONTACT_FREQUENCY",
  PRIVACY = "PRIVACY",
  AMOUNT = "AMOUNT",
  OTHER = "OTHER",
}
registerEnumType(ComplaintCategory, { name: "ComplaintCategory", description: "What a complaint is about: a collector's conduct, how often the borrower is contacted, privacy, the amount claimed, or anything else." });

export enum ComplaintStatus {
  OPEN = "OPEN",
  RESPONDED = "RESPONDED",
  CLOSED = "CLOSED",
}
registerEnumType(ComplaintStatus, { name: "ComplaintStatus", description: "OPEN until the lender first responds, RESPONDED after a response that is not final, CLOSED by the final response." });

export enum ComplaintStage {
  FIRST_RESPONSE = "FIRST_RESPONSE",
  FINAL_RESPONSE = "FINAL_RESPONSE",
}
registerEnumType(ComplaintStage, {
  name: "ComplaintStage",
  description: "A complaint's deadlines: FIRST_RESPONSE (UK_FCA: the summary resolution; none under CN_NIFA), met by any response; FINAL_RESPONSE, met by the final one.",
});

@Scope<ComplaintResponse>("protections:read", (r) => ({ lenderId: r.lenderId, borrowerId: r.borrowerId, caseIds: async () => [r.caseId] }))
@ObjectType({ description: "One of the lender's responses to a complaint." })
export class ComplaintResponse {
  lenderId: string;
  borrowerId: string | null;
  caseId: string;

  @Policy(P.complaintDetail)
  @Field(() => String, { nullable: true, description: "What the lender answered (free text)." })
  response: string;

  @Policy(P.complaintDetail)
  @Field(() => Boolean, { nullable: true, description: "Whether this was the final response (it closed the complaint)." })
  final: boolean;

  @Policy(P.complaintDetail)
  @Field(() => DateTimeISOResolver, { nullable: true })
  respondedAt: Date;
}

@Scope<Complaint>("protections:read", (c) => ({ lenderId: c.lenderId, borrowerId: c.borrowerId, caseIds: async () => [c.caseId] }))
@ObjectType({
  description:
    "A complaint about a case, filed by the borrower or recorded by the lender from one received in writing, with the deadlines of the lender's contact profile. Each deadline is an instant: a response strictly before it is in time.",
})
export class Complaint {
  @Policy(P.public)
  @Field(() => ID)
  id: string;

  lenderId: string;
  borrowerId: string | null;

  @Policy(P.complaintStatus)
  @Field(() => ID, { nullable: true })
  caseId: string;

  @Policy(P.complaintStatus)
  @Field(() => ComplaintCategory, { nullable: true })
  category: ComplaintCategory;

  @Policy(P.complaintDetail)
  @Field(() => String, { nullable: true, description: "The complaint as the borrower put it (free text: the borrower and the lender only)." })
  description: string;

  @Policy(P.complaintStatus)
  @Field(() => ComplaintStatus, { nullable: true })
  status: ComplaintStatus;

  @Policy(P.complaintStatus)
  @Field(() => DateTimeISOResolver, { nullable: true, description: "When it was received (filed, or recorded by the lender): the deadlines count from here." })
  receivedAt: Date;

  @Policy(P.complaintStatus)
  @Field(() => String, { nullable: true, description: "borrower, or lender (one received in writing)." })
  filedByRole: string;

  @Policy(P.complaintStatus)
  @Field(() => Boolean, { nullable: true, description: "Whether the lender marked it complex (CN_NIFA: 30 days instead of 15; elsewhere only recorded)." })
  complex: boolean;

  @Policy(P.complaintStatus)
  @Field(() => DateTimeISOResolver, {
    nullable: true,
    description: "The first response's deadline (UK_FCA: the end of the third business day after receipt in the borrower's zone; US_REG_F: 15 days); null under CN_NIFA, which has one deadline.",
  })
  firstResponseDueAt: Date | null;

  @Policy(P.complaintStatus)
  @Field(() => DateTimeISOResolver, { nullable: true, description: "The final response's deadline (UK_FCA: 8 weeks; US_REG_F: 60 days; CN_NIFA: 15 days, 30 when complex)." })
  finalResponseDueAt: Date;

  @Policy(P.complaintStatus)
  @Field(() => DateTimeISOResolver, { nullable: true, description: "The next deadline still to meet: the first response's until one is given, then the final response's; null once CLOSED." })
  respondBy: Date | null;

  @Policy(P.complaintStatus)
  @Field(() => DateTimeISOResolver, { nullable: true, description: "When it was closed (the final response); null until then." })
  closedAt: Date | null;

  firstRespondedAt: Date | null;
}

/** The next deadline still to meet: the first response's while none was given, else the final's; none once closed. */
export const respondByOf = (r: Record<string, any>): Date | null => {
  if (r.status === ComplaintStatus.CLOSED) return null;
  if (r.first_response_due_at && !r.first_responded_at) return new Date(r.first_response_due_at);
  return new Date(r.final_response_due_at);
};

const instant = (v: unknown): Date | null => (v ? new Date(v as string) : null);

export const complaintFromRow = (r: Record<string, any>): Complaint =>
  Object.assign(new Complaint(), {
    id: r.id,
    lenderId: r.lender_id,
    borrowerId: r.borrower_id,
    caseId: r.case_id,
    category: r.category,
    description: r.description,
    status: r.status,
    receivedAt: new Date(r.received_at),
    filedByRole: r.filed_by_role,
    complex: r.complex,
    firstResponseDueAt: instant(r.first_response_due_at),
    finalResponseDueAt: new Date(r.final_response_due_at),
    respondBy: respondByOf(r),
    closedAt: instant(r.closed_at),
    firstRespondedAt: instant(r.first_responded_at),
  });

/** A response row with its complaint's relationships (lender, borrower, case), for the policies. */
export const complaintResponseFromRow = (r: Record<string, any>): ComplaintResponse =>
  Object.assign(new ComplaintResponse(), {
    lenderId: r.lender_id,
    borrowerId: r.borrower_id,
    caseId: r.case_id,
    response: r.response,
    final: r.final,
    respondedAt: new Date(r.responded_at),
  });
