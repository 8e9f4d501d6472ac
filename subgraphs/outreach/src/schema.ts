import type { GraphQLSchema } from "graphql";
import { buildFederatedSchema } from "@concord/service-kit";
import { ActivityResolver, CaseOutreachResolver } from "./modules/activity/activity.resolver";
import { ComplianceAlertResolver } from "./modules/alerts/compliance-alert";
import { CollectionCase } from "./modules/collection-case/collection-case.stub";
import { ContactPolicyResolver } from "./modules/policy/contact-policy.resolver";
import { CaseDisputesResolver, DisputeResolver } from "./modules/disputes/dispute.resolver";
import { CaseHardshipsResolver, HardshipResolver } from "./modules/hardships/hardship.resolver";
import { CaseComplaintsResolver, ComplaintResolver } from "./modules/complaints/complaint.resolver";
import { ContactProfileResolver } from "./modules/profile/profile.resolver";
import { CasePreferenceResolver, ContactPreferenceResolver } from "./modules/preference/preference.resolver";
import { ActivityPromiseResolver, CasePromisesResolver, PromiseToPayResolver } from "./modules/promises/promise.resolver";
import { auditTrail } from "./modules/audit/audit-slice";
import { NoticeResolver } from "./modules/notices/notice.resolver";

type Ref = { id: string };

/** The outreach subgraph schema. */
export function buildOutreachSchema(): Promise<GraphQLSchema> {
  return buildFederatedSchema(
    {
      resolvers: [
        ActivityResolver,
        CaseOutreachResolver,
        ContactPolicyResolver,
        ContactProfileResolver,
        ComplianceAlertResolver,
        ContactPreferenceResolver,
        CasePreferenceResolver,
        DisputeResolver,
        CaseDisputesResolver,
        HardshipResolver,
        CaseHardshipsResolver,
        NoticeResolver,
        ComplaintResolver,
        CaseComplaintsResolver,
        PromiseToPayResolver,
        ActivityPromiseResolver,
        CasePromisesResolver,
        ...auditTrail.resolvers,
      ],
      orphanedTypes: [CollectionCase, auditTrail.pageType],
    },
    {
      CollectionCase: { __resolveReference: (ref: Ref) => Object.assign(new CollectionCase(), { id: ref.id }) },
      ...auditTrail.references,
    },
  );
}
