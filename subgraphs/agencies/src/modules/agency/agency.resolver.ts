import { Arg, Ctx, FieldResolver, ID, Int, Query, Resolver, Root } from "type-graphql";
import { badInput, decodeCursor, encodeCursor, isUuid, notFound, Policy, visibleOrForbidden } from "@concord/service-kit";
import { P } from "../../access/policies";
import type { AgenciesContext } from "../../context";
import { PlacementConnection } from "../placement/placement.inputs";
import { placementFromRow } from "../placement/placement.type";
import { Agency, agencyFromRow, Agent } from "./agency.type";

const isIdCursor = (v: Record<string, unknown>): v is { id: string } => typeof v.id === "string" && isUuid(v.id) && Object.keys(v).length === 1;

@Resolver(() => Agency)
export class AgencyResolver {
  @Policy(P.public, "Query")
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

  @Policy(P.public, "Query")
  @Query(() => Agency, { nullable: true })
  async agency(@Ctx() ctx: AgenciesContext, @Arg("id", () => ID) id: string): Promise<Agency> {
    const found = await ctx.loaders.agency.load(id);
    if (!found) throw notFound("Agency", id);
    return visibleOrForbidden(ctx, P.agencyProfile, "Agency", found, "agency");
  }

  @Policy(P.agencyInternals)
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
    @Arg("first", () => Int, { nullable: true }) first?: number,
    @Arg("after", () => String, { nullable: true }) after?: string,
  ): Promise<PlacementConnection> {
    const n = first ?? 20;
    if (!Number.isInteger(n) || n < 1 || n > 500) throw badInput("first must be between 1 and 500", "first");
    const params: unknown[] = [a.id];
    const conds = ["agency_id = $1"];
    if (ctx.principal.role === "lender") conds.push(`lender_id = $${params.push(ctx.principal.lenderId)}`);
    if (after) conds.push(`id > $${params.push(decodeCursor(after, isIdCursor).id)}`);
    const rows = await ctx.ds.query(`SELECT * FROM placement WHERE ${conds.join(" AND ")} ORDER BY id LIMIT $${params.push(n + 1)}`, params);
    const edges = rows.slice(0, n).map((r: Record<string, unknown>) => ({ cursor: encodeCursor({ id: String(r.id) }), node: placementFromRow(r, ctx.clock.now()) }));
    return Object.assign(new PlacementConnection(), {
      edges,
      pageInfo: { hasNextPage: rows.length > n, endCursor: edges.at(-1)?.cursor ?? null },
    });
  }
}
