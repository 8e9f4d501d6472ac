import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import type { z } from "zod";
import {
  caseEventPayloadSchema,
  complaintFiledPayloadSchema,
  complaintOverduePayloadSchema,
  complaintRespondedPayloadSchema,
  complaintMarkedComplexPayloadSchema,
  complianceViolationPayloadSchema,
  contactHoldLiftedPayloadSchema,
  contactHoldPlacedPayloadSchema,
  contactProfileSetPayloadSchema,
  disputeRaisedPayloadSchema,
  disputeResolvedPayloadSchema,
  hardshipDecidedPayloadSchema,
  hardshipHoldEndedPayloadSchema,
  hardshipDeclaredPayloadSchema,
  noticeSentPayloadSchema,
  EVENT_TYPES,
  homeVisitApprovedPayloadSchema,
  homeVisitClosedPayloadSchema,
  offerDecidedPayloadSchema,
  offerProposedPayloadSchema,
  paymentRecordedPayloadSchema,
  placementEndedPayloadSchema,
  placementStartedPayloadSchema,
  promiseBrokenPayloadSchema,
  promiseKeptPayloadSchema,
  promiseMadePayloadSchema,
  planStartedPayloadSchema,
  planUpdatedPayloadSchema,
  caseEscalatedToLegalPayloadSchema,
  type EventType,
} from "@concord/schema";

/** This file lives at <root>/scripts/. */
const root = fileURLToPath(new URL("..", import.meta.url));
const read = (path: string) => readFileSync(join(root, path), "utf8");
const docs = readdirSync(join(root, "docs")).filter((f) => f.endsWith(".md")).map((f) => `docs/${f}`);

/** Each event type's payload schema: a new type fails here until it is added, and to docs/events.md. */
const PAYLOADS: Record<EventType, z.ZodObject<z.ZodRawShape>> = {
  CaseOpened: caseEventPayloadSchema,
  CaseUpdated: caseEventPayloadSchema,
  CaseResolved: caseEventPayloadSchema,
  PaymentRecorded: paymentRecordedPayloadSchema,
  PlacementStarted: placementStartedPayloadSchema,
  PlacementEnded: placementEndedPayloadSchema,
  HomeVisitApproved: homeVisitApprovedPayloadSchema,
  HomeVisitCompleted: homeVisitClosedPayloadSchema,
  HomeVisitCancelled: homeVisitClosedPayloadSchema,
  ContactProfileSet: contactProfileSetPayloadSchema,
  ContactHoldPlaced: contactHoldPlacedPayloadSchema,
  ContactHoldLifted: contactHoldLiftedPayloadSchema,
  ComplianceViolation: complianceViolationPayloadSchema,
  DisputeRaised: disputeRaisedPayloadSchema,
  DisputeResolved: disputeResolvedPayloadSchema,
  HardshipDeclared: hardshipDeclaredPayloadSchema,
  HardshipDecided: hardshipDecidedPayloadSchema,
  HardshipHoldEnded: hardshipHoldEndedPayloadSchema,
  NoticeSent: noticeSentPayloadSchema,
  ComplaintFiled: complaintFiledPayloadSchema,
  ComplaintResponded: complaintRespondedPayloadSchema,
  ComplaintMarkedComplex: complaintMarkedComplexPayloadSchema,
  ComplaintOverdue: complaintOverduePayloadSchema,
  PromiseMade: promiseMadePayloadSchema,
  PromiseKept: promiseKeptPayloadSchema,
  PromiseBroken: promiseBrokenPayloadSchema,
  OfferProposed: offerProposedPayloadSchema,
  OfferApproved: offerDecidedPayloadSchema,
  OfferRejected: offerDecidedPayloadSchema,
  OfferWithdrawn: offerDecidedPayloadSchema,
  OfferExpired: offerDecidedPayloadSchema,
  OfferAccepted: offerDecidedPayloadSchema,
  PlanStarted: planStartedPayloadSchema,
  PlanUpdated: planUpdatedPayloadSchema,
  CaseEscalatedToLegal: caseEscalatedToLegalPayloadSchema,
};

describe("docs/", () => {
  it("the event catalogue has every event type in schema/src/events.ts, with every payload field", () => {
    expect(Object.keys(PAYLOADS).sort()).toEqual(Object.keys(EVENT_TYPES).sort());
    const catalogue = read("docs/events.md");
    const sections = catalogue.split(/^### /m).slice(1);
    for (const [type, schema] of Object.entries(PAYLOADS)) {
      const section = sections.find((s) => new RegExp(`\\b${type}\\b`).test(s.split("\n")[0]!));
      expect(section, `a "### ${type}" section`).toBeDefined();
      expect(section, type).toMatch(/\*\*Producer:\*\*/);
      expect(section, type).toMatch(/\*\*Consumers:\*\*/);
      for (const field of Object.keys(schema.shape)) expect(section, `${type}.${field}`).toContain(`| \`${field}\` |`);
    }
  });

  it("every relative link in README.md and docs/ points at a file in the repository", () => {
    for (const file of ["README.md", ...docs]) {
      for (const [, target] of read(file).matchAll(/\]\(([^)\s]+)\)/g)) {
        if (/^[a-z]+:/.test(target!) || target!.startsWith("#")) continue;
        const path = join(root, dirname(file), target!.split("#")[0]!);
        expect(existsSync(path), `${file} links ${target}`).toBe(true);
      }
    }
  });

  it("README.md points at docs/, not at design notes outside the repository", () => {
    const readme = read("README.md");
    expect(readme).not.toMatch(/shared folder|\.\.\/shared|DESIGN\.md/);
    for (const page of ["docs/access.md", "docs/contact-rules.md", "docs/events.md", "docs/architecture.md"]) expect(readme).toContain(`(${page})`);
  });
});
