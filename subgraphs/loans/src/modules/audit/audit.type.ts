import { Field, ID, Int, ObjectType } from "type-graphql";
import { DateTimeISOResolver } from "graphql-scalars";
import { Policy, Rows, type AuditRecord } from "@concord/service-kit";
import { P } from "../../access/policies";

@ObjectType({ description: "One record of the hash-chained audit log: who was refused what, or shown which PII. Ids only, never PII." })
export class AuditEntry {
  @Policy(P.auditTrail)
  @Field(() => ID)
  id: string;

  @Policy(P.auditTrail)
  @Field(() => Int, { nullable: true, description: "Position in the chain." })
  sequence: number;

  @Policy(P.auditTrail)
  @Field(() => DateTimeISOResolver, { nullable: true })
  occurredAt: Date;

  @Policy(P.auditTrail)
  @Field(() => String, { nullable: true, description: "FORBIDDEN or PII_REVEAL." })
  action: string;

  @Policy(P.auditTrail)
  @Field(() => String, { nullable: true, description: "The caller's subject (user or system id)." })
  actorSub: string;

  @Policy(P.auditTrail)
  @Field(() => String, { nullable: true })
  actorRole: string;

  @Policy(P.auditTrail)
  @Field(() => String, { nullable: true, description: "The caller's lender, agency or borrower id." })
  actorOrg: string | null;

  @Policy(P.auditTrail)
  @Field(() => String, { nullable: true, description: "Type.field concerned, for example Borrower.phone." })
  subject: string;

  @Policy(P.auditTrail)
  @Field(() => String, { nullable: true })
  objectId: string | null;

  @Policy(P.auditTrail)
  @Field(() => String, { nullable: true })
  requestId: string | null;

  @Policy(P.auditTrail)
  @Field(() => String, { nullable: true, description: "SHA-256 of the record before this one." })
  prevHash: string;

  @Policy(P.auditTrail)
  @Field(() => String, { nullable: true, description: "SHA-256 over this record's canonical form." })
  hash: string;
}

export function auditEntryFrom(r: AuditRecord): AuditEntry {
  return Object.assign(new AuditEntry(), {
    id: r.id,
    sequence: r.seq,
    occurredAt: new Date(r.occurredAt),
    action: r.action,
    actorSub: r.actorSub,
    actorRole: r.actorRole,
    actorOrg: r.actorOrg,
    subject: `${r.type}.${r.field}`,
    objectId: r.objectId ?? null,
    requestId: r.requestId,
    prevHash: r.prevHash,
    hash: r.hash,
  });
}

@ObjectType()
export class AuditEntryPage {
  @Policy(P.auditTrail)
  @Rows({ selectedBy: "auditEntries: the whole log, for auditors only (auditTrail)" })
  @Field(() => [AuditEntry], { nullable: true })
  entries: AuditEntry[];

  @Policy(P.auditTrail)
  @Field(() => String, { nullable: true, description: "Pass as `after` for the next page; null on the last." })
  endCursor: string | null;
}
