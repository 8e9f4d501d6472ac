import { Arg, Args, Ctx, FieldResolver, ID, Query, Resolver, Root } from "type-graphql";
import { idKey, isIdKey, isUuid, keysetPage, NeedsScope, PageArgs, pageRequest, Policy, Rows, visibleOrNotFound } from "@concord/service-kit";
import { P } from "../../access/policies";
import type { AgenciesContext } from "../../context";
import { PlacementConnection } from "../placement/placement.inputs";
import { placementFromRow } from "../placement/placement.type";
import { Agency, agencyFromRow, Agent } from "./agency.type";

@Resolver(() => Agency)
export class AgencyResolver {
  @NeedsScope("agencies:read")
  @Policy(P.public, "Query")
  @Rows(P.agencyProfile, "Query")
  @Query(() => [Agency], { nullable: true, description: "Agencies the caller may see: all for lenders and auditors, its own for an agency." })
  async agencies(@Ctx() ctx: AgenciesContext): Promise<Agency[]> {
    const p = ctx.principal;
    if (p.role === "borrower") return [];
    const rows =
      p.role === "agency"
        ? await ctx.ds.query("SELECT * FROM agency WHERE id = $1", [isUuid(p.agencyId ?? "") ? p.agencyId : null])
        : await ctx.ds.query("SELECT * FROM agency ORDER BY name");
    return rows.map(agencyFromRow);
  }

  @NeedsScope("agencies:read")
  @Policy(P.public, "Query")
  @Query(() => Agency, { nullable: true })
  async agency(@Ctx() ctx: AgenciesContext, @Arg("id", () => ID) id: string): Promise<Agency> {
    return visibleOrNotFound(ctx, P.agencyProfile, "Agency", id, await ctx.loaders.agency.load(id), "agency");
  }

  @Policy(P.agencyInternals)
  @Rows(P.agencyInternals)
  @FieldResolver(() => [Agent], { nullable: true })
  agents(@Root() a: Agency, @Ctx() ctx: AgenciesContext): Promise<Agent[]> {
    return ctx.loaders.agentsByAgency.load(a.id);
  }

  @Policy(P.agencyInternals)
  @FieldResolver(() => PlacementConnection, {
    nullable: true,
    description: "The agency's placements, newest last, a page at a time: all of them for the agency and auditors, a lender's own for a lender.",
  })
  async placements(
    @Root() a: Agency,
    @Ctx() ctx: AgenciesContext,
    @Args(() => PageArgs) args: PageArgs,
  ): Promise<PlacementConnection> {
    const page = pageRequest(args, isIdKey);
    const params: unknown[] = [a.id];
    const conds = ["agency_id = $1"];
    if (ctx.principal.role === "lender") conds.push(`lender_id = $${params.push(ctx.principal.lenderId)}`);
    if (page.after) conds.push(`id > $${params.push(page.after.id)}`);
    const rows = await ctx.ds.query(`SELECT * FROM placement WHERE ${conds.join(" AND ")} ORDER BY id LIMIT $${params.push(page.first + 1)}`, params);
    return Object.assign(new PlacementConnection(), keysetPage(rows, page.first, (r: Record<string, any>) => placementFromRow(r, ctx.clock.now()), idKey));
  }
}
