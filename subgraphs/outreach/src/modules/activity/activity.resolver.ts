import { Arg, Args, ArgsType, Ctx, Field, FieldResolver, ID, Mutation, Query, Resolver, Root } from "type-graphql";
import { DateTimeISOResolver } from "graphql-scalars";
import { badInput, keysetPage, NeedsScope, PageArgs, pageRequest, Policy, Rows, visibleOrNotFound, isUuid, type Channel, type Party } from "@concord/service-kit";
import { P } from "../../access/policies";
import type { OutreachContext } from "../../context";
import { CollectionCase } from "../collection-case/collection-case.stub";
import { ContactDecision } from "../policy/contact-decision.type";
import { contactDecision } from "../policy/contact-policy.service";
import { ChannelEnum, PartyEnum } from "./enums";
import { ReportActivityInput } from "./activity.inputs";
import { reportActivity } from "./activity.service";
import { Activity, ActivityConnection, ActivityReport, activityFromRow, ComplianceViolation, violationFromRow } from "./activity.type";

/** The keyset position of an activity in a case's list (latest first). */
const isActivityKey = (v: Record<string, unknown>): v is { t: string; id: string } =>
  typeof v.t === "string" && !Number.isNaN(Date.parse(v.t)) && typeof v.id === "string" && isUuid(v.id) && Object.keys(v).length === 2;

@ArgsType()
class CaseContactPolicyArgs {
  @Field(() => ChannelEnum)
  channel: Channel;

  @Field(() => DateTimeISOResolver, { nullable: true, description: "Default: now." })
  at?: Date | null;

  @Field(() => PartyEnum, { nullable: true, description: "Default DEBTOR." })
  party?: Party | null;

  @Field(() => String, { nullable: true, description: "The number or address label a call would use (unanswered calls are counted per contact point). Default \"phone\"." })
  contactPoint?: string | null;

  @Field(() => Boolean, { nullable: true, description: "Asking for a notice the law requires (LETTER or EMAIL only): a cease request does not hold it back. Default false." })
  required?: boolean | null;
}

@Resolver(() => Activity)
export class ActivityResolver {
  @NeedsScope("activities:write")
  @Policy(P.activityReporting, "Mutation")
  @Mutation(() => ActivityReport, {
    description:
      "An agency (its own agents, on a case it holds) or the lender (its own collectors) reports a contact. It is checked against every contact rule at the moment it happened; a contact that broke one is stored all the same, flagged, and each broken rule is alerted to the lender (ComplianceViolation, complianceAlerts). Idempotent on (reporter, idempotencyKey).",
  })
  async reportActivity(@Ctx() ctx: OutreachContext, @Arg("input", () => ReportActivityInput) input: ReportActivityInput): Promise<ActivityReport> {
    const r = await reportActivity(ctx.ds, ctx.clock, ctx.principal, input, ctx.requestId);
    return Object.assign(new ActivityReport(), { activity: activityFromRow(r.activity), replayed: r.replayed, violations: r.violations.map(violationFromRow) });
  }

  @NeedsScope("activities:read")
  @Policy(P.public, "Query")
  @Query(() => Activity, { nullable: true, description: "One activity; NOT_FOUND unless the caller may see it (the case's lender, an agency holding the case, the borrower, auditors)." })
  async activity(@Ctx() ctx: OutreachContext, @Arg("id", () => ID) id: string): Promise<Activity> {
    return visibleOrNotFound(ctx, P.activityOutcome, "Activity", id, isUuid(id) ? await ctx.loaders.activity.load(id) : null, "activity");
  }

  @Policy(P.activityRecord)
  @Rows(P.complianceViolation)
  @FieldResolver(() => [ComplianceViolation], { nullable: true, description: "The contact rules this activity broke (empty when none)." })
  async violations(@Root() a: Activity, @Ctx() ctx: OutreachContext): Promise<ComplianceViolation[]> {
    return a.violationCount > 0 ? ctx.loaders.violationsByActivity.load(a.id) : [];
  }

  @Policy(P.activityOutcome)
  @FieldResolver(() => CollectionCase, { nullable: true })
  collectionCase(@Root() a: Activity): CollectionCase {
    return Object.assign(new CollectionCase(), { id: a.caseId });
  }
}

@Resolver(() => CollectionCase)
export class CaseOutreachResolver {
  @Policy(P.caseActivities, "CollectionCase")
  @FieldResolver(() => ActivityConnection, { nullable: true, description: "The case's contact activities, latest first, a page at a time." })
  async activities(@Root() c: CollectionCase, @Ctx() ctx: OutreachContext, @Args(() => PageArgs) args: PageArgs): Promise<ActivityConnection> {
    const page = pageRequest(args, isActivityKey);
    const rows = await ctx.loaders.activityPage.load({ caseId: c.id.toLowerCase(), first: page.first, after: page.after });
    return Object.assign(
      new ActivityConnection(),
      keysetPage(rows, page.first, activityFromRow, (a) => ({ t: a.occurredAt.toISOString(), id: a.id })),
    );
  }

  @Policy(P.contactDecision, "CollectionCase")
  @FieldResolver(() => ContactDecision, { nullable: true, description: "Whether a contact on `channel` is allowed now (or at `at`), as contactPolicy answers." })
  async contactPolicy(@Root() c: CollectionCase, @Ctx() ctx: OutreachContext, @Args(() => CaseContactPolicyArgs) args: CaseContactPolicyArgs): Promise<ContactDecision> {
    if (!args.channel) throw badInput("channel is required", "channel");
    return contactDecision(ctx, { caseId: c.id, channel: args.channel, at: args.at, party: args.party, contactPoint: args.contactPoint, required: args.required });
  }
}
