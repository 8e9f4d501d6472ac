import type { DataSource } from "typeorm";
import { appendToOutbox, derivedUuid, newEvent, systemClock, type Clock } from "@concord/service-kit";
import { placementStarted } from "../modules/placement/placement.service";

/** The licence of the demo agency, the first of the demo agencies: the one whose token `npm start` prints. */
const DEMO_AGENCY_LICENCE = "FCA-RC-100231";
/** The contact channels every demo agency may use. */
const DEMO_CHANNELS = ["CALL", "SMS", "EMAIL", "LETTER", "VISIT"];

export interface DemoAgencies {
  /** The agency whose token `npm start` prints. */
  demoAgencyId: string;
  placed: number;
}

/**
 * Demo agencies: three (one suspended), their agents, a share of each lender's open cases placed
 * with the active ones, so that the demo agency's token sees cases. Runs once, when there is no
 * agency yet, after the case facts from loans' events have arrived. Every id derives from `seed`
 * (and the case ids, which derive from it in loans), so seeding again gives the same ids; only
 * the times (placed at, expires at, the visit's window) follow the clock.
 */
export async function seedDemoAgencies(ds: DataSource, clock: Clock = systemClock, seed = 42): Promise<DemoAgencies> {
  const demoId = (...parts: Array<string | number>) => derivedUuid("concord-demo", seed, ...parts);
  return ds.transaction(async (tx) => {
    await tx.query("SELECT pg_advisory_xact_lock(727400)");
    // Seeded before: the demo agency is Sterling Recoveries again (by its licence, whatever its id).
    const existing = await tx.query("SELECT id FROM agency ORDER BY licence_number <> $1, licence_number LIMIT 1", [DEMO_AGENCY_LICENCE]);
    if (existing.length) return { demoAgencyId: existing[0].id, placed: 0 };
    const now = clock.now();
    const day = 86_400_000;
    const agencies = [
      { name: "Sterling Recoveries Ltd", licence: DEMO_AGENCY_LICENCE, regions: ["London", "Leeds", "Bristol", "Manchester", "Cardiff", "Glasgow"], capacity: 120, status: "ACTIVE" },
      { name: "Huaxia Credit Services", licence: "CN-SH-CS-88412", regions: ["Shanghai", "Hangzhou", "Suzhou", "Nanjing", "Shenzhen", "Chengdu"], capacity: 120, status: "ACTIVE" },
      { name: "Northgate Collections", licence: "FCA-RC-100977", regions: ["London", "Manchester"], capacity: 40, status: "SUSPENDED" },
    ].map((a, i) => ({ ...a, id: demoId("agency", i) }));
    for (const [i, a] of agencies.entries()) {
      await tx.query(
        `INSERT INTO agency (id, name, licence_number, licence_review_due, regions, capacity, channels, status, suspended_reason)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
        [a.id, a.name, a.licence, new Date(now.getTime() + 180 * day).toISOString().slice(0, 10), a.regions, a.capacity,
          DEMO_CHANNELS, a.status, a.status === "SUSPENDED" ? "Licence review failed" : null],
      );
      for (let n = 1; n <= 3; n++) {
        await tx.query("INSERT INTO agent (id, agency_id, name, employee_number) VALUES ($1, $2, $3, $4)", [
          demoId("agent", i, n), a.id, `Agent ${n} of ${a.name.split(" ")[0]}`, `${a.licence.slice(-4)}-${String(n).padStart(3, "0")}`,
        ]);
      }
    }
    // Place about half of the open cases whose region an active agency serves, deterministically.
    const facts = await tx.query("SELECT case_id, lender_id, region FROM case_directory WHERE status = 'OPEN' ORDER BY case_id");
    let placed = 0;
    const events = [];
    for (const [i, f] of facts.entries()) {
      if (i % 2 === 1) continue;
      const agency = agencies.find((a) => a.status === "ACTIVE" && a.regions.includes(f.region));
      if (!agency) continue;
      const [row] = await tx.query(
        `INSERT INTO placement (id, case_id, agency_id, lender_id, placed_at, expires_at, status, commission_bps, max_discount_bps, max_instalments)
         VALUES ($1, $2, $3, $4, $5, $6, 'ACTIVE', 1500, 1000, 12) RETURNING *`,
        // Placed two weeks ago, so the demo's contacts of the past days were made while the agency held the case.
        [demoId("placement", f.case_id), f.case_id, agency.id, f.lender_id, new Date(now.getTime() - 14 * day), new Date(now.getTime() + 90 * day)],
      );
      events.push(placementStarted(row, DEMO_CHANNELS, now, null));
      placed++;
    }
    // One approved home visit for the demo agency, its window open now, so its token sees that address.
    const [first] = await tx.query("SELECT * FROM placement WHERE agency_id = $1 ORDER BY id LIMIT 1", [agencies[0]!.id]);
    if (first) {
      const [agent] = await tx.query("SELECT id FROM agent WHERE agency_id = $1 ORDER BY employee_number LIMIT 1", [first.agency_id]);
      const visitId = demoId("visit", first.id);
      const windowStart = new Date(now.getTime() - 3_600_000);
      const windowEnd = new Date(now.getTime() + 8 * 3_600_000);
      await tx.query(
        `INSERT INTO home_visit (id, case_id, agency_id, agent_id, lender_id, reason, window_start, window_end, status, decided_by, decided_at, requested_at)
         VALUES ($1, $2, $3, $4, $5, 'No contact by phone for 30 days', $6, $7, 'APPROVED', 'demo-lender-user', $8, $8)`,
        [visitId, first.case_id, first.agency_id, agent.id, first.lender_id, windowStart, windowEnd, now],
      );
      events.push(
        newEvent(
          {
            type: "HomeVisitApproved", aggregateType: "HomeVisitRequest", aggregateId: visitId, lenderId: first.lender_id,
            payload: { visitId, caseId: first.case_id, agencyId: first.agency_id, windowStart: windowStart.toISOString(), windowEnd: windowEnd.toISOString() },
          },
          now,
        ),
      );
    }
    await appendToOutbox(tx, events);
    return { demoAgencyId: agencies[0]!.id, placed };
  });
}
