import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FixedClock, newEvent, uuidv7 } from "@concord/service-kit";
import type { Principal } from "@concord/schema";
import { agencyPrincipal, auditorPrincipal, borrowerPrincipal, codes, lenderPrincipal, subgraphCaller } from "@concord/test-kit";
import type { OutreachService } from "../../index";
import { knownCase, startOutreach } from "../../testing/fixtures";
import { applyCaseBalance } from "./case-balance";
import { legalWarningGiven } from "./notice.service";

/** Notices as their callers meet them: prerequisites from the profile, one per stage, cease, the due list, who sees what. */

// Tuesday 2026-11-24, 11:00 in New York: inside contact hours.
const NOW = new Date("2026-11-24T16:00:00Z");
const DAY = 86_400_000;
const clock = new FixedClock(NOW);
let svc: OutreachService;
let stop: () => Promise<void>;
let principal: Principal;
const call = subgraphCaller("outreach", () => svc.url, () => principal);

const NOTICE = "id caseId stage status required channel language sentAt dueSince missingPrerequisites earliestLegalStepAt activityId subject body";
const SEND = `mutation($caseId: ID!, $stage: NoticeStage!, $channel: NoticeChannel!) { sendNotice(caseId: $caseId, stage: $stage, channel: $channel) { ${NOTICE} } }`;
const LIST = `query($caseId: ID!) { notices(caseId: $caseId) { ${NOTICE} } }`;
const SET_PROFILE = `mutation($j: Jurisdiction!, $o: ContactProfileOverrides) { setContactProfile(jurisdiction: $j, overrides: $o) { version notices { legalWarningLeadDays requires { stage requires } } } }`;
const CEASE = `mutation($caseId: ID!) { requestCeaseCommunication(caseId: $caseId) { ceaseRequested } }`;
const PREFER = `mutation($input: ContactPreferenceInput!) { setContactPreference(input: $input) { preferredLanguage } }`;

async function send(caseId: string, stage: string, channel = "LETTER") {
  return call(SEND, { caseId, stage, channel });
}
async function sent(caseId: string, stage: string, channel = "LETTER") {
  const r = await send(caseId, stage, channel);
  expect(r.errors, stage).toBeUndefined();
  return r.data.sendNotice;
}
const counts = async (caseId: string) =>
  (
    await svc.ds.query(
      `SELECT (SELECT count(*) FROM notice WHERE case_id = $1)::int AS notices, (SELECT count(*) FROM activity WHERE case_id = $1)::int AS activities,
              (SELECT count(*) FROM outbox WHERE type = 'NoticeSent' AND envelope::jsonb -> 'payload' ->> 'caseId' = $1::text)::int AS events`,
      [caseId],
    )
  )[0];

beforeAll(async () => {
  ({ svc, stop } = await startOutreach("notices", clock));
});
afterAll(async () => stop?.());

describe("sendNotice", () => {
  it("records the notice as a DELIVERED activity with the rendered text, emits NoticeSent, and returns it again for the same stage", async () => {
    const lender = uuidv7();
    const { caseId, borrowerId } = await knownCase(svc, clock, { lenderId: lender });
    clock.set(NOW);
    principal = lenderPrincipal(lender);
    const n = await sent(caseId, "FIRST_REMINDER", "EMAIL");
    // knownCase: 40 days past due on 2026-11-24, USD 100.00 overdue: unpaid since 2026-10-15.
    expect(n).toMatchObject({ caseId, stage: "FIRST_REMINDER", status: "SENT", required: false, channel: "EMAIL", language: "en", sentAt: NOW.toISOString(), dueSince: null, earliestLegalStepAt: null });
    expect(n.body).toContain("USD 100.00");
    expect(n.body).toContain("2026-10-15");
    expect(n.body).toContain("What happens next");
    const [activity] = await svc.ds.query("SELECT id, outcome, channel, direction, required, reporter_role, occurred_at FROM activity WHERE case_id = $1", [caseId]);
    expect(activity).toMatchObject({ id: n.activityId, outcome: "DELIVERED", channel: "EMAIL", direction: "OUTBOUND", required: false, reporter_role: "lender" });
    const [event] = await svc.ds.query("SELECT envelope FROM outbox WHERE type = 'NoticeSent' AND aggregate_id = $1", [n.id]);
    const e = JSON.parse(event.envelope);
    expect(e).toMatchObject({ aggregateType: "Notice", aggregateVersion: 1, lenderId: lender });
    expect(e.payload).toEqual({ noticeId: n.id, caseId, activityId: n.activityId, stage: "FIRST_REMINDER", channel: "EMAIL", language: "en", required: false, sentAt: NOW.toISOString(), earliestLegalStepAt: null });
    // No rendered text and no borrower in the event.
    expect(event.envelope).not.toContain("100.00");
    expect(event.envelope).not.toContain(borrowerId);

    // Again, later and by another channel: the same notice, nothing more written.
    clock.set(new Date(NOW.getTime() + 60_000));
    expect(await sent(caseId, "FIRST_REMINDER", "LETTER")).toEqual(n);
    expect(await counts(caseId)).toEqual({ notices: 1, activities: 1, events: 1 });
  });

  it("refuses a stage whose prerequisite is not sent with CONFLICT naming it, writing nothing; sends it once the prerequisite is", async () => {
    const lender = uuidv7();
    const { caseId } = await knownCase(svc, clock, { lenderId: lender });
    clock.set(NOW);
    principal = lenderPrincipal(lender);
    const refused = await send(caseId, "GRACE_NOTICE");
    expect(codes(refused)).toEqual(["CONFLICT"]);
    expect(refused.errors![0]!.message).toContain("FIRST_REMINDER");
    expect(refused.errors![0]!.extensions!.missing).toEqual(["FIRST_REMINDER"]);
    // US_REG_F (the default profile): a legal warning follows the first reminder and the validation notice.
    const legal = await send(caseId, "LEGAL_WARNING");
    expect(legal.errors![0]!.extensions).toMatchObject({ code: "CONFLICT", missing: ["FIRST_REMINDER", "VALIDATION_NOTICE"] });
    expect(await counts(caseId)).toEqual({ notices: 0, activities: 0, events: 0 });

    await sent(caseId, "FIRST_REMINDER");
    expect((await sent(caseId, "GRACE_NOTICE")).stage).toBe("GRACE_NOTICE");
    expect(codes(await send(caseId, "LEGAL_WARNING"))).toEqual(["CONFLICT"]);
    const v = await sent(caseId, "VALIDATION_NOTICE");
    expect(v.required).toBe(true);
    const w = await sent(caseId, "LEGAL_WARNING");
    expect(w).toMatchObject({ required: true, earliestLegalStepAt: new Date(NOW.getTime() + 14 * DAY).toISOString() });
    expect(w.body).toContain("no sooner than 14 days");
  });

  it("follows the lender's tightened profile (more prerequisites, a longer lead) and refuses loosening it", async () => {
    const lender = uuidv7();
    const { caseId } = await knownCase(svc, clock, { lenderId: lender });
    clock.set(NOW);
    principal = lenderPrincipal(lender);
    const loosen = await call(SET_PROFILE, { j: "US_REG_F", o: { notices: { requires: [{ stage: "GRACE_NOTICE", requires: [] }] } } });
    expect(codes(loosen)).toEqual(["BAD_USER_INPUT"]);
    expect(loosen.errors![0]!.extensions!.field).toBe("overrides.notices.requires.GRACE_NOTICE");
    expect(codes(await call(SET_PROFILE, { j: "US_REG_F", o: { notices: { legalWarningLeadDays: 13 } } }))).toEqual(["BAD_USER_INPUT"]);
    // A cycle would make both stages unsendable.
    expect(codes(await call(SET_PROFILE, { j: "US_REG_F", o: { notices: { requires: [{ stage: "FIRST_REMINDER", requires: ["GRACE_NOTICE"] }] } } }))).toEqual(["BAD_USER_INPUT"]);
    expect(codes(await call(SET_PROFILE, { j: "UK_FCA", o: { notices: { requires: [{ stage: "GRACE_NOTICE", requires: ["FIRST_REMINDER", "VALIDATION_NOTICE"] }] } } }))).toEqual(["BAD_USER_INPUT"]);
    expect((await svc.ds.query("SELECT count(*)::int AS n FROM contact_profile WHERE lender_id = $1", [lender]))[0].n).toBe(0);

    const o = { notices: { legalWarningLeadDays: 21, requires: [{ stage: "GRACE_NOTICE", requires: ["FIRST_REMINDER", "VALIDATION_NOTICE"] }] } };
    const set = await call(SET_PROFILE, { j: "US_REG_F", o });
    expect(set.errors).toBeUndefined();
    expect(set.data.setContactProfile.notices.legalWarningLeadDays).toBe(21);
    expect(set.data.setContactProfile.notices.requires).toContainEqual({ stage: "GRACE_NOTICE", requires: ["FIRST_REMINDER", "VALIDATION_NOTICE"] });
    // The same again changes nothing.
    expect((await call(SET_PROFILE, { j: "US_REG_F", o })).data.setContactProfile.version).toBe(1);

    await sent(caseId, "FIRST_REMINDER");
    expect((await send(caseId, "GRACE_NOTICE")).errors![0]!.extensions).toMatchObject({ code: "CONFLICT", missing: ["VALIDATION_NOTICE"] });
    await sent(caseId, "VALIDATION_NOTICE");
    await sent(caseId, "GRACE_NOTICE");
    const w = await sent(caseId, "LEGAL_WARNING");
    expect(w.earliestLegalStepAt).toBe(new Date(NOW.getTime() + 21 * DAY).toISOString());
    expect(w.body).toContain("no sooner than 21 days");
  });

  it("refuses VALIDATION_NOTICE outside US_REG_F, and writes in zh-CN under CN_NIFA unless the borrower prefers a catalogue language", async () => {
    const lender = uuidv7();
    const [a, b] = [await knownCase(svc, clock, { lenderId: lender, timezone: "Asia/Shanghai" }), await knownCase(svc, clock, { lenderId: lender, timezone: "Asia/Shanghai" })];
    clock.set(new Date("2026-11-24T02:00:00Z")); // 10:00 in Shanghai
    principal = lenderPrincipal(lender);
    expect((await call(SET_PROFILE, { j: "CN_NIFA" })).errors).toBeUndefined();
    const v = await send(a.caseId, "VALIDATION_NOTICE");
    expect(codes(v)).toEqual(["BAD_USER_INPUT"]);
    expect(v.errors![0]!.message).toContain("US_REG_F");
    const zh = await sent(a.caseId, "FIRST_REMINDER");
    expect(zh.language).toBe("zh-CN");
    expect(zh.body).toContain("USD 100.00");
    expect(zh.body).toContain("2026年10月15日");
    expect(zh.body).toContain("后续安排");
    // CN_NIFA has no validation notice: a legal warning follows the first reminder alone.
    expect((await sent(a.caseId, "LEGAL_WARNING")).language).toBe("zh-CN");

    principal = borrowerPrincipal(b.borrowerId);
    expect((await call(PREFER, { input: { caseId: b.caseId, preferredLanguage: "en-GB" } })).errors).toBeUndefined();
    principal = lenderPrincipal(lender);
    const en = await sent(b.caseId, "FIRST_REMINDER");
    expect(en.language).toBe("en");
    expect(en.body).toContain("2026-10-15");
  });

  it("passes a cease request for a notice the law requires, and refuses any other with the hold, writing nothing", async () => {
    const lender = uuidv7();
    const { caseId, borrowerId } = await knownCase(svc, clock, { lenderId: lender });
    clock.set(NOW);
    principal = borrowerPrincipal(borrowerId);
    expect((await call(CEASE, { caseId })).errors).toBeUndefined();
    principal = lenderPrincipal(lender);
    const refused = await send(caseId, "FIRST_REMINDER");
    expect(codes(refused)).toEqual(["FORBIDDEN"]);
    expect(refused.errors![0]!.extensions!.rule).toBe("CONTACT_HOLD");
    expect(await counts(caseId)).toEqual({ notices: 0, activities: 0, events: 0 });
    const v = await sent(caseId, "VALIDATION_NOTICE");
    expect(v).toMatchObject({ status: "SENT", required: true });
    const [a] = await svc.ds.query("SELECT required, violation_count FROM activity WHERE id = $1", [v.activityId]);
    expect(a).toEqual({ required: true, violation_count: 0 });
  });

  it("lets an agency holding the case send the reminders and the validation notice, never the legal warning; others are refused", async () => {
    const lender = uuidv7();
    const agency = uuidv7();
    const { caseId, borrowerId } = await knownCase(svc, clock, { lenderId: lender, agencyId: agency });
    clock.set(NOW);
    principal = agencyPrincipal(agency);
    const n = await sent(caseId, "FIRST_REMINDER");
    const [a] = await svc.ds.query("SELECT reporter_role, agency_id FROM activity WHERE id = $1", [n.activityId]);
    expect(a).toEqual({ reporter_role: "agency", agency_id: agency });
    await sent(caseId, "VALIDATION_NOTICE");
    expect(codes(await send(caseId, "LEGAL_WARNING"))).toEqual(["FORBIDDEN"]);
    expect(codes(await send(caseId, "CREDIT_RECORD_CONSEQUENCE"))).toEqual(["FORBIDDEN"]);
    principal = agencyPrincipal(uuidv7());
    expect(codes(await send(caseId, "GRACE_NOTICE"))).toEqual(["NOT_FOUND"]);
    principal = lenderPrincipal(uuidv7());
    expect(codes(await send(caseId, "GRACE_NOTICE"))).toEqual(["NOT_FOUND"]);
    principal = borrowerPrincipal(borrowerId);
    expect(codes(await send(caseId, "GRACE_NOTICE"))).toEqual(["FORBIDDEN"]);
    principal = auditorPrincipal();
    expect(codes(await send(caseId, "GRACE_NOTICE"))).toEqual(["FORBIDDEN"]);
    expect((await counts(caseId)).notices).toBe(2);
  });
});

describe("notices(caseId)", () => {
  it("lists the notices sent, then those due by days past due with their missing prerequisites", async () => {
    const lender = uuidv7();
    const { caseId } = await knownCase(svc, clock, { lenderId: lender });
    clock.set(NOW);
    principal = lenderPrincipal(lender);
    const due = (await call(LIST, { caseId })).data.notices;
    // 40 days past due, unpaid since 2026-10-15: the first reminder and validation notice from day 1, grace from 15, credit record from 30; the legal warning not before 60.
    expect(due.map((n: any) => [n.stage, n.status, n.dueSince, n.missingPrerequisites])).toEqual([
      ["FIRST_REMINDER", "DUE", "2026-10-16", []],
      ["VALIDATION_NOTICE", "DUE", "2026-10-16", []],
      ["GRACE_NOTICE", "DUE", "2026-10-30", ["FIRST_REMINDER"]],
      ["CREDIT_RECORD_CONSEQUENCE", "DUE", "2026-11-14", ["FIRST_REMINDER", "VALIDATION_NOTICE"]],
    ]);
    expect(due.every((n: any) => n.id === null && n.sentAt === null && n.body === null && n.language === "en")).toBe(true);

    const first = await sent(caseId, "FIRST_REMINDER");
    const after = (await call(LIST, { caseId })).data.notices;
    expect(after[0]).toEqual(first);
    expect(after.slice(1).map((n: any) => [n.stage, n.missingPrerequisites])).toEqual([
      ["VALIDATION_NOTICE", []],
      ["GRACE_NOTICE", []],
      ["CREDIT_RECORD_CONSEQUENCE", ["VALIDATION_NOTICE"]],
    ]);

    // 60 days past due (a newer case event): the legal warning falls due; an older event changes nothing.
    const event = (version: number, daysPastDue: number) =>
      newEvent(
        {
          type: "CaseUpdated", aggregateType: "CollectionCase", aggregateId: caseId, aggregateVersion: version, lenderId: lender,
          payload: { caseId, loanId: uuidv7(), borrowerId: uuidv7(), status: "OPEN", daysPastDue, bucket: "DPD_61_90", amountOverdueMinor: "20000", outstandingBalanceMinor: "90000", currency: "USD", asOf: "2026-12-14" },
        },
        NOW,
      );
    await svc.ds.transaction((tx) => applyCaseBalance(tx, event(3, 60)));
    await svc.ds.transaction((tx) => applyCaseBalance(tx, event(2, 10)));
    const later = (await call(LIST, { caseId })).data.notices;
    expect(later.at(-1)).toMatchObject({ stage: "LEGAL_WARNING", status: "DUE", dueSince: "2026-12-14", required: true });
  });

  it("shows the borrower its own, an agency holding the case and auditors the status (auditors not the text); others NOT_FOUND", async () => {
    const lender = uuidv7();
    const agency = uuidv7();
    const { caseId, borrowerId } = await knownCase(svc, clock, { lenderId: lender, agencyId: agency });
    clock.set(NOW);
    principal = lenderPrincipal(lender);
    const n = await sent(caseId, "FIRST_REMINDER");
    for (const p of [borrowerPrincipal(borrowerId), agencyPrincipal(agency)]) {
      principal = p;
      const r = await call(LIST, { caseId });
      expect(r.errors, p.role).toBeUndefined();
      expect(r.data.notices[0]).toEqual(n);
    }
    principal = auditorPrincipal();
    const audited = await call(LIST, { caseId });
    expect(audited.data.notices[0]).toMatchObject({ id: n.id, stage: "FIRST_REMINDER", status: "SENT", subject: null, body: null });
    expect(codes(audited)).toContain("FORBIDDEN");
    for (const p of [borrowerPrincipal(uuidv7()), agencyPrincipal(uuidv7()), lenderPrincipal(uuidv7())]) {
      principal = p;
      expect(codes(await call(LIST, { caseId })), p.role).toEqual(["NOT_FOUND"]);
    }
    expect(codes(await call(LIST, { caseId: uuidv7() }))).toEqual(["NOT_FOUND"]);
  });
});

describe("legalWarningGiven", () => {
  it("is ok from exactly legalWarningLeadDays after the LEGAL_WARNING was sent, not a millisecond before, and not without one", async () => {
    const lender = uuidv7();
    const { caseId } = await knownCase(svc, clock, { lenderId: lender });
    clock.set(NOW);
    expect(await legalWarningGiven(svc.ds, caseId, NOW)).toEqual({ ok: false, sentAt: null, earliestLegalStepAt: null, legalWarningLeadDays: 14 });
    principal = lenderPrincipal(lender);
    for (const s of ["FIRST_REMINDER", "VALIDATION_NOTICE", "LEGAL_WARNING"]) await sent(caseId, s);
    const earliest = new Date(NOW.getTime() + 14 * DAY);
    expect(await legalWarningGiven(svc.ds, caseId, earliest)).toEqual({ ok: true, sentAt: NOW, earliestLegalStepAt: earliest, legalWarningLeadDays: 14 });
    expect((await legalWarningGiven(svc.ds, caseId, new Date(earliest.getTime() - 1))).ok).toBe(false);
    // A lead the lender lengthens later applies to the warning already sent.
    expect((await call(SET_PROFILE, { j: "US_REG_F", o: { notices: { legalWarningLeadDays: 30 } } })).errors).toBeUndefined();
    const longer = await legalWarningGiven(svc.ds, caseId, earliest);
    expect(longer).toMatchObject({ ok: false, earliestLegalStepAt: new Date(NOW.getTime() + 30 * DAY), legalWarningLeadDays: 30 });
  });
});
