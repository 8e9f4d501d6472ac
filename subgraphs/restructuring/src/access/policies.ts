import { AUDIT_TRAIL, definePolicies, NEVER, PUBLIC, subscriberRules, value } from "@concord/service-kit";

/**
 * The restructuring subgraph's field policies (see schema/ACCESS.md and DESIGN "Who sees what").
 * A borrower is "self" to an offer only once it was put to it (PROPOSED, or later from there):
 * an offer pending the lender's approval, or one the lender rejected before approving it, is
 * not the borrower's to see (the Offer type's scope says so).
 */
const restructuringPolicies = definePolicies({
  offerView: {
    description: "An offer's kind, terms, status, version and expiry (its amounts: offerAmounts): the case's lender, an agency holding the case, the borrower once the offer was put to it (never one pending approval), auditors (amounts, never PII).",
    rules: { lender: value("ownLender"), agency: value("activePlacement"), borrower: value("self"), auditor: value("anyone") },
  },
  offerAmounts: {
    description: "An offer's amounts (its schedule, total payable, total forgiven, the interest waived): the case's lender, an agency holding the case, the borrower once the offer was put to it; never an auditor (DESIGN: amounts to auditors only in aggregate).",
    rules: { lender: value("ownLender"), agency: value("activePlacement"), borrower: value("self"), auditor: NEVER },
  },
  offerDecisionNote: {
    description: "A rejection's reason (free text: a borrower's reason may hold health or money troubles): the case's lender and the borrower once the offer was put to it; never an agency or an auditor.",
    rules: { lender: value("ownLender"), agency: NEVER, borrower: value("self"), auditor: NEVER },
  },
  offerApprovalNote: {
    description: "The lender's note approving an offer beyond the agency's delegated authority (free text): the case's lender and an agency holding the case; never the borrower or an auditor.",
    rules: { lender: value("ownLender"), agency: value("activePlacement"), borrower: NEVER, auditor: NEVER },
  },
  caseOffers: {
    description: "A case's offers: the case's lender, an agency holding the case, the borrower it is about (those put to it only), auditors (each offer's fields then follow their own policies).",
    rules: { lender: value("ownLender"), agency: value("activePlacement"), borrower: value("self"), auditor: value("anyone") },
  },
  myOffers: {
    description: "The caller's own offers (myOffers): a borrower's those put to it, a lender's those on its cases, an agency's those it made on cases it holds; an auditor has none.",
    rules: { lender: value("anyone"), agency: value("anyone"), borrower: value("anyone"), auditor: value("anyone") },
  },
  offerProposing: {
    description: "Proposing an offer (proposeOffer): a lender on its own cases, an agency on a case it holds (beyond its delegated authority the offer waits for the lender's approval).",
    rules: { lender: value("anyone"), agency: value("anyone"), borrower: NEVER, auditor: NEVER },
  },
  offerApproving: {
    description: "Approving an offer pending approval (approveOffer): the case's lender.",
    rules: { lender: value("anyone"), agency: NEVER, borrower: NEVER, auditor: NEVER },
  },
  offerRejecting: {
    description: "Rejecting an offer (rejectOffer): the case's lender one pending its approval, the borrower one proposed to it.",
    rules: { lender: value("anyone"), agency: NEVER, borrower: value("anyone"), auditor: NEVER },
  },
  offerWithdrawing: {
    description: "Withdrawing an offer not yet accepted (withdrawOffer): whoever proposed it (the lender, or the agency while it holds the case).",
    rules: { lender: value("anyone"), agency: value("anyone"), borrower: NEVER, auditor: NEVER },
  },
  offerAccepting: {
    description: "Accepting an offer proposed to the borrower (acceptOffer): the borrower, on its own case.",
    rules: { lender: NEVER, agency: NEVER, borrower: value("anyone"), auditor: NEVER },
  },
  planView: {
    description: "A plan (the accepted offer being paid): its status and dates: the case's lender, an agency holding the case, the borrower it is about, auditors (its amounts: planAmounts).",
    rules: { lender: value("ownLender"), agency: value("activePlacement"), borrower: value("self"), auditor: value("anyone") },
  },
  planAmounts: {
    description: "A plan's amounts (its instalments, totals, what was paid, and its history of them): the case's lender, an agency holding the case, the borrower it is about; never an auditor (DESIGN: amounts to auditors only in aggregate).",
    rules: { lender: value("ownLender"), agency: value("activePlacement"), borrower: value("self"), auditor: NEVER },
  },
  casePlans: {
    description: "A case's plans: the case's lender, an agency holding the case, the borrower it is about, auditors (each plan's fields then follow their own policies).",
    rules: { lender: value("ownLender"), agency: value("activePlacement"), borrower: value("self"), auditor: value("anyone") },
  },
  planUpdates: {
    description: "Live plan updates (planUpdated): the borrower its own plans, the lender its cases', the agency holding the case.",
    rules: subscriberRules("planUpdated"),
  },
  restructuringTermsView: {
    description: "A lender's restructuring terms (plan grace days, the legal step's threshold, the limitation period): that lender, agencies holding one of its cases (restructuringTerms checks), auditors.",
    rules: { lender: value("ownLender"), agency: value("anyone"), borrower: NEVER, auditor: value("anyone") },
  },
  restructuringTermsSetting: {
    description: "Setting the lender's own restructuring terms (setRestructuringTerms): the lender.",
    rules: { lender: value("anyone"), agency: NEVER, borrower: NEVER, auditor: NEVER },
  },
  legalEscalating: {
    description: "Escalating a case to legal action (escalateToLegal): the case's lender (another lender's case is NOT_FOUND).",
    rules: { lender: value("anyone"), agency: NEVER, borrower: NEVER, auditor: NEVER },
  },
  caseLegalEscalation: {
    description: "A case's escalation to legal action: the case's lender, auditors, and an agency holding the case (that it exists and when; never the opinion or the reason).",
    rules: { lender: value("ownLender"), agency: value("activePlacement"), borrower: NEVER, auditor: value("anyone") },
  },
  legalEscalationView: {
    description: "That a case was escalated to legal action, and when: the case's lender, an agency holding the case, auditors.",
    rules: { lender: value("ownLender"), agency: value("activePlacement"), borrower: NEVER, auditor: value("anyone") },
  },
  legalEscalationDetail: {
    description: "The escalation's legal opinion reference and what the checks saw (days past due, the limitation period): the case's lender and auditors.",
    rules: { lender: value("ownLender"), agency: NEVER, borrower: NEVER, auditor: value("anyone") },
  },
  legalEscalationReason: {
    description: "The lender's reason for escalating (free text): the case's lender only.",
    rules: { lender: value("ownLender"), agency: NEVER, borrower: NEVER, auditor: NEVER },
  },
});

export const P = { ...restructuringPolicies, public: PUBLIC, auditTrail: AUDIT_TRAIL };
