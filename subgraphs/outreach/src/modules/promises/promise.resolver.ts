import { Arg, Ctx, FieldResolver, Query, Resolver, Root } from "type-graphql";
import { LocalDate, NeedsScope, Policy, Rows } from "@concord/service-kit";
import { P } from "../../access/policies";
import type { OutreachContext } from "../../context";
import { Activity } from "../activity/activity.type";
import { CollectionCase } from "../collection-case/collection-case.stub";
import { promiseStats } from "./promise.service";
import { PromiseStats, PromiseToPay } from "./promise.type";

@Resolver(() => PromiseToPay)
export class PromiseToPayResolver {
  @NeedsScope("protections:read")
  @Policy(P.promiseStatsQuery, "Query")
  @Rows({ selectedBy: "the query: a lender's own cases, an agency's own promises, a borrower's own, every lender's for an auditor" }, "Query")
  @Query(() => [PromiseStats], {
    description:
      "Promises to pay due from `from` to `to` (local dates, inclusive, at most 366 days), one row per agency that took them (agencyId null: the lender's own collectors): made, kept, broken, pending and the kept rate. A lender sees its own cases' rows, an agency only its own row.",
  })
  async promiseStats(@Ctx() ctx: OutreachContext, @Arg("from", () => LocalDate) from: string, @Arg("to", () => LocalDate) to: string): Promise<PromiseStats[]> {
    return (await promiseStats(ctx.ds, ctx.principal, from, to)).map((r) => Object.assign(new PromiseStats(), r));
  }

  @Policy(P.promiseToPay)
  @FieldResolver(() => Activity, { nullable: true, description: "The reported contact the promise was made in (its fields follow their own policies)." })
  async activity(@Root() p: PromiseToPay, @Ctx() ctx: OutreachContext): Promise<Activity | null> {
    return ctx.loaders.activity.load(p.activityId);
  }
}

@Resolver(() => Activity)
export class ActivityPromiseResolver {
  @Policy(P.casePromises, "Activity")
  @FieldResolver(() => PromiseToPay, { nullable: true, description: "The promise to pay made in this contact (outcome PROMISE_TO_PAY); null for any other." })
  async promise(@Root() a: Activity, @Ctx() ctx: OutreachContext): Promise<PromiseToPay | null> {
    return a.outcome === "PROMISE_TO_PAY" ? ctx.loaders.promiseByActivity.load(a.id) : null;
  }
}

@Resolver(() => CollectionCase)
export class CasePromisesResolver {
  @Policy(P.casePromises, "CollectionCase")
  @Rows(P.promiseToPay, "CollectionCase")
  @FieldResolver(() => [PromiseToPay], { nullable: true, description: "The case's promises to pay, oldest first." })
  async promises(@Root() c: CollectionCase, @Ctx() ctx: OutreachContext): Promise<PromiseToPay[]> {
    return ctx.loaders.promisesByCase.load(c.id.toLowerCase());
  }
}
