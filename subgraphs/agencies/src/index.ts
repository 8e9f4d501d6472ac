import "reflect-metadata";
import { startSubgraph, type SubgraphOptions, type SubgraphService } from "@concord/service-kit";
import { buildAgenciesSchema } from "./schema";
import { createContext, type AgenciesContext } from "./context";
import { migrations } from "./migrations";
import { CASE_RESOLVED_CONSUMER, caseResolvedHandler } from "./access/case-resolved";
import { COMPLIANCE_VIOLATIONS_CONSUMER, complianceViolationsHandler } from "./modules/violation/compliance-violations";
import { expirePlacements, suspendOverdueAgencies } from "./modules/placement/placement.jobs";
import { LEGAL_ESCALATION_CONSUMER, legalEscalationHandler } from "./modules/placement/legal-escalation";

export { buildAgenciesSchema } from "./schema";
export { buildAgenciesSchema as buildSchema } from "./schema";
export { migrations } from "./migrations";
export { seedDemo } from "./demo/seed-demo";
export { seedDemoAgencies } from "./demo/seed";
export { suspendAgency } from "./modules/placement/placement.jobs";

export type AgenciesOptions = SubgraphOptions;
export type AgenciesService = SubgraphService<AgenciesContext>;

/** Migrates the agencies database and serves the subgraph; with a bus, relays its outbox, keeps the case directory, completes the placements of resolved cases, recalls those of cases escalated to legal action and records contact violations. */
export function start(opts: AgenciesOptions): Promise<AgenciesService> {
  return startSubgraph<AgenciesContext>(
    {
      name: "agencies",
      migrations,
      buildSchema: buildAgenciesSchema,
      createContext,
      consumers: (clock) => [
        { name: CASE_RESOLVED_CONSUMER, handle: caseResolvedHandler(clock) },
        { name: COMPLIANCE_VIOLATIONS_CONSUMER, handle: complianceViolationsHandler() },
        { name: LEGAL_ESCALATION_CONSUMER, handle: legalEscalationHandler(clock) },
      ],
      jobs: [
        { name: "expire-placements", everyMs: 60_000, run: expirePlacements },
        // Cheap, and an agency past its review keeps its cases only until this runs.
        { name: "suspend-overdue-agencies", everyMs: 60_000, run: suspendOverdueAgencies },
      ],
    },
    opts,
  );
}
