import { existsSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { env } from "@concord/service-kit";

/** `npm run reset`: wipes .data/ (the embedded database and local keys) unless Concord is running. */
const dir = env().dataDir;
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
rmSync(dir, { recursive: true, force: true });
console.log(`Removed ${dir}. The next npm start seeds a fresh demo portfolio.`);
