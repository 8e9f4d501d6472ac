import { parseArgs } from "node:util";
import { ROLES, type Role } from "@concord/schema";
import { env } from "@concord/service-kit";
import { devScopeClaim, loadDevIssuer } from "@concord/gateway";

/**
 * `npm run token -- --role agency --agency <id> [--scope "cases:read visits:write"]`: mints a
 * caller token from the development issuer (the one `npm start`'s gateway trusts), with every
 * scope the role may hold unless `--scope` narrows it. Refused with NODE_ENV=production.
 */
const e = env();
if (e.NODE_ENV === "production") {
  console.error("The development issuer is never used in production.");
  process.exit(1);
}
const { values } = parseArgs({
  options: {
    role: { type: "string" },
    lender: { type: "string" },
    agency: { type: "string" },
    borrower: { type: "string" },
    sub: { type: "string" },
    scope: { type: "string" },
    ttl: { type: "string" },
  },
});
const role = values.role as Role;
if (!ROLES.includes(role)) {
  console.error(`Usage: npm run token -- --role <${ROLES.join("|")}> [--lender ID | --agency ID | --borrower ID] [--sub S] [--scope "a b"] [--ttl SECONDS]`);
  process.exit(2);
}
const id = { lender: values.lender, agency: values.agency, borrower: values.borrower, auditor: "-" }[role];
if (!id) {
  console.error(`A ${role} token needs --${role} <id>`);
  process.exit(2);
}
try {
  devScopeClaim(role, values.scope);
} catch (err) {
  console.error((err as Error).message);
  process.exit(2);
}
const maxTtl = e.CALLER_TOKEN_MAX_LIFETIME_HOURS * 3600;
// 12 hours by default, and never longer than the gateway accepts.
const ttl = values.ttl === undefined ? Math.min(12 * 3600, maxTtl) : Number(values.ttl);
if (!Number.isInteger(ttl) || ttl <= 0 || ttl > maxTtl) {
  console.error(`--ttl is seconds, 1 to ${maxTtl}: the gateway refuses tokens living longer than CALLER_TOKEN_MAX_LIFETIME_HOURS (${e.CALLER_TOKEN_MAX_LIFETIME_HOURS})`);
  process.exit(2);
}
const issuer = await loadDevIssuer(e.dataDir, e.JWT_ISSUER, e.JWT_AUDIENCE);
console.log(
  await issuer.mint(
    { role, sub: values.sub, lenderId: values.lender, agencyId: values.agency, borrowerId: values.borrower, scope: values.scope },
    ttl,
  ),
);
