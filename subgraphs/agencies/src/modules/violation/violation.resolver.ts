import { Args, Ctx, Query, Resolver } from "type-graphql";
import { idKey, isIdKey, isUuid, keysetPage, NeedsScope, PageArgs, pageRequest, Policy } from "@concord/service-kit";
import { P } from "../../access/policies";
import type { AgenciesContext } from "../../context";
import { Violation, ViolationConnection, violationFromRow } from "./violation.type";

@Resolver(() => Violation)
export class ViolationResolver {
  @NeedsScope("violations:read")
  @Policy(P.violationList, "Query")
  @Query(() => ViolationConnection, {
    nullable: true,
    description: "Recorded breaches of the visit rules and the contact rules, oldest first, a page at a time: a lender's cases', an agency's own, every one for an auditor.",
  })
  async violations(@Ctx() ctx: AgenciesContext, @Args(() => PageArgs) args: PageArgs): Promise<ViolationConnection> {
    const page = pageRequest(args, isIdKey);
    const p = ctx.principal;
    const params: unknown[] = [];
    // The policy admits lenders, agencies and auditors; a lender's page is its own cases', an agency's its own breaches.
    const own = (column: string, id: string | undefined) => `${column} = $${params.push(isUuid(id ?? "") ? id : null)}`;
    const conds = [p.role === "auditor" ? "true" : p.role === "agency" ? own("agency_id", p.agencyId) : own("lender_id", p.lenderId)];
    if (page.after) conds.push(`id > $${params.push(page.after.id)}`);
    const rows = await ctx.ds.query(`SELECT * FROM visit_violation WHERE ${conds.join(" AND ")} ORDER BY id LIMIT $${params.push(page.first + 1)}`, params);
    return Object.assign(new ViolationConnection(), keysetPage(rows, page.first, violationFromRow, idKey));
  }
}
