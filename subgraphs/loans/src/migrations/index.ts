import { InitialSchema1764000000000 } from "./1764000000000-InitialSchema";
import { AccessReadModel1764000002000 } from "./1764000002000-AccessReadModel";
import { VisitWindows1764000004000 } from "./1764000004000-VisitWindows";
import { BorrowerRegion1764000005000 } from "./1764000005000-BorrowerRegion";
import { CaseDirectoryMove1764300000000 } from "./1764300000000-CaseDirectoryMove";
import { CaseDisputes1764600000000 } from "./1764600000000-CaseDisputes";
import { CaseHardships1764700000000 } from "./1764700000000-CaseHardships";
import { CasePlans1764800000000 } from "./1764800000000-CasePlans";

/** The loans database's own migrations, oldest first (the kit adds its tables: KIT_MIGRATIONS). */
export const migrations = [
  InitialSchema1764000000000,
  AccessReadModel1764000002000,
  VisitWindows1764000004000,
  BorrowerRegion1764000005000,
  CaseDirectoryMove1764300000000,
  CaseDisputes1764600000000,
  CaseHardships1764700000000,
  CasePlans1764800000000,
];
