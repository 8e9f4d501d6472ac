import { Arg, Int, Query, Resolver } from "type-graphql";
import { auditPageKey, NeedsScope, Policy } from "@concord/service-kit";
import { P } from "../../access/policies";
import { AuditEntryPage } from "./audit.type";

@Resolver()
export class AuditResolver {
  @NeedsScope("audit:read")
  @Policy(P.auditTrail, "Query")
  @Query(() => AuditEntryPage, {
    nullable: true,
    description: "The audit trail of every subgraph, merged by time, each entry naming its subgraph (auditors only).",
  })
  auditEntries(
    @Arg("first", () => Int, { nullable: true, description: "1 to 500. Default 50." }) first?: number,
    @Arg("after", () => String, { nullable: true }) after?: string,
  ): InstanceType<typeof AuditEntryPage> {
    // The page itself is resolved as an entity: the gateway brings every subgraph's slice of it.
    return Object.assign(new AuditEntryPage(), { request: auditPageKey({ first, after }) });
  }
}
