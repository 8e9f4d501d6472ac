import { Agencies1764100000000 } from "./1764100000000-Agencies";
import { HomeVisits1764100001000 } from "./1764100001000-HomeVisits";
import { CaseDirectoryMove1764300000000 } from "./1764300000000-CaseDirectoryMove";
import { VisitLists1764410000000 } from "./1764410000000-VisitLists";
import { ContactViolations1764500100000 } from "./1764500100000-ContactViolations";

/** The agencies database's own migrations, oldest first (the kit adds its tables: KIT_MIGRATIONS). */
export const migrations = [Agencies1764100000000, HomeVisits1764100001000, CaseDirectoryMove1764300000000, VisitLists1764410000000, ContactViolations1764500100000];
