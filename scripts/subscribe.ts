import { parseArgs } from "node:util";
import { createClient } from "graphql-ws";
import WebSocket from "ws";
import { env } from "@concord/service-kit";

/**
 * `npm run subscribe -- --token "$LENDER_TOKEN" 'subscription { caseUpdated { cursor kind caseId } }'`:
 * a small graphql-ws client. It prints each update as one JSON line and, when the gateway closes
 * the connection (token expired, too slow, restarting), reconnects and resumes after the last
 * cursor it printed when the operation takes `$after`.
 */
const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    token: { type: "string" },
    url: { type: "string" },
    variables: { type: "string", default: "{}" },
  },
});
const query = positionals[0];
if (!query || !values.token) {
  console.error(
    "Usage: npm run subscribe -- --token <jwt> [--url ws://localhost:4000/graphql] [--variables '{\"id\":\"...\"}'] '<subscription>'\n" +
      "Declare `$after: String` and pass `after: $after` to resume after the last cursor on reconnect.",
  );
  process.exit(2);
}
const url = values.url ?? `ws://localhost:${env().PORT}/graphql`;
const variables: Record<string, unknown> = JSON.parse(values.variables);
const resumes = /\$after\b/.test(query);

/** Close codes after which the same token may reconnect and resume: restart, too slow, lost. */
const RESUMABLE = new Set([1001, 1006, 1011, 1012, 4008]);

let lastCursor: string | undefined;
let lastClose: { code: number; reason: string } | undefined;
const client = createClient({
  url: url.replace(/^http/, "ws"),
  webSocketImpl: WebSocket,
  connectionParams: { authorization: `Bearer ${values.token}` },
  // Reconnecting is done below, so that it resumes after the last cursor instead of the first.
  retryAttempts: 0,
  on: {
    closed: (e) => {
      lastClose = { code: (e as { code: number }).code, reason: String((e as { reason: string }).reason) };
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
for (let attempt = 0; (await run()) && attempt < 10; attempt++) {
  console.error(resumes && lastCursor ? `reconnecting after cursor ${lastCursor}` : "reconnecting");
  await new Promise((r) => setTimeout(r, 1000 * (attempt + 1)));
}
await client.dispose();
