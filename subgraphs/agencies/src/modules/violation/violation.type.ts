import { Field, ID, ObjectType, registerEnumType } from "type-graphql";
import { DateTimeISOResolver } from "graphql-scalars";
import { connectionType, Policy, Scope } from "@concord/service-kit";
import { P } from "../../access/policies";

export enum ViolationKind {
  HOME_VISIT = "HOME_VISIT",
  CONTACT = "CONTACT",
}
registerEnumType(ViolationKind, {
  name: "ViolationKind",
  description:
    "Which rules were broken: HOME_VISIT (a visit without approval, outside its window, after the placement ended); CONTACT (a reported contact against a contact rule: hours, blocked days, call caps, quiet days, holds, channels, placement, debtor only).",
});

@Scope<Violation>("violations:read", (v) => ({ lenderId: v.lenderId, agencyId: v.agencyId, caseIds: async () => [v.caseId] }))
@ObjectType({
  description:
    "An attempt that broke a visit rule (refused and recorded all the same) or a reported contact that broke a contact rule: what happened is never lost. Ids, the rule and when; never borrower PII.",
})
export class Violation {
  @Policy(P.public)
  @Field(() => ID)
  id: string;

  lenderId: string | null;

  @Policy(P.violationRecord)
  @Field(() => ViolationKind, { nullable: true })
  kind: ViolationKind;

  @Policy(P.violationRecord)
  @Field(() => String, {
    nullable: true,
    description: "The rule broken: VISIT_WITHOUT_APPROVAL, VISIT_OUTSIDE_WINDOW, VISIT_AFTER_PLACEMENT_ENDED (HOME_VISIT); a contact rule's name such as CONTACT_HOURS or CALL_ATTEMPTS_7_DAYS (CONTACT).",
  })
  rule: string;

  @Policy(P.violationRecord)
  @Field(() => DateTimeISOResolver, { nullable: true, description: "When the refused attempt was made (HOME_VISIT), or the contact happened (CONTACT)." })
  occurredAt: Date;

  @Policy(P.violationRecord)
  @Field(() => ID, { nullable: true })
  caseId: string;

  @Policy(P.violationRecord)
  @Field(() => ID, { nullable: true, description: "The agency whose attempt or contact it was; null for a lender's own contact." })
  agencyId: string | null;

  @Policy(P.violationRecord)
  @Field(() => ID, { nullable: true, description: "The home visit concerned (HOME_VISIT)." })
  visitId: string | null;

  @Policy(P.violationRecord)
  @Field(() => String, { nullable: true, description: "What the record showed at the attempt, for example the visit's status." })
  detail: string | null;

  @Policy(P.violationRecord)
  @Field(() => ID, { nullable: true, description: "The reported activity that broke the rule (CONTACT)." })
  activityId: string | null;

  @Policy(P.violationRecord)
  @Field(() => String, { nullable: true, description: "The rule's limit as the lender's contact profile set it, for example \"7 call attempts in 7 days\" (CONTACT)." })
  limit: string | null;

  @Policy(P.violationRecord)
  @Field(() => String, { nullable: true, description: "What was observed against the limit, for example \"8\" (CONTACT)." })
  observed: string | null;
}

export const violationFromRow = (r: Record<string, any>): Violation =>
  Object.assign(new Violation(), {
    id: r.id,
    lenderId: r.lender_id,
    // Rows from before contact violations joined carry the column's default, HOME_VISIT.
    kind: r.kind as ViolationKind,
    rule: r.rule,
    occurredAt: new Date(r.attempted_at),
    caseId: r.case_id,
    agencyId: r.agency_id,
    visitId: r.visit_id,
    detail: r.detail,
    activityId: r.activity_id,
    limit: r.limit_text,
    observed: r.observed,
  });

export const ViolationConnection = connectionType(Violation, {
  name: "ViolationConnection",
  description: "A page of violations, oldest first (keyset pagination).",
});
export type ViolationConnection = InstanceType<typeof ViolationConnection>;
