import { Restructuring1764800000000 } from "./1764800000000-Restructuring";
import { PlanTracking1764800100000 } from "./1764800100000-PlanTracking";
import { Legal1764800200000 } from "./1764800200000-Legal";

/** The restructuring database's own migrations, oldest first (the kit adds its tables: KIT_MIGRATIONS). */
export const migrations = [Restructuring1764800000000, PlanTracking1764800100000, Legal1764800200000];
