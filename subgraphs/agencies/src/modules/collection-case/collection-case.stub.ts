import { Directive, Field, ID, ObjectType } from "type-graphql";
import { Policy, Scope } from "@concord/service-kit";
import { P } from "../../access/policies";
import type { AgenciesContext } from "../../context";

/** The loans subgraph's case, extended here with who holds it. */
@Scope<CollectionCase>("cases:read", async (c, ctx: AgenciesContext) => ({
  lenderId: (await ctx.directory.entry(c.id))?.lenderId ?? null,
  caseIds: async () => [c.id],
}))
@Directive(`@key(fields: "id")`)
@ObjectType()
export class CollectionCase {
  @Policy(P.public)
  @Field(() => ID)
  id: string;
}
