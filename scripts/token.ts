import { parseArgs } from "node:util";
import { ROLES, type Role } from "@concord/schema";
import { envOrExit, isUuid, withArticle } from "@concord/service-kit";
import { devScopeClaim, loadDevIssuer } from "@concord/gateway";

/**
 * `npm run -s token -- --role agency --agency <id> [--scope "cases:read visits:write"]`: mints a
 * caller token from the development issuer (the one `npm start`'s gateway trusts), with every
 * scope the role may hold unless `--scope` narrows it. Refused with NODE_ENV=production.
 * Only the token goes to stdout, so `T=$(npm run -s token -- ...)` captures it alone; every
 * refusal is one line on stderr with exit code 2.
 */
const USAGE = `Usage: npm run -s token -- --role <${ROLES.join("|")}> [--lender ID | --agency ID | --borrower ID] [--sub S] [--scope "a b"] [--ttl SECONDS]`;
const ID_OPTIONS = ["lender", "agency", "borrower"] as const;

/** Ends the script with one line on stderr saying what is wrong. */
function refuse(message: string): never {
  console.error(message);
  process.exit(2);
}

const e = envOrExit();
if (e.NODE_ENV === "production") {
  console.error("The development issuer is never used in production.");
  process.exit(1);
}
const options = {
  role: { type: "string" },
  lender: { type: "string" },
  agency: { type: "string" },
  borrower: { type: "string" },
  sub: { type: "string" },
  scope: { type: "string" },
  ttl: { type: "string" },
} as const;
// A negative number after an option is its value, not an option of its own ("--ttl -100"), so
// that it reaches the range check below instead of parseArgs' "ambiguous" refusal.
const args: string[] = [];
for (const arg of process.argv.slice(2)) {
  const last = args[args.length - 1];
  if (/^-\d/.test(arg) && last !== undefined && /^--\w+$/.test(last)) args[args.length - 1] = `${last}=${arg}`;
  else args.push(arg);
}
let values: { [K in keyof typeof options]?: string };
try {
  ({ values } = parseArgs({ args, options }));
} catch (err) {
  // parseArgs says it in one sentence: an unknown option, a missing value, a stray argument.
  refuse(`${(err as Error).message.split("\n")[0]!.replace(/\.?$/, ".")} ${USAGE}`);
}
if (values.role === undefined) refuse(USAGE);
const role = values.role as Role;
if (!ROLES.includes(role)) refuse(`--role ${values.role} is not a role: use one of ${ROLES.join(", ")}`);
for (const option of ID_OPTIONS) {
  const given = values[option];
  if (option !== role) {
    // The gateway refuses a token carrying another role's id claim.
    if (given !== undefined) refuse(`${withArticle(role, { capital: true })} token carries no ${option} id: drop --${option}`);
    continue;
  }
  if (given === undefined) refuse(`${withArticle(role, { capital: true })} token needs --${role} <id>, the ${role}'s id (a UUID)`);
  // The gateway accepts only a UUID there; a token with anything else would be refused on every request.
  if (!isUuid(given)) refuse(`--${role} ${given} is not a UUID: give the ${role}'s id, e.g. 0193a000-0000-7000-8000-00000000a001`);
}
try {
  devScopeClaim(role, values.scope);
} catch (err) {
  refuse((err as Error).message);
}
const maxTtl = Math.floor(e.CALLER_TOKEN_MAX_LIFETIME_HOURS * 3600);
// 12 hours by default, and never longer than the gateway accepts.
const ttl = values.ttl === undefined ? Math.min(12 * 3600, maxTtl) : /^\d+$/.test(values.ttl) ? Number(values.ttl) : NaN;
if (!Number.isInteger(ttl) || ttl <= 0 || ttl > maxTtl) {
  refuse(
    `--ttl ${values.ttl} is not allowed: give whole seconds, 1 to ${maxTtl} (the gateway refuses tokens living longer than CALLER_TOKEN_MAX_LIFETIME_HOURS, ${e.CALLER_TOKEN_MAX_LIFETIME_HOURS})`,
  );
}
const issuer = await loadDevIssuer(e.dataDir, e.JWT_ISSUER, e.JWT_AUDIENCE);
console.log(
  await issuer.mint({ role, sub: values.sub, lenderId: values.lender, agencyId: values.agency, borrowerId: values.borrower, scope: values.scope }, ttl),
);
