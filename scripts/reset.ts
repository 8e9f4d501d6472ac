import { existsSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { envOrExit } from "@concord/service-kit";

/**
 * `npm run reset [-- --keys]`: wipes .data/ (the embedded database) unless Concord is running.
 * The development keys stay (the dev issuer's and the internal-token pair), so tokens minted
 * before stay valid: with the same DEMO_SEED the next `npm start` seeds the same ids, and a
 * token printed before the reset still names its lender, agency or borrower. `--keys` removes
 * the keys too.
 */
const KEY_DIRS = ["dev-issuer", "internal-keys"];
let keys: boolean;
try {
  keys = !!parseArgs({ options: { keys: { type: "boolean" } } }).values.keys;
} catch (err) {
  console.error(`${(err as Error).message} Usage: npm run reset [-- --keys]`);
  process.exit(2);
}
const dir = envOrExit().dataDir;
const pidFile = join(dir, "pg", "postmaster.pid");
if (existsSync(pidFile)) {
  const pid = Number(readFileSync(pidFile, "utf8").split("\n")[0]);
  let alive = false;
  try {
    process.kill(pid, 0);
    alive = true;
  } catch {
    alive = false;
  }
  if (alive) {
    console.error(`Concord's PostgreSQL is running (pid ${pid}); stop npm start first.`);
    process.exit(1);
  }
}
if (keys || !existsSync(dir)) {
  rmSync(dir, { recursive: true, force: true });
  console.log(`Removed ${dir}, development keys included. The next npm start seeds a fresh demo portfolio; mint new tokens.`);
} else {
  for (const entry of readdirSync(dir)) if (!KEY_DIRS.includes(entry)) rmSync(join(dir, entry), { recursive: true, force: true });
  console.log(
    `Removed the data in ${dir}, keeping the development keys (--keys removes them too). ` +
      "The next npm start seeds the demo portfolio again: the same DEMO_SEED gives the same ids, and tokens minted before stay valid.",
  );
}
