import { Arg, Field, ID, ObjectType, Resolver, Subscription } from "type-graphql";
import { DateTimeISOResolver } from "graphql-scalars";
import { Policy, servedByGateway } from "@concord/service-kit";
import { P } from "../../access/policies";
import { Placement } from "./placement.type";

/**
 * The agencies' subscription shape. The gateway serves it (see SUBSCRIPTIONS in
 * schema/src/subscriptions.ts): cursor, occurredAt and ids come from the PlacementStarted event,
 * `placement` is resolved as `placement(id)` with the agency's own principal.
 */
@ObjectType({ description: "A case was placed with the subscribing agency. Pushed over WebSocket by the gateway." })
export class PlacementReceived {
  @Policy(P.public)
  @Field(() => String, { description: "The event's position on the bus: subscribe again with `after:` set to it to resume." })
  cursor: string;

  @Policy(P.public)
  @Field(() => DateTimeISOResolver)
  occurredAt: Date;

  @Policy(P.public)
  @Field(() => ID)
  placementId: string;

  @Policy(P.public)
  @Field(() => ID)
  caseId: string;

  @Policy(P.placementTerms)
  @Field(() => Placement, { nullable: true, description: "The placement and its terms, as the agency sees them now." })
  placement: Placement | null;
}

@Resolver()
export class PlacementReceivedResolver {
  @Policy(P.placementsReceived, "Subscription")
  @Subscription(() => PlacementReceived, {
    subscribe: servedByGateway,
    description: "Every case placed with the calling agency, as it is placed.",
  })
  placementsReceived(
    @Arg("after", () => String, {
      nullable: true,
      description: "Resume after this cursor: placements since are replayed in order, then live ones follow (within the replay window; REPLAY_WINDOW_EXCEEDED when older).",
    })
    _after?: string,
  ): PlacementReceived {
    throw new Error("served by the gateway");
  }
}
