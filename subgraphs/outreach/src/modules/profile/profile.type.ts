import { Field, ID, InputType, Int, ObjectType, registerEnumType } from "type-graphql";
import { DateTimeISOResolver } from "graphql-scalars";
import { LocalDate, NOTICE_STAGES, Policy, Rows, Scope, type ContactParameters as EngineParameters, type IsoWeekday, type Jurisdiction, type NoticeRules, type NoticeStage } from "@concord/service-kit";
import { P } from "../../access/policies";
import { JurisdictionEnum } from "../activity/enums";
import { NoticeStageEnum } from "../notices/notice.type";

export enum Weekday {
  MONDAY = "MONDAY",
  TUESDAY = "TUESDAY",
  WEDNESDAY = "WEDNESDAY",
  THURSDAY = "THURSDAY",
  FRIDAY = "FRIDAY",
  SATURDAY = "SATURDAY",
  SUNDAY = "SUNDAY",
}
registerEnumType(Weekday, { name: "Weekday", description: "A day of the week in the borrower's time zone." });
const WEEKDAYS = Object.values(Weekday);
export const weekdayOf = (n: IsoWeekday): Weekday => WEEKDAYS[n - 1]!;
export const isoWeekdayOf = (d: Weekday): IsoWeekday => (WEEKDAYS.indexOf(d) + 1) as IsoWeekday;

/** 480 -> "08:00". */
export const clockOf = (minute: number): string => `${String(Math.floor(minute / 60)).padStart(2, "0")}:${String(minute % 60).padStart(2, "0")}`;

@ObjectType({ description: "The parameters every contact rule reads. A null cap means the profile sets none." })
export class ContactParameters {
  @Policy(P.public)
  @Field(() => String, { description: "Local time contact may begin (HH:MM, borrower's time zone), inclusive." })
  contactHoursStart: string;

  @Policy(P.public)
  @Field(() => String, { description: "Local time by which contact has ended (HH:MM), exclusive: \"21:00\" allows 20:59 and refuses 21:00." })
  contactHoursEnd: string;

  @Policy(P.public)
  @Field(() => [Weekday], { description: "Local weekdays with no contact." })
  blockedWeekdays: Weekday[];

  @Policy(P.public)
  @Field(() => [LocalDate], { description: "Local dates with no contact (public holidays)." })
  blockedDates: string[];

  @Policy(P.public)
  @Field(() => Int, { nullable: true, description: "Most call attempts per case in any 7 consecutive local days (a call that connected, rang out or reached voicemail)." })
  maxCallAttemptsPer7Days: number | null;

  @Policy(P.public)
  @Field(() => Int, { nullable: true, description: "Local days with no call after a telephone conversation with the borrower, its day being day 1." })
  quietDaysAfterConversation: number | null;

  @Policy(P.public)
  @Field(() => Int, { nullable: true, description: "Most connected calls to the borrower per local day, the lender and its agencies together." })
  maxConnectedCallsPerDay: number | null;

  @Policy(P.public)
  @Field(() => Int, { nullable: true, description: "Most unanswered calls to the same number per local day." })
  maxUnansweredCallsPerDay: number | null;

  @Policy(P.public)
  @Field(() => Boolean, { description: "Only the borrower may be contacted: a contact with a third party is a violation." })
  debtorOnly: boolean;

  @Policy(P.public)
  @Field(() => Boolean, { description: "Borrowers flagged vulnerable are to be handled with care (shown to agencies as a flag by the loans subgraph)." })
  flagVulnerable: boolean;
}

export function parametersOut(p: EngineParameters): ContactParameters {
  return Object.assign(new ContactParameters(), {
    contactHoursStart: clockOf(p.hoursStartMinute),
    contactHoursEnd: clockOf(p.hoursEndMinute),
    blockedWeekdays: p.blockedWeekdays.map(weekdayOf),
    blockedDates: p.blockedDates,
    maxCallAttemptsPer7Days: p.maxCallAttemptsPer7Days,
    quietDaysAfterConversation: p.quietDaysAfterConversation,
    maxConnectedCallsPerDay: p.maxConnectedCallsPerDay,
    maxUnansweredCallsPerDay: p.maxUnansweredCallsPerDay,
    debtorOnly: p.debtorOnly,
    flagVulnerable: p.flagVulnerable,
  });
}

// --- Notices: which stage requires which earlier one, and the legal warning's lead (modules/notices).

@ObjectType({ description: "A notice stage and the stages that must have been sent on the case before it." })
export class NoticePrerequisite {
  @Policy(P.public)
  @Field(() => NoticeStageEnum)
  stage: NoticeStage;

  @Policy(P.public)
  @Field(() => [NoticeStageEnum])
  requires: NoticeStage[];
}

@ObjectType({ description: "The notice part of a contact profile: each stage's prerequisites, and how long a LEGAL_WARNING must precede a legal step." })
export class NoticeProfile {
  @Policy(P.public)
  @Rows({ selectedBy: "the profile itself: every stage of the catalogue, for a caller who may see the profile" })
  @Field(() => [NoticePrerequisite], { description: "Every stage of the catalogue, in catalogue order." })
  requires: NoticePrerequisite[];

  @Policy(P.public)
  @Field(() => Int, { description: "Days the LEGAL_WARNING must have been sent before a legal step (default 14)." })
  legalWarningLeadDays: number;
}

export const noticeProfileOut = (r: NoticeRules): NoticeProfile =>
  Object.assign(new NoticeProfile(), {
    requires: NOTICE_STAGES.map((stage) => Object.assign(new NoticePrerequisite(), { stage, requires: r.requires[stage] })),
    legalWarningLeadDays: r.legalWarningLeadDays,
  });

@InputType({ description: "A stage's prerequisites, the whole list: it must keep every one the jurisdiction sets." })
export class NoticePrerequisiteInput {
  @Field(() => NoticeStageEnum)
  stage: NoticeStage;

  @Field(() => [NoticeStageEnum])
  requires: NoticeStage[];
}

@InputType({ description: "Notice rules to tighten: more prerequisites, a longer lead. Those left out take the jurisdiction's." })
export class NoticeProfileOverrides {
  @Field(() => [NoticePrerequisiteInput], { nullable: true })
  requires?: NoticePrerequisiteInput[] | null;

  @Field(() => Int, { nullable: true, description: "At least the jurisdiction's (14), at most 365." })
  legalWarningLeadDays?: number | null;
}

// --- end of notices

@Scope<ContactProfile>("compliance:read", (p) => ({ lenderId: p.lenderId }))
@ObjectType({ description: "A lender's contact profile: the jurisdiction it follows and the parameters in force (the profile's defaults, tightened by the lender)." })
export class ContactProfile {
  @Policy(P.public)
  @Field(() => ID)
  lenderId: string;

  @Policy(P.contactProfileView)
  @Field(() => JurisdictionEnum, { nullable: true })
  jurisdiction: Jurisdiction;

  @Policy(P.contactProfileView)
  @Field(() => Boolean, { nullable: true, description: "False while the lender has chosen no profile: the default (US_REG_F) applies." })
  chosen: boolean;

  @Policy(P.contactProfileView)
  @Field(() => Int, { nullable: true, description: "Raised by each change; 0 for the default." })
  version: number;

  @Policy(P.contactProfileView)
  @Field(() => DateTimeISOResolver, { nullable: true })
  updatedAt: Date | null;

  @Policy(P.contactProfileView)
  @Field(() => ContactParameters, { nullable: true, description: "The parameters in force." })
  parameters: ContactParameters;

  @Policy(P.contactProfileView)
  @Field(() => ContactParameters, { nullable: true, description: "The jurisdiction's own parameters: the loosest the lender may set." })
  profileDefaults: ContactParameters;

  @Policy(P.contactProfileView)
  @Field(() => NoticeProfile, { nullable: true, description: "The notice rules in force (sendNotice, the legal step)." })
  notices: NoticeProfile;

  @Policy(P.contactProfileView)
  @Field(() => NoticeProfile, { nullable: true, description: "The jurisdiction's own notice rules: the loosest the lender may set." })
  noticeDefaults: NoticeProfile;

  // Promises to pay (modules/promises): the lender's terms, not contact rules.
  @Policy(P.contactProfileView)
  @Field(() => Int, { nullable: true, description: "Promises to pay: the share of the promised amount payments must reach to keep a promise, in basis points (default 10000, all of it)." })
  promiseKeptThresholdBps: number;

  @Policy(P.contactProfileView)
  @Field(() => Int, { nullable: true, description: "Promises to pay: local days after the due date payments still keep a promise (default 3); it breaks at the end of the last." })
  promiseGraceDays: number;
}

@InputType({ description: "Parameters to tighten, each at most as loose as the jurisdiction's own; those left out take the jurisdiction's value. Loosening one is BAD_USER_INPUT naming it, and nothing changes." })
export class ContactProfileOverrides {
  @Field(() => String, { nullable: true, description: "HH:MM, no earlier than the profile's." })
  contactHoursStart?: string | null;

  @Field(() => String, { nullable: true, description: "HH:MM, no later than the profile's." })
  contactHoursEnd?: string | null;

  @Field(() => [Weekday], { nullable: true, description: "The whole list: it must keep every weekday the profile blocks." })
  blockedWeekdays?: Weekday[] | null;

  @Field(() => [LocalDate], { nullable: true, description: "The whole list: it must keep every date the profile blocks." })
  blockedDates?: string[] | null;

  @Field(() => Int, { nullable: true })
  maxCallAttemptsPer7Days?: number | null;

  @Field(() => Int, { nullable: true })
  quietDaysAfterConversation?: number | null;

  @Field(() => Int, { nullable: true })
  maxConnectedCallsPerDay?: number | null;

  @Field(() => Int, { nullable: true })
  maxUnansweredCallsPerDay?: number | null;

  @Field(() => Boolean, { nullable: true })
  debtorOnly?: boolean | null;

  @Field(() => Boolean, { nullable: true })
  flagVulnerable?: boolean | null;

  @Field(() => NoticeProfileOverrides, { nullable: true, description: "Notice rules to tighten (prerequisites, the legal warning's lead)." })
  notices?: NoticeProfileOverrides | null;

  // Promises to pay: the lender's choice within range (not a tightening); left out, the default.
  @Field(() => Int, { nullable: true, description: "1 to 10000 basis points of the promised amount. Default 10000." })
  promiseKeptThresholdBps?: number | null;

  @Field(() => Int, { nullable: true, description: "0 to 30 days. Default 3." })
  promiseGraceDays?: number | null;
}
