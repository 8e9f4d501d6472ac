import { AUDIT_TRAIL, definePolicies, NEVER, PUBLIC, subscriberRules, value } from "@concord/service-kit";

/** The outreach subgraph's field policies (see schema/ACCESS.md and DESIGN "Who sees what"). */
const outreachPolicies = definePolicies({
  activityOutcome: {
    description: "That a contact happened: its channel, direction, time and outcome. The case's lender, an agency holding the case, the borrower it was about, auditors.",
    rules: { lender: value("ownLender"), agency: value("activePlacement"), borrower: value("self"), auditor: value("anyone") },
  },
  activityRecord: {
    description: "What the collector recorded of a contact (notes, recording, agent, duration, party, flags and violations): the case's lender, the agency that reported it (its own activities, while it holds the case), auditors. Never the borrower (outcomes only).",
    rules: { lender: value("ownLender"), agency: value("ownAgency"), borrower: NEVER, auditor: value("anyone") },
  },
  caseActivities: {
    description: "A case's contact activities: the case's lender, an agency holding the case, the borrower it is about, auditors (each activity's fields then follow their own policies).",
    rules: { lender: value("ownLender"), agency: value("activePlacement"), borrower: value("self"), auditor: value("anyone") },
  },
  activityReporting: {
    description: "Reporting a contact: lenders (their own collectors, on their own cases) and agencies (their own agents, on cases they hold).",
    rules: { lender: value("anyone"), agency: value("anyone"), borrower: NEVER, auditor: NEVER },
  },
  contactDecision: {
    description: "Whether a contact is allowed now, every rule that blocks it and when it next is: the case's lender, an agency holding the case, auditors. Counters, never PII.",
    rules: { lender: value("ownLender"), agency: value("activePlacement"), borrower: NEVER, auditor: value("anyone") },
  },
  contactDecisionZone: {
    description: "The borrower's time zone a contact decision was read in: the case's lender and an agency holding the case; never an auditor (DESIGN: no time zone for auditors).",
    rules: { lender: value("ownLender"), agency: value("activePlacement"), borrower: NEVER, auditor: NEVER },
  },
  contactPolicyQuery: {
    description: "Asking for a case's contact decision (contactPolicy): lenders, agencies and auditors (the resolver finds the case as the caller may know it).",
    rules: { lender: value("anyone"), agency: value("anyone"), borrower: NEVER, auditor: value("anyone") },
  },
  contactProfileView: {
    description: "A lender's contact profile (jurisdiction and effective parameters): that lender, agencies holding one of its cases (through a contact decision), auditors.",
    rules: { lender: value("ownLender"), agency: value("anyone"), borrower: NEVER, auditor: value("anyone") },
  },
  contactProfileSetting: {
    description: "Choosing and tightening a contact profile (setContactProfile): lenders, their own.",
    rules: { lender: value("anyone"), agency: NEVER, borrower: NEVER, auditor: NEVER },
  },
  complianceViolation: {
    description: "A contact rule an activity broke (ids, the rule, its limit and what was observed; never PII): the case's lender, the agency whose activity it was (while it holds the case), auditors.",
    rules: { lender: value("ownLender"), agency: value("ownAgency"), borrower: NEVER, auditor: value("anyone") },
  },
  complianceViolationQuery: {
    description: "One compliance violation by id (complianceViolation, which resolves complianceAlerts): lenders (their cases'), agencies (their own reports'), auditors.",
    rules: { lender: value("anyone"), agency: value("anyone"), borrower: NEVER, auditor: value("anyone") },
  },
  contactPreferenceFlags: {
    description: "A case's channel opt-outs, preferred channel and whether the borrower asked to cease communication (what a collector must not do; no PII): the case's lender, the borrower, an agency holding the case, auditors.",
    rules: { lender: value("ownLender"), agency: value("activePlacement"), borrower: value("self"), auditor: value("anyone") },
  },
  contactPreferenceLanguage: {
    description: "The borrower's preferred language: the case's lender, the borrower, an agency holding the case; never an auditor (DESIGN: no preferred language for auditors).",
    rules: { lender: value("ownLender"), agency: value("activePlacement"), borrower: value("self"), auditor: NEVER },
  },
  contactPreferenceRecord: {
    description: "When a cease request took effect and when the preferences last changed: the case's lender and the borrower. An agency and an auditor see only that cease was requested.",
    rules: { lender: value("ownLender"), agency: NEVER, borrower: value("self"), auditor: NEVER },
  },
  caseContactPreference: {
    description: "A case's contact preferences (each field then follows its own policy): the case's lender, the borrower, an agency holding the case, auditors.",
    rules: { lender: value("ownLender"), agency: value("activePlacement"), borrower: value("self"), auditor: value("anyone") },
  },
  contactPreferenceSetting: {
    description: "Asking to cease communication and setting contact preferences: the borrower (its own cases) and the lender recording a request received in writing (its own cases).",
    rules: { lender: value("anyone"), agency: NEVER, borrower: value("anyone"), auditor: NEVER },
  },
  disputeStatus: {
    description: "That a case is disputed and how it stands (status, when raised and resolved, by which role): the case's lender, an agency holding the case (a hold exists, never why), the borrower it is about, auditors.",
    rules: { lender: value("ownLender"), agency: value("activePlacement"), borrower: value("self"), auditor: value("anyone") },
  },
  disputeDetail: {
    description: "A dispute's reason and resolution note (free text, may hold PII): the case's lender and the borrower it is about; never an agency or an auditor.",
    rules: { lender: value("ownLender"), agency: NEVER, borrower: value("self"), auditor: NEVER },
  },
  caseDisputes: {
    description: "A case's disputes: the case's lender, an agency holding the case, the borrower it is about, auditors (each dispute's fields then follow their own policies).",
    rules: { lender: value("ownLender"), agency: value("activePlacement"), borrower: value("self"), auditor: value("anyone") },
  },
  disputeRaising: {
    description: "Raising a dispute (raiseDispute): the borrower, on its own case; the lender, on its own case, recording one received in writing.",
    rules: { lender: value("anyone"), agency: NEVER, borrower: value("anyone"), auditor: NEVER },
  },
  disputeResolving: {
    description: "Resolving a dispute (resolveDispute): the lender, on its own cases.",
    rules: { lender: value("anyone"), agency: NEVER, borrower: NEVER, auditor: NEVER },
  },
  hardshipStatus: {
    description: "That a case has a hardship and how it stands (status, when declared and decided, until when contact is held): the case's lender, an agency holding the case (a hold exists and until when, never why), the borrower it is about, auditors.",
    rules: { lender: value("ownLender"), agency: value("activePlacement"), borrower: value("self"), auditor: value("anyone") },
  },
  hardshipDetail: {
    description: "A hardship's kind, evidence reference and decision note (may be health data, DESIGN: health data only as a flag): the case's lender and the borrower it is about; never an agency or an auditor.",
    rules: { lender: value("ownLender"), agency: NEVER, borrower: value("self"), auditor: NEVER },
  },
  caseHardships: {
    description: "A case's hardships: the case's lender, an agency holding the case, the borrower it is about, auditors (each hardship's fields then follow their own policies).",
    rules: { lender: value("ownLender"), agency: value("activePlacement"), borrower: value("self"), auditor: value("anyone") },
  },
  hardshipDeclaring: {
    description: "Declaring a hardship (declareHardship): the borrower, on its own case; the lender, on its own case, recording one received in writing (a collector records one from a contact through reportActivity).",
    rules: { lender: value("anyone"), agency: NEVER, borrower: value("anyone"), auditor: NEVER },
  },
  hardshipDeciding: {
    description: "Deciding a hardship and ending an open-ended one (decideHardship, endHardship): the lender, on its own cases.",
    rules: { lender: value("anyone"), agency: NEVER, borrower: NEVER, auditor: NEVER },
  },
  noticeStatus: {
    description: "That a notice was sent or is due on a case (stage, status, channel, when, its activity): the case's lender, an agency holding the case, the borrower it is about, auditors.",
    rules: { lender: value("ownLender"), agency: value("activePlacement"), borrower: value("self"), auditor: value("anyone") },
  },
  noticeContent: {
    description: "A notice's rendered subject and text (amounts and dates, no PII) and its language (the borrower's preferred one): the case's lender, an agency holding the case, the borrower it is about; never an auditor (status only).",
    rules: { lender: value("ownLender"), agency: value("activePlacement"), borrower: value("self"), auditor: NEVER },
  },
  noticeSending: {
    description: "Sending a notice (sendNotice): the lender, on its own cases (every stage); an agency, on a case it holds (the reminders and the validation notice).",
    rules: { lender: value("anyone"), agency: value("anyone"), borrower: NEVER, auditor: NEVER },
  },
  complaintStatus: {
    description: "That a complaint exists and how it stands (category, status, who filed it, when received, deadlines, overdue stages, complex flag): the case's lender, the borrower it is about, an agency holding the case, auditors. Never its free text.",
    rules: { lender: value("ownLender"), agency: value("activePlacement"), borrower: value("self"), auditor: value("anyone") },
  },
  complaintDetail: {
    description: "A complaint's description and the lender's responses (free text, may hold PII): the case's lender and the borrower it is about; never an agency or an auditor.",
    rules: { lender: value("ownLender"), agency: NEVER, borrower: value("self"), auditor: NEVER },
  },
  caseComplaints: {
    description: "A case's complaints: the case's lender, an agency holding the case, the borrower it is about, auditors (each complaint's fields then follow their own policies).",
    rules: { lender: value("ownLender"), agency: value("activePlacement"), borrower: value("self"), auditor: value("anyone") },
  },
  complaintFiling: {
    description: "Filing a complaint (fileComplaint): the borrower, on its own case; the lender, on its own case, recording one received in writing.",
    rules: { lender: value("anyone"), agency: NEVER, borrower: value("anyone"), auditor: NEVER },
  },
  complaintHandling: {
    description: "Responding to a complaint and marking it complex (respondToComplaint, markComplaintComplex): the lender, on its own cases.",
    rules: { lender: value("anyone"), agency: NEVER, borrower: NEVER, auditor: NEVER },
  },
  complaintAlert: {
    description: "The overdue complaint a compliance alert is about: the lender, its own.",
    rules: { lender: value("ownLender"), agency: NEVER, borrower: NEVER, auditor: NEVER },
  },
  promiseToPay: {
    description: "A promise to pay (due date, grace end, status, when kept or broken, who took it; no PII): the case's lender, the borrower it is about, an agency holding the case, auditors (its amount: promiseAmount).",
    rules: { lender: value("ownLender"), agency: value("activePlacement"), borrower: value("self"), auditor: value("anyone") },
  },
  promiseAmount: {
    description: "A promise's amount and what was paid against it: the case's lender, the borrower it is about, an agency holding the case; never an auditor (DESIGN: amounts to auditors only as aggregates, as promiseStats gives).",
    rules: { lender: value("ownLender"), agency: value("activePlacement"), borrower: value("self"), auditor: NEVER },
  },
  casePromises: {
    description: "A case's promises to pay, and an activity's: the case's lender, the borrower, an agency holding the case, auditors (each promise's fields then follow promiseToPay).",
    rules: { lender: value("ownLender"), agency: value("activePlacement"), borrower: value("self"), auditor: value("anyone") },
  },
  promiseStatsQuery: {
    description: "Promise-kept rates per agency (promiseStats): a lender of its own cases (one row per agency and one for its own collectors), an agency its own row only, a borrower its own promises, auditors every lender's.",
    rules: { lender: value("anyone"), agency: value("anyone"), borrower: value("anyone"), auditor: value("anyone") },
  },
  complianceAlerts: {
    description: "Live compliance alerts (complianceAlerts): lenders, for their own cases.",
    rules: subscriberRules("complianceAlerts"),
  },
});

export const P = { ...outreachPolicies, public: PUBLIC, auditTrail: AUDIT_TRAIL };
