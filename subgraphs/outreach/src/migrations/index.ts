import { Outreach1764500200000 } from "./1764500200000-Outreach";

/** The outreach database's own migrations, oldest first (the kit adds its tables: KIT_MIGRATIONS). */
export const migrations = [Outreach1764500200000];
