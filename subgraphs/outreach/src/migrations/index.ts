import { Outreach1764500200000 } from "./1764500200000-Outreach";
import { ContactHolds1764500300000 } from "./1764500300000-ContactHolds";
import { Disputes1764600000000 } from "./1764600000000-Disputes";
import { ContactPreferences1764600100000 } from "./1764600100000-ContactPreferences";
import { Hardships1764600200000 } from "./1764600200000-Hardships";
import { Complaints1764700000000 } from "./1764700000000-Complaints";
import { Promises1764700100000 } from "./1764700100000-Promises";
import { Notices1764700200000 } from "./1764700200000-Notices";
import { HardshipVersions1764700300000 } from "./1764700300000-HardshipVersions";
import { PlanHolds1764800000000 } from "./1764800000000-PlanHolds";

/** The outreach database's own migrations, oldest first (the kit adds its tables: KIT_MIGRATIONS). */
export const migrations = [
  Outreach1764500200000,
  ContactHolds1764500300000,
  Disputes1764600000000,
  ContactPreferences1764600100000,
  Hardships1764600200000,
  Complaints1764700000000,
  Promises1764700100000,
  Notices1764700200000,
  HardshipVersions1764700300000,
  PlanHolds1764800000000,
];
