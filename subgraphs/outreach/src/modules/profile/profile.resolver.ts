import { Arg, Ctx, ID, Mutation, Query, Resolver } from "type-graphql";
import { badInput, forbidden, heldCasesSql, isUuid, NeedsScope, Policy, type Jurisdiction } from "@concord/service-kit";
import { P } from "../../access/policies";
import type { OutreachContext } from "../../context";
import { JurisdictionEnum } from "../activity/enums";
import { readProfile, setContactProfile } from "./profile.service";
import { ContactProfile, ContactProfileOverrides } from "./profile.type";

@Resolver(() => ContactProfile)
export class ContactProfileResolver {
  @NeedsScope("compliance:read")
  @Policy(P.public, "Query")
  @Query(() => ContactProfile, {
    nullable: true,
    description: "A lender's contact profile and the parameters in force: a lender its own (lenderId may be left out), an agency that of a lender whose case it holds, an auditor any lender's.",
  })
  async contactProfile(@Ctx() ctx: OutreachContext, @Arg("lenderId", () => ID, { nullable: true }) lenderId?: string | null): Promise<ContactProfile> {
    const p = ctx.principal;
    if (p.role === "lender") {
      if (lenderId && lenderId.toLowerCase() !== p.lenderId) throw forbidden("another lender's contact profile");
      return readProfile(ctx.ds, p.lenderId!);
    }
    if (p.role === "borrower") throw forbidden("contact profiles");
    if (!lenderId || !isUuid(lenderId)) throw badInput("lenderId (a UUID) is required", "lenderId");
    const lender = lenderId.toLowerCase();
    // An agency works to the rules of the lenders whose cases it holds now, and only theirs.
    if (p.role === "agency") {
      const held = await ctx.ds.query(
        `SELECT 1 FROM case_directory d WHERE d.lender_id = $3 AND d.case_id IN (${heldCasesSql("$1", "$2")}) LIMIT 1`,
        [p.agencyId, ctx.clock.now(), lender],
      );
      if (!held.length) throw forbidden("the contact profile of a lender none of whose cases your agency holds");
    }
    return readProfile(ctx.ds, lender);
  }

  @NeedsScope("compliance:write")
  @Policy(P.contactProfileSetting, "Mutation")
  @Mutation(() => ContactProfile, {
    nullable: true,
    description:
      "The lender chooses its jurisdiction profile and may tighten any parameter (narrower hours, fewer attempts, longer quiet period, more blocked days), never loosen one past the profile: that is BAD_USER_INPUT naming the parameter and the profile's limit, and nothing changes. Each call states the whole profile; parameters left out take the jurisdiction's values.",
  })
  async setContactProfile(
    @Ctx() ctx: OutreachContext,
    @Arg("jurisdiction", () => JurisdictionEnum) jurisdiction: Jurisdiction,
    @Arg("overrides", () => ContactProfileOverrides, { nullable: true }) overrides?: ContactProfileOverrides | null,
  ): Promise<ContactProfile> {
    return setContactProfile(ctx.ds, ctx.clock, ctx.principal, jurisdiction, overrides, ctx.requestId);
  }
}
