import { Field, ID, ObjectType, registerEnumType } from "type-graphql";
import { DateTimeISOResolver } from "graphql-scalars";
import { connectionType, Policy, Scope } from "@concord/service-kit";
import { P } from "../../access/policies";

export enum ViolationKind {
  HOME_VISIT = "HOME_VISIT",
}
registerEnumType(ViolationKind, {
  name: "ViolationKind",
  description: "Which rules were broken: HOME_VISIT (a visit without approval, outside its window, after the placement ended); contact rules join when outreach lands.",
});

@Scope<Violation>("violations:read", (v) => ({ lenderId: v.lenderId, agencyId: v.agencyId, caseIds: async () => [v.caseId] }))
@ObjectType({
  description: "An attempt that broke a rule, refused and recorded all the same (what happened is never lost). Ids, the rule and when; never borrower PII.",
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
  @Field(() => String, { nullable: true, description: "The rule broken: VISIT_WITHOUT_APPROVAL, VISIT_OUTSIDE_WINDOW, VISIT_AFTER_PLACEMENT_ENDED." })
  rule: string;

  @Policy(P.violationRecord)
  @Field(() => DateTimeISOResolver, { nullable: true, description: "When the refused attempt was made." })
  occurredAt: Date;

  @Policy(P.violationRecord)
  @Field(() => ID, { nullable: true })
  caseId: string;

  @Policy(P.violationRecord)
  @Field(() => ID, { nullable: true, description: "The agency whose attempt it was." })
  agencyId: string;

  @Policy(P.violationRecord)
  @Field(() => ID, { nullable: true, description: "The home visit concerned (HOME_VISIT)." })
  visitId: string | null;

  @Policy(P.violationRecord)
  @Field(() => String, { nullable: true, description: "What the record showed at the attempt, for example the visit's status." })
  detail: string | null;
}

export const violationFromRow = (r: Record<string, any>): Violation =>
  Object.assign(new Violation(), {
    id: r.id,
    lenderId: r.lender_id,
    kind: ViolationKind.HOME_VISIT,
    rule: r.rule,
    occurredAt: new Date(r.attempted_at),
    caseId: r.case_id,
    agencyId: r.agency_id,
    visitId: r.visit_id,
    detail: r.detail,
  });

export const ViolationConnection = connectionType(Violation, {
  name: "ViolationConnection",
  description: "A page of violations, oldest first (keyset pagination).",
});
export type ViolationConnection = InstanceType<typeof ViolationConnection>;
