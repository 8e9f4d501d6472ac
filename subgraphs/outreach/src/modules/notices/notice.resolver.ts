import { Arg, Ctx, ID, Mutation, Query, Resolver } from "type-graphql";
import { isUuid, NeedsScope, Policy, Rows, visibleOrNotFound, type NoticeStage } from "@concord/service-kit";
import { P } from "../../access/policies";
import type { OutreachContext } from "../../context";
import { caseNotices, sendNotice } from "./notice.service";
import { Notice, noticeFromRow, NoticeChannelEnum, NoticeStageEnum, NoticeStatus, type NoticeChannel } from "./notice.type";

@Resolver(() => Notice)
export class NoticeResolver {
  @NeedsScope("activities:write")
  @Policy(P.noticeSending, "Mutation")
  @Mutation(() => Notice, {
    description:
      "Sends the stage's notice on a case by LETTER or EMAIL, in the borrower's language, stating the amount overdue, the due date and what happens next; recorded as an activity (outcome DELIVERED; required for VALIDATION_NOTICE and LEGAL_WARNING, which pass a cease request). The case's lender sends any stage; an agency holding the case the reminders and the validation notice. Refused when a contact rule or hold forbids it (FORBIDDEN naming the rule), when a prerequisite stage is not sent (CONFLICT naming it), VALIDATION_NOTICE outside US_REG_F (BAD_USER_INPUT). A stage already sent on the case is returned: one notice per stage.",
  })
  async sendNotice(
    @Ctx() ctx: OutreachContext,
    @Arg("caseId", () => ID) caseId: string,
    @Arg("stage", () => NoticeStageEnum) stage: NoticeStage,
    @Arg("channel", () => NoticeChannelEnum) channel: NoticeChannel,
  ): Promise<Notice> {
    return noticeFromRow(await sendNotice(ctx.ds, ctx.clock, ctx.principal, caseId, stage, channel, ctx.requestId));
  }

  @NeedsScope("protections:read")
  @Policy(P.public, "Query")
  @Rows(P.noticeStatus, "Query")
  @Query(() => [Notice], {
    nullable: true,
    description:
      "A case's notices: those sent (oldest first), then those due and not sent (by when they fell due). NOT_FOUND unless the caller may see the case's notices (its lender, an agency holding it, the borrower, auditors: status only).",
  })
  async notices(@Ctx() ctx: OutreachContext, @Arg("caseId", () => ID) caseId: string): Promise<Notice[]> {
    const entry = isUuid(caseId) ? await ctx.directory.entry(caseId) : null;
    // Seen as its notices would be: one the caller may not see is NOT_FOUND, as an unknown case is.
    const probe = entry ? Object.assign(new Notice(), { id: entry.caseId, caseId: entry.caseId, lenderId: entry.lenderId, borrowerId: entry.borrowerId }) : null;
    await visibleOrNotFound(ctx, P.noticeStatus, "CollectionCase", caseId, probe, "notices");
    const { sent, due } = await caseNotices(ctx.ds, entry!);
    return [
      ...sent.map(noticeFromRow),
      ...due.map((d) =>
        Object.assign(new Notice(), {
          id: null,
          lenderId: entry!.lenderId,
          borrowerId: entry!.borrowerId,
          caseId: entry!.caseId,
          stage: d.stage,
          status: NoticeStatus.DUE,
          required: d.required,
          channel: null,
          language: d.language,
          sentAt: null,
          dueSince: d.dueSince,
          missingPrerequisites: d.missing,
          earliestLegalStepAt: null,
          activityId: null,
          subject: null,
          body: null,
        }),
      ),
    ];
  }
}
