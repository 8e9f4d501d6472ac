import { Field, ID, ObjectType, registerEnumType } from "type-graphql";
import { DateTimeISOResolver } from "graphql-scalars";
import { LocalDate, NOTICE_STAGES, Policy, Scope, type NoticeStage } from "@concord/service-kit";
import { P } from "../../access/policies";

const enumOf = <T extends string>(values: readonly T[]) => Object.fromEntries(values.map((v) => [v, v])) as { [K in T]: K };

export const NoticeStageEnum = enumOf(NOTICE_STAGES);
registerEnumType(NoticeStageEnum, {
  name: "NoticeStage",
  description:
    "A stage of the notice catalogue: FIRST_REMINDER, GRACE_NOTICE, CREDIT_RECORD_CONSEQUENCE, LEGAL_WARNING, and VALIDATION_NOTICE (US_REG_F only, 12 CFR 1006.34). The lender's contact profile says which stage requires which earlier one.",
});

/** The channels a notice goes by: written ones, which a notice the law requires needs. */
export const NOTICE_CHANNELS = ["LETTER", "EMAIL"] as const;
export type NoticeChannel = (typeof NOTICE_CHANNELS)[number];
export const NoticeChannelEnum = enumOf(NOTICE_CHANNELS);
registerEnumType(NoticeChannelEnum, { name: "NoticeChannel", description: "How a notice is sent: LETTER or EMAIL (written notices; a required one may only go so)." });

export enum NoticeStatus {
  SENT = "SENT",
  DUE = "DUE",
}
registerEnumType(NoticeStatus, { name: "NoticeStatus", description: "SENT: recorded by sendNotice. DUE: not sent, and the case is far enough past due for it." });

@Scope<Notice>("protections:read", (n) => ({ lenderId: n.lenderId, borrowerId: n.borrowerId, caseIds: async () => [n.caseId] }))
@ObjectType({ description: "A notice of a case: one sent (recorded as an activity), or one due and not yet sent." })
export class Notice {
  @Policy(P.public)
  @Field(() => ID, { nullable: true, description: "Null for a DUE notice." })
  id: string | null;

  lenderId: string;
  borrowerId: string | null;

  @Policy(P.noticeStatus)
  @Field(() => ID, { nullable: true })
  caseId: string;

  @Policy(P.noticeStatus)
  @Field(() => NoticeStageEnum, { nullable: true })
  stage: NoticeStage;

  @Policy(P.noticeStatus)
  @Field(() => NoticeStatus, { nullable: true })
  status: NoticeStatus;

  @Policy(P.noticeStatus)
  @Field(() => Boolean, { nullable: true, description: "A notice the law requires: it passes a cease request (every other hold and rule still applies)." })
  required: boolean;

  @Policy(P.noticeStatus)
  @Field(() => NoticeChannelEnum, { nullable: true, description: "Null for a DUE notice." })
  channel: NoticeChannel | null;

  @Policy(P.noticeContent)
  @Field(() => String, { nullable: true, description: "The catalogue language it is (or would be) written in: en or zh-CN (the borrower's preferred language where the catalogue has it, so never shown to auditors)." })
  language: string;

  @Policy(P.noticeStatus)
  @Field(() => DateTimeISOResolver, { nullable: true, description: "Null for a DUE notice." })
  sentAt: Date | null;

  @Policy(P.noticeStatus)
  @Field(() => LocalDate, { nullable: true, description: "The date the stage fell due (the oldest unpaid due date plus the stage's days); null for one sent." })
  dueSince: string | null;

  @Policy(P.noticeStatus)
  @Field(() => [NoticeStageEnum], { nullable: true, description: "The stages it requires that are not sent yet (sendNotice refuses until they are); empty for one sent." })
  missingPrerequisites: NoticeStage[];

  @Policy(P.noticeStatus)
  @Field(() => DateTimeISOResolver, { nullable: true, description: "LEGAL_WARNING sent: the earliest instant a legal step may follow it (legalWarningLeadDays later)." })
  earliestLegalStepAt: Date | null;

  @Policy(P.noticeStatus)
  @Field(() => ID, { nullable: true, description: "The activity (outcome DELIVERED) it was recorded as; null for a DUE notice." })
  activityId: string | null;

  @Policy(P.noticeContent)
  @Field(() => String, { nullable: true, description: "The rendered subject (amounts and dates, never PII). Not for auditors." })
  subject: string | null;

  @Policy(P.noticeContent)
  @Field(() => String, { nullable: true, description: "The rendered text: the amount overdue, the due date and what happens next. Not for auditors." })
  body: string | null;
}

export const noticeFromRow = (r: Record<string, any>): Notice =>
  Object.assign(new Notice(), {
    id: r.id,
    lenderId: r.lender_id,
    borrowerId: r.borrower_id,
    caseId: r.case_id,
    stage: r.stage,
    status: NoticeStatus.SENT,
    required: r.required,
    channel: r.channel,
    language: r.language,
    sentAt: new Date(r.sent_at),
    dueSince: null,
    missingPrerequisites: [],
    earliestLegalStepAt: r.earliest_legal_step_at ? new Date(r.earliest_legal_step_at) : null,
    activityId: r.activity_id,
    subject: r.subject,
    body: r.body,
  });
