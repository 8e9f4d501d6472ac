import { Field, ID, Int, ObjectType } from "type-graphql";
import { DateTimeISOResolver } from "graphql-scalars";
import { connectionType, Policy, Rows, Scope, type Channel, type Direction, type Outcome, type Party, type RuleName } from "@concord/service-kit";
import { P } from "../../access/policies";
import type { OutreachContext } from "../../context";
import { ChannelEnum, DirectionEnum, OutcomeEnum, PartyEnum, RuleEnum } from "./enums";

/**
 * An agency's own records of a case are its own only while it holds the case (DESIGN: an agency
 * sees a case's data while its placement is active): `agencyId` in the scope is the agency's
 * only then, so `ownAgency` fails once the placement has ended.
 */
async function agencyWhileHeld(ctx: OutreachContext, agencyId: string | null, caseId: string): Promise<string | null> {
  return agencyId && (await ctx.directory.heldBy(agencyId, [caseId])).length > 0 ? agencyId : null;
}

@Scope<ComplianceViolation>("violations:read", async (v, ctx: OutreachContext) => ({
  lenderId: v.lenderId,
  agencyId: await agencyWhileHeld(ctx, v.agencyId, v.caseId),
  caseIds: async () => [v.caseId],
}))
@ObjectType({ description: "A contact rule an activity broke: ids, the rule, its limit and what was observed; never borrower PII. The activity is kept all the same." })
export class ComplianceViolation {
  @Policy(P.public)
  @Field(() => ID)
  id: string;

  lenderId: string;

  @Policy(P.complianceViolation)
  @Field(() => RuleEnum, { nullable: true })
  rule: RuleName;

  @Policy(P.complianceViolation)
  @Field(() => String, { nullable: true })
  message: string;

  @Policy(P.complianceViolation)
  @Field(() => String, { nullable: true, description: "The rule's limit as the lender's profile sets it, for example \"7 call attempts in 7 days\"." })
  limit: string;

  @Policy(P.complianceViolation)
  @Field(() => String, { nullable: true, description: "What the report showed against it, for example \"8\" or \"21:00 America/New_York\"." })
  observed: string;

  @Policy(P.complianceViolation)
  @Field(() => ID, { nullable: true })
  activityId: string;

  @Policy(P.complianceViolation)
  @Field(() => ID, { nullable: true })
  caseId: string;

  @Policy(P.complianceViolation)
  @Field(() => ID, { nullable: true, description: "The agency whose report it was; null for the lender's own collectors." })
  agencyId: string | null;

  @Policy(P.complianceViolation)
  @Field(() => DateTimeISOResolver, { nullable: true, description: "When the contact happened." })
  occurredAt: Date;
}

export const violationFromRow = (r: Record<string, any>): ComplianceViolation =>
  Object.assign(new ComplianceViolation(), {
    id: r.id,
    lenderId: r.lender_id,
    rule: r.rule,
    message: r.message,
    limit: r.limit_text,
    observed: r.observed,
    activityId: r.activity_id,
    caseId: r.case_id,
    agencyId: r.agency_id,
    occurredAt: new Date(r.occurred_at),
  });

@Scope<Activity>("activities:read", async (a, ctx: OutreachContext) => ({
  lenderId: a.lenderId,
  borrowerId: a.borrowerId,
  agencyId: await agencyWhileHeld(ctx, a.agencyId, a.caseId),
  caseIds: async () => [a.caseId],
}))
@ObjectType({ description: "A contact with a borrower, as the lender's collector or the agency reported it; kept whatever rule it broke." })
export class Activity {
  @Policy(P.public)
  @Field(() => ID)
  id: string;

  lenderId: string;
  borrowerId: string | null;
  violationCount: number;

  @Policy(P.activityOutcome)
  @Field(() => ID, { nullable: true })
  caseId: string;

  @Policy(P.activityOutcome)
  @Field(() => ChannelEnum, { nullable: true })
  channel: Channel;

  @Policy(P.activityOutcome)
  @Field(() => DirectionEnum, { nullable: true })
  direction: Direction;

  @Policy(P.activityOutcome)
  @Field(() => DateTimeISOResolver, { nullable: true })
  occurredAt: Date;

  @Policy(P.activityOutcome)
  @Field(() => OutcomeEnum, { nullable: true })
  outcome: Outcome;

  @Policy(P.activityRecord)
  @Field(() => PartyEnum, { nullable: true })
  party: Party;

  @Policy(P.activityRecord)
  @Field(() => String, { nullable: true, description: "Which number or address was used (a label such as \"phone\"): unanswered calls are counted per contact point." })
  contactPoint: string;

  @Policy(P.activityRecord)
  @Field(() => String, { nullable: true, description: "lender (its own collectors) or agency." })
  reporterRole: string;

  @Policy(P.activityRecord)
  @Field(() => ID, { nullable: true, description: "The agency that reported it; null for the lender's own collectors." })
  agencyId: string | null;

  @Policy(P.activityRecord)
  @Field(() => ID, { nullable: true, description: "The agent or collector who made the contact, as the reporter identifies them." })
  agentId: string | null;

  @Policy(P.activityRecord)
  @Field(() => String, { nullable: true })
  notes: string | null;

  @Policy(P.activityRecord)
  @Field(() => String, { nullable: true, description: "Where the call or visit recording is kept (a reference, never the recording)." })
  recordingReference: string | null;

  @Policy(P.activityRecord)
  @Field(() => Int, { nullable: true })
  durationSeconds: number | null;

  @Policy(P.activityRecord)
  @Field(() => DateTimeISOResolver, { nullable: true, description: "When it was reported." })
  reportedAt: Date;

  @Policy(P.activityOutcome)
  @Field(() => Boolean, { nullable: true, description: "A notice the law requires (a cease request did not hold it back)." })
  required: boolean;

  @Policy(P.activityRecord)
  @Field(() => Boolean, { nullable: true, description: "True when the contact broke a contact rule (see violations)." })
  flagged: boolean;
}

export function activityFromRow(r: Record<string, any>): Activity {
  return Object.assign(new Activity(), {
    id: r.id,
    lenderId: r.lender_id,
    borrowerId: r.borrower_id,
    violationCount: r.violation_count,
    caseId: r.case_id,
    channel: r.channel,
    direction: r.direction,
    occurredAt: new Date(r.occurred_at),
    outcome: r.outcome,
    party: r.party,
    contactPoint: r.contact_point,
    reporterRole: r.reporter_role,
    agencyId: r.agency_id,
    agentId: r.agent_id,
    notes: r.notes,
    recordingReference: r.recording_reference,
    durationSeconds: r.duration_seconds,
    reportedAt: new Date(r.reported_at),
    required: r.required === true,
    flagged: r.violation_count > 0,
  });
}

@ObjectType({ description: "What reportActivity did: the activity as stored, whether this was a retry of an earlier report, and the rules it broke." })
export class ActivityReport {
  @Policy(P.public)
  @Field(() => Activity)
  activity: Activity;

  @Policy(P.public)
  @Field(() => Boolean, { description: "True when this idempotency key was already reported: the first report is returned, nothing is written." })
  replayed: boolean;

  @Policy(P.public)
  @Rows(P.complianceViolation)
  @Field(() => [ComplianceViolation], { description: "The contact rules the activity broke (empty when none); each is also alerted to the lender." })
  violations: ComplianceViolation[];
}

export const ActivityConnection = connectionType(Activity, { name: "ActivityConnection", description: "A page of a case's activities, latest first (keyset pagination)." });
export type ActivityConnection = InstanceType<typeof ActivityConnection>;
