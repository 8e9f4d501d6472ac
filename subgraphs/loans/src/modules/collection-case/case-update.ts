import { Arg, Field, ID, InputType, ObjectType, registerEnumType, Resolver, Subscription } from "type-graphql";
import { DateTimeISOResolver } from "graphql-scalars";
import { Policy, servedByGateway } from "@concord/service-kit";
import { P } from "../../access/policies";
import { CollectionCase, DelinquencyBucket } from "./collection-case.type";

/**
 * The case subscriptions' shape. The gateway serves them (see SUBSCRIPTIONS in
 * schema/src/subscriptions.ts): it fills cursor, kind, occurredAt and caseId from the event and
 * resolves `case` as `collectionCase(id)` with the subscriber's principal.
 */
export enum CaseUpdateKind {
  OPENED = "OPENED",
  UPDATED = "UPDATED",
  RESOLVED = "RESOLVED",
  PAYMENT_RECORDED = "PAYMENT_RECORDED",
  PLACEMENT_STARTED = "PLACEMENT_STARTED",
  PLACEMENT_ENDED = "PLACEMENT_ENDED",
}
registerEnumType(CaseUpdateKind, { name: "CaseUpdateKind", description: "What happened to the case." });

@InputType({ description: "Narrows a case subscription; every given condition must hold." })
export class CaseUpdateFilter {
  @Field(() => [CaseUpdateKind], { nullable: true, description: "Only these kinds of update." })
  kinds?: CaseUpdateKind[];

  @Field(() => [DelinquencyBucket], { nullable: true, description: "Only case events (OPENED, UPDATED, RESOLVED) whose case is now in one of these buckets." })
  buckets?: DelinquencyBucket[];
}

@ObjectType({ description: "Something happened to a collection case. Pushed over WebSocket by the gateway." })
export class CaseUpdate {
  @Policy(P.public)
  @Field(() => String, { description: "The event's position on the bus: subscribe again with `after:` set to it to resume." })
  cursor: string;

  @Policy(P.public)
  @Field(() => CaseUpdateKind)
  kind: CaseUpdateKind;

  @Policy(P.public)
  @Field(() => DateTimeISOResolver, { description: "When the change was committed by the subgraph that made it." })
  occurredAt: Date;

  @Policy(P.public)
  @Field(() => ID)
  caseId: string;

  @Policy(P.caseStatus)
  @Field(() => CollectionCase, { nullable: true, description: "The case as the subscriber may see it now, every field rule applied as in a query." })
  case: CollectionCase | null;
}

const AFTER = "Resume after this cursor: every matching update since is replayed in order, then live ones follow (within the replay window, 24 hours by default; REPLAY_WINDOW_EXCEEDED when older).";

@Resolver()
export class CaseUpdateResolver {
  @Policy(P.caseUpdates, "Subscription")
  @Subscription(() => CaseUpdate, {
    subscribe: servedByGateway,
    description: "Updates of the lender's cases, or of the cases an agency holds, as they happen.",
  })
  caseUpdated(
    @Arg("caseId", () => ID, { nullable: true, description: "Only this case." }) _caseId?: string,
    @Arg("filter", () => CaseUpdateFilter, { nullable: true }) _filter?: CaseUpdateFilter,
    @Arg("after", () => String, { nullable: true, description: AFTER }) _after?: string,
  ): CaseUpdate {
    throw new Error("served by the gateway");
  }

  @Policy(P.myCaseUpdates, "Subscription")
  @Subscription(() => CaseUpdate, {
    subscribe: servedByGateway,
    description: "Updates of the borrower's own cases and payments, as they happen.",
  })
  myCaseUpdates(
    @Arg("caseId", () => ID, { nullable: true, description: "Only this case." }) _caseId?: string,
    @Arg("filter", () => CaseUpdateFilter, { nullable: true }) _filter?: CaseUpdateFilter,
    @Arg("after", () => String, { nullable: true, description: AFTER }) _after?: string,
  ): CaseUpdate {
    throw new Error("served by the gateway");
  }
}
