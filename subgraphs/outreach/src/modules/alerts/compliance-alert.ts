import { Arg, Ctx, Field, ID, ObjectType, Query, registerEnumType, Resolver, Subscription } from "type-graphql";
import { DateTimeISOResolver } from "graphql-scalars";
import { isUuid, NeedsScope, Policy, servedByGateway, visibleOrNotFound, type RuleName } from "@concord/service-kit";
import { P } from "../../access/policies";
import type { OutreachContext } from "../../context";
import { RuleEnum } from "../activity/enums";
import { ComplianceViolation } from "../activity/activity.type";
import { Complaint, ComplaintStage } from "../complaints/complaint.type";

export enum ComplianceAlertKind {
  VIOLATION = "VIOLATION",
  COMPLAINT_OVERDUE = "COMPLAINT_OVERDUE",
}
registerEnumType(ComplianceAlertKind, {
  name: "ComplianceAlertKind",
  description: "VIOLATION: a reported contact broke a contact rule. COMPLAINT_OVERDUE: a complaint's deadline passed with no response of that stage.",
});

/**
 * The complianceAlerts subscription's shape. The gateway serves it (see SUBSCRIPTIONS in
 * schema/src/subscriptions.ts): cursor, kind, occurredAt, caseId and rule come from the event,
 * and `violation` is resolved as `complianceViolation(id)` with the subscriber's principal
 * (`complaint`, for COMPLAINT_OVERDUE, as `complaint(id)`).
 */
@ObjectType({ description: "A compliance alert for the lender: pushed over WebSocket by the gateway." })
export class ComplianceAlert {
  @Policy(P.public)
  @Field(() => String, { description: "The event's position on the bus: subscribe again with `after:` set to it to resume." })
  cursor: string;

  @Policy(P.public)
  @Field(() => ComplianceAlertKind)
  kind: ComplianceAlertKind;

  @Policy(P.public)
  @Field(() => DateTimeISOResolver, { description: "When the alert was raised." })
  occurredAt: Date;

  @Policy(P.public)
  @Field(() => ID)
  caseId: string;

  @Policy(P.public)
  @Field(() => RuleEnum, { nullable: true, description: "The rule broken (VIOLATION)." })
  rule: RuleName | null;

  @Policy(P.public)
  @Field(() => ComplaintStage, { nullable: true, description: "The deadline that passed (COMPLAINT_OVERDUE): the first response's or the final one's." })
  stage: ComplaintStage | null;

  @Policy(P.complianceViolation)
  @Field(() => ComplianceViolation, { nullable: true, description: "The violation, as the subscriber may see it now." })
  violation: ComplianceViolation | null;

  @Policy(P.complaintAlert)
  @Field(() => Complaint, { nullable: true, description: "The overdue complaint (COMPLAINT_OVERDUE), as the subscriber may see it now." })
  complaint: Complaint | null;
}

const AFTER = "Resume after this cursor: every alert since is replayed in order, then live ones follow (within the replay window, 24 hours by default; REPLAY_WINDOW_EXCEEDED when older).";

@Resolver()
export class ComplianceAlertResolver {
  @Policy(P.complianceAlerts, "Subscription")
  @Subscription(() => ComplianceAlert, {
    subscribe: servedByGateway,
    description: "The lender's compliance alerts as they happen: every contact rule an agency's or its own collectors' report broke.",
  })
  complianceAlerts(@Arg("after", () => String, { nullable: true, description: AFTER }) _after?: string): ComplianceAlert {
    throw new Error("served by the gateway");
  }

  @NeedsScope("violations:read")
  @Policy(P.complianceViolationQuery, "Query")
  @Query(() => ComplianceViolation, { nullable: true, description: "One compliance violation; NOT_FOUND unless it is on one of the lender's cases or of the agency's own reports (auditors: any)." })
  async complianceViolation(@Ctx() ctx: OutreachContext, @Arg("id", () => ID) id: string): Promise<ComplianceViolation> {
    return visibleOrNotFound(ctx, P.complianceViolation, "ComplianceViolation", id, isUuid(id) ? await ctx.loaders.violation.load(id) : null, "complianceViolation");
  }
}
