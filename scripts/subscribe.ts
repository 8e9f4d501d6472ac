import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { createClient } from "graphql-ws";
import WebSocket from "ws";
import { envOrExit } from "@concord/service-kit";

/**
 * `CONCORD_TOKEN="$LENDER_TOKEN" npm run subscribe -- 'subscription { caseUpdated { cursor kind caseId } }'`:
 * a small graphql-ws client. The token comes from CONCORD_TOKEN, `--token-file <path>` or
 * `--token <jwt>` (npm prints the command line, so --token shows the token on the terminal).
 * It prints each update as one JSON line on stdout and what happens to the connection on
 * stderr; when the gateway closes the connection (too slow, restarting, lost), it reconnects,
 * says so, and resumes after the last cursor it printed when the operation takes `$after`.
 */
const USAGE =
  "Usage: CONCORD_TOKEN=<jwt> npm run subscribe -- [--token-file PATH | --token JWT] [--url ws://localhost:4000/graphql] [--variables '{\"id\":\"...\"}'] '<subscription>'\n" +
  "Declare `$after: String` and pass `after: $after` to resume after the last cursor on reconnect.";
const e = envOrExit();
let values: { token?: string; "token-file"?: string; url?: string; variables: string };
let positionals: string[];
try {
  ({ values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      token: { type: "string" },
      "token-file": { type: "string" },
      url: { type: "string" },
      variables: { type: "string", default: "{}" },
    },
  }));
} catch (err) {
  console.error(`${(err as Error).message}\n${USAGE}`);
  process.exit(2);
}
const query = positionals[0];
let token = values.token ?? e.CONCORD_TOKEN;
if (values["token-file"] !== undefined) {
  try {
    token = readFileSync(values["token-file"], "utf8").trim();
  } catch (err) {
    console.error(`--token-file ${values["token-file"]}: ${(err as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : (err as Error).message}`);
    process.exit(2);
  }
}
if (!query || !token) {
  console.error(USAGE);
  process.exit(2);
}
const url = (values.url ?? `ws://localhost:${e.PORT}/graphql`).replace(/^http/, "ws");
let variables: Record<string, unknown>;
try {
  variables = JSON.parse(values.variables);
} catch {
  console.error(`--variables is not JSON: ${values.variables}`);
  process.exit(2);
}
const resumes = /\$after\b/.test(query);

/** Close codes after which the same token may reconnect and resume: restart, too slow, lost. */
const RESUMABLE = new Set([1001, 1006, 1011, 1012, 4008]);

let lastCursor: string | undefined;
let lastClose: { code: number; reason: string } | undefined;
let connections = 0;
/** Reconnects in a row that found no gateway; a connection starts the count again. */
let failures = 0;
const client = createClient({
  url,
  webSocketImpl: WebSocket,
  connectionParams: { authorization: `Bearer ${token}` },
  // Reconnecting is done below, so that it resumes after the last cursor instead of the first.
  retryAttempts: 0,
  on: {
    connected: () => {
      failures = 0;
      if (connections++ === 0) console.error(`connected to ${url}; waiting for updates (Ctrl-C stops)`);
      else if (resumes && lastCursor) console.error(`reconnected to ${url}; resuming after cursor ${lastCursor}`);
      else console.error(`reconnected to ${url}${resumes ? "" : "; updates sent while disconnected are not replayed (declare $after to resume)"}`);
    },
    closed: (event) => {
      lastClose = { code: (event as { code: number }).code, reason: String((event as { reason: string }).reason) };
      console.error(`closed: ${lastClose.code} ${lastClose.reason}`);
    },
  },
});

/** One subscription until it ends; true when it ended by a close worth resuming after. */
const run = () =>
  new Promise<boolean>((resolve) => {
    lastClose = undefined;
    client.subscribe(
      { query, variables: resumes && lastCursor ? { ...variables, after: lastCursor } : variables },
      {
        next: (r) => {
          const payload = Object.values(r.data ?? {})[0] as { cursor?: string } | undefined;
          if (payload?.cursor) lastCursor = payload.cursor;
          console.log(JSON.stringify(r));
        },
        error: (err) => {
          if (Array.isArray(err)) console.error(JSON.stringify(err));
          resolve(lastClose !== undefined && RESUMABLE.has(lastClose.code));
        },
        complete: () => resolve(false),
      },
    );
  });

process.on("SIGINT", () => void Promise.resolve(client.dispose()).then(() => process.exit(0)));
while (await run()) {
  if (++failures > 10) {
    console.error("gave up: no connection after 10 attempts");
    process.exitCode = 1;
    break;
  }
  console.error(`reconnecting in ${failures} s${resumes && lastCursor ? `, to resume after cursor ${lastCursor}` : ""}`);
  await new Promise((r) => setTimeout(r, 1000 * failures));
}
await client.dispose();
