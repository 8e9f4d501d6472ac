import { AuditLog1764000003000, EventTables1764000001000 } from "@concord/service-kit";
import { Agencies1764100000000 } from "./1764100000000-Agencies";
import { HomeVisits1764100001000 } from "./1764100001000-HomeVisits";

/** Every migration of the agencies database, oldest first. */
export const migrations = [EventTables1764000001000, AuditLog1764000003000, Agencies1764100000000, HomeVisits1764100001000];
