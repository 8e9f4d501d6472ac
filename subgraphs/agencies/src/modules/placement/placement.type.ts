import { Directive, Field, ID, Int, ObjectType, registerEnumType } from "type-graphql";
import { DateTimeISOResolver } from "graphql-scalars";
import { Policy, Scope } from "@concord/service-kit";
import { P } from "../../access/policies";

export enum PlacementStatus {
  ACTIVE = "ACTIVE",
  RECALLED = "RECALLED",
  RETURNED = "RETURNED",
  EXPIRED = "EXPIRED",
  COMPLETED = "COMPLETED",
}
registerEnumType(PlacementStatus, { name: "PlacementStatus" });

@Scope<Placement>("placements:read", (p) => ({ lenderId: p.lenderId, agencyId: p.agencyId, caseIds: async () => [p.caseId] }))
@Directive(`@key(fields: "id")`)
@ObjectType({ description: "A case placed with an agency, on terms, until it expires or ends." })
export class Placement {
  @Policy(P.public)
  @Field(() => ID)
  id: string;

  caseId: string;
  agencyId: string;
  lenderId: string;

  @Policy(P.placementTerms)
  @Field(() => DateTimeISOResolver, { nullable: true })
  placedAt: Date;

  @Policy(P.placementTerms)
  @Field(() => DateTimeISOResolver, { nullable: true })
  expiresAt: Date;

  @Policy(P.placementTerms)
  @Field(() => PlacementStatus, { nullable: true })
  status: PlacementStatus;

  @Policy(P.placementTerms)
  @Field(() => DateTimeISOResolver, { nullable: true })
  endedAt: Date | null;

  @Policy(P.placementTerms)
  @Field(() => String, { nullable: true, description: "Why it ended." })
  endReason: string | null;

  @Policy(P.placementTerms)
  @Field(() => String, { nullable: true, description: "Who ended it: a user, or system (expiry, case resolved)." })
  endedBy: string | null;

  @Policy(P.placementTerms)
  @Field(() => Int, { nullable: true, description: "Commission in basis points of what is collected." })
  commissionBps: number;

  @Policy(P.placementTerms)
  @Field(() => Int, { nullable: true, description: "The largest discount the agency may offer without the lender, in basis points." })
  maxDiscountBps: number;

  @Policy(P.placementTerms)
  @Field(() => Int, { nullable: true, description: "The most instalments the agency may offer without the lender." })
  maxInstalments: number;
}

/** An ACTIVE placement row past its expiry at `now`: it ended then, whether or not the expiry job has written it down. */
export const isLapsed = (r: Record<string, any>, now: Date): boolean =>
  r.status === "ACTIVE" && new Date(r.expires_at).getTime() <= now.getTime();

/** A placement row as callers see it at `now`: a lapsed one is EXPIRED, ended at its expiry. */
export const placementFromRow = (r: Record<string, any>, now?: Date): Placement => {
  const lapsed = !!now && isLapsed(r, now);
  return Object.assign(new Placement(), {
    id: r.id,
    caseId: r.case_id,
    agencyId: r.agency_id,
    lenderId: r.lender_id,
    placedAt: new Date(r.placed_at),
    expiresAt: new Date(r.expires_at),
    status: lapsed ? "EXPIRED" : r.status,
    endedAt: lapsed ? new Date(r.expires_at) : r.ended_at ? new Date(r.ended_at) : null,
    endReason: lapsed ? "The placement reached its expiry" : r.end_reason,
    endedBy: lapsed ? "system" : r.ended_by,
    commissionBps: r.commission_bps,
    maxDiscountBps: r.max_discount_bps,
    maxInstalments: r.max_instalments,
  });
};
