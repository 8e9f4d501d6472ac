import { AUDIT_TRAIL, definePolicies, maskEmail, maskPhone, masked, NEVER, PUBLIC, subscriberRules, value } from "@concord/service-kit";

/**
 * The loans subgraph's field policies: "Who sees what" of DESIGN.md, once. Each field of the
 * graph names one of these next to its declaration; schema/ACCESS.md is generated from them.
 */
const loansPolicies = definePolicies({
  lenderOperation: {
    description: "An operation on a lender's own portfolio: lenders only (the resolver checks the portfolio is its own).",
    rules: { lender: value("anyone"), agency: NEVER, borrower: NEVER, auditor: NEVER },
  },
  caseStatus: {
    description: "That a case or loan exists and where it stands: status and dates, no amounts.",
    rules: { lender: value("ownLender"), agency: value("activePlacement"), borrower: value("self"), auditor: value("anyone") },
  },
  portfolioFigures: {
    description: "Amounts, days past due, buckets, schedules and payments of one loan (auditors see aggregates only).",
    rules: { lender: value("ownLender"), agency: value("activePlacement"), borrower: value("self"), auditor: NEVER },
  },
  borrowerName: {
    description: "The borrower's name: every read of it by an agency is an audited reveal of borrower PII.",
    rules: { lender: value("ownLender"), agency: value("activePlacement", { reveal: true }), borrower: value("self"), auditor: NEVER },
  },
  borrowerProfile: {
    description: "The borrower's preferred language and time zone (how and when to speak to them).",
    rules: { lender: value("ownLender"), agency: value("activePlacement"), borrower: value("self"), auditor: NEVER },
  },
  phone: {
    description: "The borrower's phone: masked for an agency (revealed per contact through revealContact, audited).",
    rules: { lender: value("ownLender"), agency: masked("activePlacement", maskPhone), borrower: value("self"), auditor: NEVER },
  },
  email: {
    description: "The borrower's e-mail: masked for an agency (revealed per contact through revealContact, audited).",
    rules: { lender: value("ownLender"), agency: masked("activePlacement", maskEmail), borrower: value("self"), auditor: NEVER },
  },
  address: {
    description: "The borrower's address: an agency only inside the window of an approved home visit.",
    rules: { lender: value("ownLender"), agency: value("homeVisitWindow", { reveal: true }), borrower: value("self"), auditor: NEVER },
  },
  sensitive: {
    description: "National id, date of birth, employer and income: never an agency's business.",
    rules: { lender: value("ownLender"), agency: NEVER, borrower: value("self"), auditor: NEVER },
  },
  vulnerability: {
    description: "The vulnerability flag: an agency sees it as a 'handle with care' flag, nothing more.",
    rules: { lender: value("ownLender"), agency: value("activePlacement"), borrower: value("self"), auditor: NEVER },
  },
  portfolioReport: {
    description: "The case report (counts and sums, never a case): auditors over every lender, a lender over its own portfolio.",
    rules: { lender: value("anyone"), agency: NEVER, borrower: NEVER, auditor: value("anyone") },
  },
  portfolioAggregates: {
    description: "A row of the case report: the lender's own, every lender's for an auditor (sums withheld for rows of very few cases).",
    rules: { lender: value("ownLender"), agency: NEVER, borrower: NEVER, auditor: value("anyone") },
  },
  historyOutline: {
    description: "What changed in a case and why, without the values.",
    rules: { lender: value("ownLender"), agency: value("activePlacement"), borrower: value("self"), auditor: value("anyone") },
  },
  caseUpdates: {
    description: "Live updates of cases (caseUpdated): lenders for their portfolio, agencies for the cases they hold. Each event's case is resolved with the subscriber's own rights.",
    rules: subscriberRules("caseUpdated"),
  },
  myCaseUpdates: {
    description: "Live updates of the borrower's own cases and payments (myCaseUpdates).",
    rules: subscriberRules("myCaseUpdates"),
  },
});

// The audit trail's policy is the kit's: every subgraph declares its slice of the trail under it.
export const P = { ...loansPolicies, public: PUBLIC, auditTrail: AUDIT_TRAIL };
