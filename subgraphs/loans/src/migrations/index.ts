import { AuditLog1764000003000, EventTables1764000001000 } from "@concord/service-kit";
import { InitialSchema1764000000000 } from "./1764000000000-InitialSchema";
import { AccessReadModel1764000002000 } from "./1764000002000-AccessReadModel";
import { VisitWindows1764000004000 } from "./1764000004000-VisitWindows";
import { BorrowerRegion1764000005000 } from "./1764000005000-BorrowerRegion";

/** Every migration of the loans database, oldest first. */
export const migrations = [InitialSchema1764000000000, EventTables1764000001000, AccessReadModel1764000002000, AuditLog1764000003000, VisitWindows1764000004000,
  BorrowerRegion1764000005000,
];
