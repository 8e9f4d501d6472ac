import { Arg, Field, ID, ObjectType, registerEnumType, Resolver, Subscription } from "type-graphql";
import { DateTimeISOResolver } from "graphql-scalars";
import { Policy, servedByGateway } from "@concord/service-kit";
import { P } from "../../access/policies";
import { Plan } from "./plan.type";

export enum PlanUpdateKind {
  STARTED = "STARTED",
  PAYMENT = "PAYMENT",
  MISSED = "MISSED",
  COMPLETED = "COMPLETED",
  BROKEN = "BROKEN",
}
registerEnumType(PlanUpdateKind, {
  name: "PlanUpdateKind",
  description: "STARTED: the borrower accepted the offer (PlanStarted). PAYMENT, COMPLETED, BROKEN (and MISSED, reserved): the PlanUpdated change.",
});

/**
 * The planUpdated subscription's shape. The gateway serves it (see SUBSCRIPTIONS in
 * schema/src/subscriptions.ts): cursor, kind, occurredAt, planId and caseId come from the event,
 * and `plan` is resolved as `plan(id)` with the subscriber's principal.
 */
@ObjectType({ description: "A plan started or changed: pushed over WebSocket by the gateway." })
export class PlanUpdate {
  @Policy(P.public)
  @Field(() => String, { description: "The event's position on the bus: subscribe again with `after:` set to it to resume." })
  cursor: string;

  @Policy(P.public)
  @Field(() => PlanUpdateKind)
  kind: PlanUpdateKind;

  @Policy(P.public)
  @Field(() => DateTimeISOResolver, { description: "When restructuring committed the change." })
  occurredAt: Date;

  @Policy(P.public)
  @Field(() => ID)
  planId: string;

  @Policy(P.public)
  @Field(() => ID)
  caseId: string;

  @Policy(P.planView)
  @Field(() => Plan, { nullable: true, description: "The plan as the subscriber may see it now, every field rule applied as in a query." })
  plan: Plan | null;
}

const AFTER = "Resume after this cursor: every update since is replayed in order, then live ones follow (within the replay window, 24 hours by default; REPLAY_WINDOW_EXCEEDED when older).";

@Resolver()
export class PlanUpdateResolver {
  @Policy(P.planUpdates, "Subscription")
  @Subscription(() => PlanUpdate, {
    subscribe: servedByGateway,
    description: "A plan's changes as they happen (started, each payment counted, completed, broken): the borrower its own plans, the lender its cases', the agency holding the case.",
  })
  planUpdated(
    @Arg("planId", () => ID, { nullable: true, description: "Only this plan's updates." }) _planId?: string,
    @Arg("after", () => String, { nullable: true, description: AFTER }) _after?: string,
  ): PlanUpdate {
    throw new Error("served by the gateway");
  }
}
