import { Directive, Field, ID, ObjectType } from "type-graphql";
import { Policy, Scope } from "@concord/service-kit";
import { P } from "../../access/policies";
import type { RestructuringContext } from "../../context";

/** The loans subgraph's case, extended here with its offers and plans. */
@Scope<CollectionCase>("cases:read", async (c, ctx: RestructuringContext) => {
  const entry = await ctx.directory.entry(c.id);
  return { lenderId: entry?.lenderId ?? null, borrowerId: entry?.borrowerId ?? null, caseIds: async () => [c.id] };
})
@Directive(`@key(fields: "id")`)
@ObjectType()
export class CollectionCase {
  @Policy(P.public)
  @Field(() => ID)
  id: string;
}
