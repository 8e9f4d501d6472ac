import { SUBGRAPHS } from "@concord/schema";
import {
  AuditLog1764000003000,
  createDataSource,
  envOrExit,
  openDatabaseServer,
  subgraphDatabaseUrl,
  verifyAuditChain,
  type DatabaseServer,
} from "@concord/service-kit";

/**
 * `npm run audit:verify`: walks every registered subgraph's hash-chained audit log (each has
 * one) and names the first broken record. Exits 1 when a chain is broken. Uses DATABASE_URL
 * (or <NAME>_DATABASE_URL), else the embedded PostgreSQL under .data/ (started for the check
 * when it is not running).
 */

const e = envOrExit();
let server: DatabaseServer | undefined;
let serverUrl = e.DATABASE_URL;
if (!serverUrl && SUBGRAPHS.some((s) => !e.subgraphDatabaseUrls[s.name])) {
  try {
    server = await openDatabaseServer();
    serverUrl = server.url;
  } catch (err) {
    // npm start may be running it: reach it on its port instead.
    if (!/already running/.test((err as Error).message)) throw err;
    serverUrl = `postgresql://postgres:postgres@127.0.0.1:${e.EMBEDDED_PG_PORT}/postgres`;
  }
}
let broken = false;
try {
  for (const { name } of SUBGRAPHS) {
    const ds = await createDataSource({ url: await subgraphDatabaseUrl(name, serverUrl!), migrations: [AuditLog1764000003000] });
    try {
      const exists = await ds.query("SELECT to_regclass('audit_log') AS t");
      if (!exists[0].t) {
        console.log(`${name}: no audit log yet`);
        continue;
      }
      const r = await verifyAuditChain(ds);
      if (r.broken) {
        broken = true;
        console.error(`${name}: BROKEN at record #${r.broken.seq} (${r.broken.id}): ${r.broken.reason}; ${r.checked} records before it hold`);
      } else {
        console.log(`${name}: ${r.checked} records, chain intact`);
      }
    } finally {
      await ds.destroy();
    }
  }
} finally {
  await server?.stop();
}
process.exit(broken ? 1 : 0);
