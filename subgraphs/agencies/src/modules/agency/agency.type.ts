import { Directive, Field, ID, Int, ObjectType, registerEnumType } from "type-graphql";
import { LocalDate, Policy, Scope } from "@concord/service-kit";
import { P } from "../../access/policies";

export enum AgencyStatus {
  ACTIVE = "ACTIVE",
  SUSPENDED = "SUSPENDED",
}
registerEnumType(AgencyStatus, { name: "AgencyStatus" });

@Scope<Agency>("agencies:read", (a) => ({ agencyId: a.id }))
@Directive(`@key(fields: "id")`)
@ObjectType({ description: "A licensed collection agency that lenders place cases with." })
export class Agency {
  @Policy(P.public)
  @Field(() => ID)
  id: string;

  @Policy(P.agencyProfile)
  @Field(() => String, { nullable: true })
  name: string;

  @Policy(P.agencyProfile)
  @Field(() => String, { nullable: true })
  licenceNumber: string;

  @Policy(P.agencyProfile)
  @Field(() => LocalDate, { nullable: true, description: "After this date without a review the agency is suspended." })
  licenceReviewDue: string;

  @Policy(P.agencyProfile)
  @Field(() => [String], { nullable: true, description: "Regions (towns) it works in." })
  regions: string[];

  @Policy(P.agencyInternals)
  @Field(() => Int, { nullable: true, description: "The most ACTIVE placements it may hold." })
  capacity: number;

  @Policy(P.agencyProfile)
  @Field(() => [String], { nullable: true, description: "Contact channels it may use." })
  channels: string[];

  @Policy(P.agencyProfile)
  @Field(() => AgencyStatus, { nullable: true })
  status: AgencyStatus;
}

@Scope<Agent>("agencies:read", (a) => ({ agencyId: a.agencyId }))
@ObjectType({ description: "An agent of an agency; the employee number is what a borrower is shown." })
export class Agent {
  @Policy(P.public)
  @Field(() => ID)
  id: string;

  agencyId: string;

  @Policy(P.agencyInternals)
  @Field(() => String, { nullable: true })
  name: string;

  @Policy(P.agencyInternals)
  @Field(() => String, { nullable: true })
  employeeNumber: string;

  @Policy(P.agencyInternals)
  @Field(() => Boolean, { nullable: true })
  active: boolean;
}

export const agencyFromRow = (r: Record<string, any>): Agency =>
  Object.assign(new Agency(), {
    id: r.id,
    name: r.name,
    licenceNumber: r.licence_number,
    licenceReviewDue: r.licence_review_due,
    regions: r.regions,
    capacity: r.capacity,
    channels: r.channels,
    status: r.status,
  });

export const agentFromRow = (r: Record<string, any>): Agent =>
  Object.assign(new Agent(), { id: r.id, agencyId: r.agency_id, name: r.name, employeeNumber: r.employee_number, active: r.active });
