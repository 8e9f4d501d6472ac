import { Arg, Ctx, Int, Query, Resolver } from "type-graphql";
import { auditFromRow, encodeCursor, NeedsScope, pageRequest, Policy } from "@concord/service-kit";
import { P } from "../../access/policies";
import type { LoansContext } from "../../context";
import { auditEntryFrom, AuditEntryPage } from "./audit.type";

const isSeqCursor = (v: Record<string, unknown>): v is { seq: number } => Number.isInteger(v.seq) && Object.keys(v).length === 1;

@Resolver()
export class AuditResolver {
  @NeedsScope("audit:read")
  @Policy(P.auditTrail, "Query")
  @Query(() => AuditEntryPage, { nullable: true, description: "The audit log, oldest first (auditors only)." })
  async auditEntries(
    @Ctx() ctx: LoansContext,
    @Arg("first", () => Int, { nullable: true, description: "1 to 500. Default 50." }) first?: number,
    @Arg("after", () => String, { nullable: true }) after?: string,
  ): Promise<AuditEntryPage> {
    const { first: n, after: from } = pageRequest({ first, after }, isSeqCursor, { defaultSize: 50 });
    const rows = await ctx.ds.query("SELECT * FROM audit_log WHERE seq > $1 ORDER BY seq LIMIT $2", [from?.seq ?? 0, n + 1]);
    const entries = rows.slice(0, n).map((r: Record<string, unknown>) => auditEntryFrom(auditFromRow(r)));
    return Object.assign(new AuditEntryPage(), {
      entries,
      endCursor: rows.length > n ? encodeCursor({ seq: entries.at(-1)!.sequence }) : null,
    });
  }
}
