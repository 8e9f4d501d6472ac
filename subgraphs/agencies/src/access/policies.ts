import { AUDIT_TRAIL, definePolicies, NEVER, PUBLIC, subscriberRules, value } from "@concord/service-kit";

/** The agencies subgraph's field policies (see schema/ACCESS.md). */
const agencyPolicies = definePolicies({
  agencyProfile: {
    description: "An agency's public profile (name, licence, regions, channels, status): lenders choose agencies by it.",
    rules: { lender: value("anyone"), agency: value("ownAgency"), borrower: NEVER, auditor: value("anyone") },
  },
  agencyInternals: {
    description: "An agency's agents and capacity: the agency itself, lenders and auditors.",
    rules: { lender: value("anyone"), agency: value("ownAgency"), borrower: NEVER, auditor: value("anyone") },
  },
  placementTerms: {
    description: "A placement and its terms (commission, delegated authority): the case's lender, the agency holding it, auditors.",
    rules: { lender: value("ownLender"), agency: value("ownAgency"), borrower: NEVER, auditor: value("anyone") },
  },
  placementsReceived: {
    description: "Live notice of the cases placed with an agency (placementsReceived): that agency only.",
    rules: subscriberRules("placementsReceived"),
  },
  placementOperation: {
    description: "Placing and recalling cases: lenders (on their own cases).",
    rules: { lender: value("anyone"), agency: NEVER, borrower: NEVER, auditor: NEVER },
  },
  agencyOperation: {
    description: "Returning a placement: the agency holding it.",
    rules: { lender: NEVER, agency: value("anyone"), borrower: NEVER, auditor: NEVER },
  },
  visitDetails: {
    description: "A home-visit request, its decision, appointment and report: the case's lender, the agency, auditors.",
    rules: { lender: value("ownLender"), agency: value("ownAgency"), borrower: NEVER, auditor: value("anyone") },
  },
  visitParties: {
    description: "Cancelling a visit: the case's lender or the agency (the resolver checks which visit is theirs).",
    rules: { lender: value("anyone"), agency: value("anyone"), borrower: NEVER, auditor: NEVER },
  },
  violationList: {
    description: "The list of recorded rule breaches (violations): lenders (their own cases'), agencies (their own), auditors.",
    rules: { lender: value("anyone"), agency: value("anyone"), borrower: NEVER, auditor: value("anyone") },
  },
  violationRecord: {
    description: "A recorded breach of a visit or contact rule: the case's lender, the agency whose breach it was, auditors (ids, the rule, when; never PII).",
    rules: { lender: value("ownLender"), agency: value("ownAgency"), borrower: NEVER, auditor: value("anyone") },
  },
  casePlacements: {
    description: "Who holds a case: the case's lender, the agency holding it, auditors.",
    rules: { lender: value("ownLender"), agency: value("activePlacement"), borrower: NEVER, auditor: value("anyone") },
  },
});

export const P = { ...agencyPolicies, public: PUBLIC, auditTrail: AUDIT_TRAIL };
