import type { DataSource } from "typeorm";
import { CLOSED_CASE_STATUSES, type Principal } from "@concord/schema";
import type { DemoParties, DemoSeedContext, Jurisdiction } from "@concord/service-kit";
import { reportActivity } from "../modules/activity/activity.service";
import { decideHardship } from "../modules/hardships/hardship.service";
import { setContactProfile } from "../modules/profile/profile.service";
import { breakPromises } from "../modules/promises/promise.service";
import type { ContactProfileOverrides } from "../modules/profile/profile.type";
import { DEMO_AGENCY_STORIES, DEMO_KEY_PREFIX, demoKeysOf, demoReports, OTHER_AGENCY_CASES, type DemoStory } from "./demo-reports";

/** How long to wait for the agencies subgraph's placement events to arrive before seeding on what has arrived. */
const PLACEMENTS_WAIT_MS = 60_000;

/**
 * The profile a demo lender gets, from where its borrowers live: the demo portfolio's lenders
 * are a British one (Europe/London) and a Chinese one (Asia/Shanghai). Anyone else keeps the
 * default, US_REG_F.
 */
const PROFILE_OF_ZONE: Record<string, { jurisdiction: Jurisdiction; overrides: ContactProfileOverrides }> = {
  // CONC 7 sets no call cap; the demo lender tightens its profile with Regulation F's 7 in 7
  // days, which shows a tightening and lets the demo's 8th call attempt break a rule.
  "Europe/London": { jurisdiction: "UK_FCA", overrides: { maxCallAttemptsPer7Days: 7 } },
  "Asia/Shanghai": { jurisdiction: "CN_NIFA", overrides: {} },
};

/** One demo case and what its reports show. */
interface Slot {
  slot: string;
  story: DemoStory;
  caseId: string;
  agencyId: string;
  zone: string;
}

/** The demo seeding's principals: the system acting as a lender or as an agency, like their integrations would. */
const asLender = (lenderId: string): Principal => ({ sub: "concord-demo-seed", role: "lender", lenderId, scope: [] });
const asAgency = (agencyId: string): Principal => ({ sub: "concord-demo-seed", role: "agency", agencyId, scope: [] });

/** Waits until the directory has every placement the agencies subgraph made (or the wait is over), on cases it knows. */
async function awaitPlacements(ds: DataSource, expected: number): Promise<void> {
  const deadline = Date.now() + PLACEMENTS_WAIT_MS;
  for (;;) {
    const [{ n }] = await ds.query(
      "SELECT count(*)::int AS n FROM case_directory_placement p JOIN case_directory d ON d.case_id = p.case_id WHERE d.timezone IS NOT NULL",
    );
    if (n >= expected || Date.now() > deadline) return;
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** The demo cases, among those held now, by case id: each other agency's first ones, then the demo agency's (last, see seedDemo). */
async function chooseSlots(ds: DataSource, demoAgencyId: string, now: Date): Promise<Slot[]> {
  const held: Array<{ case_id: string; agency_id: string; timezone: string }> = await ds.query(
    `SELECT p.case_id, p.agency_id, d.timezone FROM case_directory_placement p JOIN case_directory d ON d.case_id = p.case_id
      WHERE p.ended_at IS NULL AND p.placed_at IS NOT NULL AND p.expires_at > $1 AND d.timezone IS NOT NULL
        AND NOT (d.status = ANY($2::text[]))
      ORDER BY p.agency_id, p.case_id`,
    [now, CLOSED_CASE_STATUSES],
  );
  const slots: Slot[] = [];
  const others = [...new Set(held.map((h) => h.agency_id).filter((a) => a !== demoAgencyId))];
  others.forEach((agencyId, a) => {
    held
      .filter((h) => h.agency_id === agencyId)
      .slice(0, OTHER_AGENCY_CASES)
      .forEach((h, i) => slots.push({ slot: `agency-${a}-${i}`, story: "nifa", caseId: h.case_id, agencyId, zone: h.timezone }));
  });
  const demo = held.filter((h) => h.agency_id === demoAgencyId);
  DEMO_AGENCY_STORIES.forEach((story, i) => {
    const h = demo[i];
    if (h) slots.push({ slot: `demo-agency-${i}`, story, caseId: h.case_id, agencyId: h.agency_id, zone: h.timezone });
  });
  return slots;
}

/** Gives each demo lender that has chosen no profile the one its borrowers' zone suggests; a lender's own choice is kept. */
async function chooseProfiles(ds: DataSource, ctx: DemoSeedContext): Promise<string[]> {
  const lenders: Array<{ lender_id: string; zone: string }> = await ds.query(
    `SELECT d.lender_id, min(d.timezone) AS zone FROM case_directory d
      WHERE NOT EXISTS (SELECT 1 FROM contact_profile p WHERE p.lender_id = d.lender_id)
      GROUP BY d.lender_id HAVING count(DISTINCT d.timezone) = 1 ORDER BY d.lender_id`,
  );
  const chosen: string[] = [];
  for (const { lender_id, zone } of lenders) {
    const profile = PROFILE_OF_ZONE[zone];
    if (!profile) continue;
    await setContactProfile(ds, ctx.clock, asLender(lender_id), profile.jurisdiction, profile.overrides, null);
    chosen.push(profile.jurisdiction);
  }
  return chosen;
}

/**
 * `npm start`'s demo data in outreach, once the case directory has the placements the agencies
 * subgraph made (they come over the bus): a contact profile for each demo lender that has none
 * (UK_FCA, tightened to 7 call attempts in 7 days, for the British lender; CN_NIFA for the
 * Chinese one), then contacts reported through `reportActivity` as the agency holding each case,
 * so every rule runs as for a real report. On the demo agency's first case the 8th call attempt
 * in 7 days breaks CALL_ATTEMPTS_7_DAYS: the violation is stored and emitted as
 * ComplianceViolation, for the lender's complianceAlerts. Its second case has a pending promise
 * to pay (calls held until its due date), its third one whose grace ended, broken as the seeding
 * ends (PromiseBroken). Seeding again adds nothing; after a
 * seeding stopped halfway it finishes the plan: keys derive from the seed and times from the
 * first seeding, so what was reported before replays.
 */
export async function seedDemo(ctx: DemoSeedContext): Promise<Partial<DemoParties>> {
  const { ds, seed, clock, demo, say } = ctx;
  const demoAgencyId = demo.agencyId;
  if (!demoAgencyId) return {};
  // What an earlier seeding reported (all of it, or part if a start was stopped halfway): its
  // cases and its instant, so that each of its reports replays exactly.
  const earlier: Array<{ idempotency_key: string; case_id: string; reported_at: Date }> = await ds.query(
    "SELECT idempotency_key, case_id, reported_at FROM activity WHERE starts_with(idempotency_key, $1) ORDER BY reported_at, id",
    [DEMO_KEY_PREFIX],
  );
  const earlierCase = new Map(earlier.map((r) => [r.idempotency_key, r.case_id]));
  const caseOf = (slot: string, story: DemoStory) => earlierCase.get(demoKeysOf(seed, slot, story)[0]!);
  const demoKeys = DEMO_AGENCY_STORIES.flatMap((story, i) => demoKeysOf(seed, `demo-agency-${i}`, story));
  // The demo agency's cases are reported last: with all of them there, the seeding was complete.
  if (demoKeys.every((k) => earlierCase.has(k))) {
    const caseOfStory = (story: DemoStory) => caseOf(`demo-agency-${DEMO_AGENCY_STORIES.indexOf(story)}`, story);
    await approveDemoHardship(ds, clock, caseOfStory("hardship"));
    return partiesOf(caseOfStory);
  }
  const anchor = earlier[0] ? new Date(earlier[0].reported_at) : clock.now();

  await awaitPlacements(ds, demo.placedCases ?? 0);
  const profiles = await chooseProfiles(ds, ctx);
  const slots = (await chooseSlots(ds, demoAgencyId, clock.now())).map((s) => ({ ...s, caseId: caseOf(s.slot, s.story) ?? s.caseId }));
  let reported = 0;
  const broken = new Set<string>();
  for (const s of slots) {
    for (const input of demoReports(seed, s.slot, s.story, s.caseId, s.zone, anchor)) {
      const r = await reportActivity(ds, clock, asAgency(s.agencyId), input, null);
      if (r.replayed) continue;
      reported++;
      for (const v of r.violations) broken.add(v.rule);
    }
  }
  const caseOfStory = (story: DemoStory) => slots.find((s) => s.story === story)?.caseId;
  const approved = await approveDemoHardship(ds, clock, caseOfStory("hardship"));
  // The demo's old promise is past its grace: broken now, not at the job's next minute.
  const brokenPromises = await breakPromises(ds, clock);
  if (profiles.length) say(`Chose the demo lenders' contact profiles: ${profiles.join(", ")}.`);
  if (reported) {
    const rules = broken.size ? `; broken and alerted to the lender: ${[...broken].join(", ")}` : "";
    say(`Reported ${reported} demo contacts on ${slots.length} placed cases${rules}.`);
  }
  if (approved) say("Opened a dispute and approved a hardship (its contact hold) from the demo contacts.");
  if (brokenPromises) say(`Broke ${brokenPromises} demo promise(s) to pay whose grace had ended (PromiseBroken).`);
  return partiesOf(caseOfStory);
}

/** The demo cases `npm start`'s banner names, by their story. */
const partiesOf = (caseOfStory: (story: DemoStory) => string | undefined): Partial<DemoParties> => ({
  flaggedCaseId: caseOfStory("attempts"),
  contactCaseId: caseOfStory("conversation"),
  disputedCaseId: caseOfStory("dispute"),
  hardshipCaseId: caseOfStory("hardship"),
  brokenPromiseCaseId: caseOfStory("inbound"),
});

/**
 * The lender approves the hardship the demo's report declared on `caseId` (standard length: 60
 * days, breathing space under UK_FCA), so the demo shows an approved hardship hold rather than
 * a pending one that lapses. Already decided (a seeding before): nothing. Says whether it approved.
 */
async function approveDemoHardship(ds: DataSource, clock: DemoSeedContext["clock"], caseId: string | undefined): Promise<boolean> {
  if (!caseId) return false;
  const [declared] = await ds.query("SELECT id, lender_id FROM hardship WHERE case_id = $1 AND status = 'DECLARED' AND activity_id IS NOT NULL", [caseId]);
  if (!declared) return false;
  await decideHardship(ds, clock, asLender(declared.lender_id), declared.id, true, null, "Approved by the demo seeding: job loss, letter seen", null);
  return true;
}
