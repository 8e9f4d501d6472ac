import { Field, ID, ObjectType, registerEnumType } from "type-graphql";
import { DateTimeISOResolver } from "graphql-scalars";
import { Policy, Scope } from "@concord/service-kit";
import { P } from "../../access/policies";

export enum HardshipKind {
  SERIOUS_ILLNESS = "SERIOUS_ILLNESS",
  BEREAVEMENT = "BEREAVEMENT",
  JOB_LOSS = "JOB_LOSS",
  FAMILY_CRISIS = "FAMILY_CRISIS",
  DISASTER = "DISASTER",
  MENTAL_HEALTH_CRISIS = "MENTAL_HEALTH_CRISIS",
  OTHER = "OTHER",
}
registerEnumType(HardshipKind, {
  name: "HardshipKind",
  description: "What the borrower is going through. Health data (DESIGN): the borrower and the lender only, never agencies, auditors or events.",
});

export enum HardshipStatus {
  DECLARED = "DECLARED",
  APPROVED = "APPROVED",
  REJECTED = "REJECTED",
  ENDED = "ENDED",
}
registerEnumType(HardshipStatus, {
  name: "HardshipStatus",
  description: "DECLARED while the lender decides (contact held up to 14 days), then APPROVED or REJECTED; an open-ended approved one (a mental-health crisis) is ENDED by the lender.",
});

@Scope<Hardship>("protections:read", (h) => ({ lenderId: h.lenderId, borrowerId: h.borrowerId, caseIds: async () => [h.caseId] }))
@ObjectType({ description: "A borrower's hardship on a case. While it holds, collection contact on the case is held on every channel." })
export class Hardship {
  @Policy(P.public)
  @Field(() => ID)
  id: string;

  lenderId: string;
  borrowerId: string | null;

  @Policy(P.hardshipStatus)
  @Field(() => ID, { nullable: true })
  caseId: string;

  @Policy(P.hardshipStatus)
  @Field(() => HardshipStatus, { nullable: true })
  status: HardshipStatus;

  @Policy(P.hardshipStatus)
  @Field(() => DateTimeISOResolver, { nullable: true })
  declaredAt: Date;

  @Policy(P.hardshipStatus)
  @Field(() => DateTimeISOResolver, { nullable: true, description: "When the lender approved or rejected it; null while DECLARED." })
  decidedAt: Date | null;

  @Policy(P.hardshipStatus)
  @Field(() => DateTimeISOResolver, {
    nullable: true,
    description: "Until when contact is held: 14 days from the declaration while DECLARED, the approved hold's end, 30 days after an open-ended one ENDED; null while open-ended or once REJECTED.",
  })
  holdUntil: Date | null;

  @Policy(P.hardshipDetail)
  @Field(() => HardshipKind, { nullable: true, description: "The borrower and the lender only (health data only as a flag)." })
  kind: HardshipKind;

  @Policy(P.hardshipDetail)
  @Field(() => String, { nullable: true, description: "A reference to the evidence held elsewhere (the borrower and the lender only)." })
  evidenceReference: string | null;

  @Policy(P.hardshipDetail)
  @Field(() => String, { nullable: true, description: "The lender's note on its decision (the borrower and the lender only)." })
  decisionNote: string | null;
}

export const hardshipFromRow = (r: Record<string, any>): Hardship =>
  Object.assign(new Hardship(), {
    id: r.id,
    lenderId: r.lender_id,
    borrowerId: r.borrower_id,
    caseId: r.case_id,
    status: r.status,
    declaredAt: new Date(r.declared_at),
    decidedAt: r.decided_at ? new Date(r.decided_at) : null,
    holdUntil: r.hold_until ? new Date(r.hold_until) : null,
    kind: r.kind,
    evidenceReference: r.evidence_reference,
    decisionNote: r.decision_note,
  });
