/**
 * The gateway of `bench/subscriptions.ts`, alone in its own process so that its memory is measured
 * apart from the benchmark's client connections, subgraphs and bus. Spawned with
 * `node --expose-gc --import tsx bench/subscriptions-gateway.ts` and an IPC channel; it holds only
 * the gateway (and the PostgreSQL bus reader the gateway tails) and answers requests:
 *
 *   { id, type: "start", busUrl, jwksPath, issuer, audience, internalSigningKey, subgraphUrls, supergraphPath }
 *   { id, type: "subscribers" }       the gateway's subscribers()
 *   { id, type: "memory" }            process.memoryUsage() after two forced GCs, with subscribers()
 *   { id, type: "resolutions" }       the resolutions run since the last ask (start/end, epoch ms)
 *   { id, type: "heap-snapshot", path } writes a V8 heap snapshot (after GC) to `path`
 *   { id, type: "profile-start" }     starts the V8 CPU profiler (100 µs sampling)
 *   { id, type: "profile-stop" }      stops it; answers where the time went (CpuSummary)
 *   { id, type: "probe-document", query, n } memory of n parsed copies of `query`, with and without locations
 *   { id, type: "stop" }              stops the gateway and the bus reader, then exits
 *
 * Each answer is `{ id, ok: true, value }` or `{ id, ok: false, error }`.
 */
import { writeHeapSnapshot } from "node:v8";
import { Session } from "node:inspector/promises";
import { PgEventBus, createLogger, internalSigningKey } from "@concord/service-kit";
import { fileJwks, start, type RunningGateway } from "@concord/gateway";
import { summariseCpuProfile, type CpuProfile } from "./subscriptions-diagnostics";
import { parse } from "graphql";

interface StartRequest {
  busUrl: string;
  jwksPath: string;
  issuer: string;
  audience: string;
  /** PKCS8 PEM. */
  internalSigningKey: string;
  subgraphUrls: Record<string, string>;
  supergraphPath: string;
}

type Request = { id: number } & (
  | ({ type: "start" } & StartRequest)
  | { type: "subscribers" | "memory" | "resolutions" | "stop" }
  | { type: "heap-snapshot"; path: string }
  | { type: "profile-start" }
  | { type: "probe-document"; query: string; n: number }
  | { type: "profile-stop" }
);

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error("run with node --expose-gc");
if (!process.send) throw new Error("spawn with an IPC channel");
const send = (m: unknown) => process.send!(m);

let gateway: RunningGateway | undefined;
let bus: PgEventBus | undefined;
/** Resolutions (ordinary queries run by the hub through executeOperation), epoch ms. */
let resolutions: Array<{ start: number; end: number }> = [];
let profiler: Session | undefined;

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

async function collect(): Promise<void> {
  gc!();
  await sleep(100);
  gc!();
  await sleep(50);
}

async function handle(req: Request): Promise<unknown> {
  switch (req.type) {
    case "start": {
      const logger = createLogger("gateway");
      bus = await PgEventBus.open({ url: req.busUrl, logger });
      gateway = await start({
        supergraphPath: req.supergraphPath,
        auth: { getKey: fileJwks(req.jwksPath), issuer: req.issuer, audience: req.audience },
        internalSigningKey: internalSigningKey(req.internalSigningKey),
        subgraphUrls: req.subgraphUrls,
        logger,
        landingPage: false,
        bus,
      });
      // The hub resolves each event through the ApolloServer's executeOperation (HTTP requests
      // never call it): count and time those calls. Only the method on this instance is wrapped.
      const apollo = gateway.apollo as unknown as { executeOperation: (...args: unknown[]) => Promise<unknown> };
      const original = apollo.executeOperation.bind(apollo);
      apollo.executeOperation = async (...args: unknown[]) => {
        const startedAt = Date.now();
        try {
          return await original(...args);
        } finally {
          resolutions.push({ start: startedAt, end: Date.now() });
        }
      };
      return { url: gateway.url, pid: process.pid };
    }
    case "subscribers":
      return gateway?.subscribers() ?? 0;
    case "memory": {
      await collect();
      return { ...process.memoryUsage(), subscribers: gateway?.subscribers() ?? 0 };
    }
    case "resolutions": {
      const out = resolutions;
      resolutions = [];
      return out;
    }
    case "heap-snapshot": {
      await collect();
      return writeHeapSnapshot(req.path);
    }
    case "profile-start": {
      profiler = new Session();
      profiler.connect();
      await profiler.post("Profiler.enable");
      await profiler.post("Profiler.setSamplingInterval", { interval: 100 });
      await profiler.post("Profiler.start");
      return true;
    }
    case "profile-stop": {
      if (!profiler) throw new Error("the profiler is not running");
      const { profile } = (await profiler.post("Profiler.stop")) as { profile: CpuProfile };
      profiler.disconnect();
      profiler = undefined;
      return summariseCpuProfile(profile);
    }
    case "probe-document": {
      // What graphql-js's parse() keeps for one document (the gateway parses each subscription's own).
      const used = () => {
        const m = process.memoryUsage();
        return m.heapUsed + m.external;
      };
      const perCopy = async (noLocation: boolean) => {
        await collect();
        const m0 = used();
        const keep = Array.from({ length: req.n }, () => parse(req.query, { noLocation }));
        await collect();
        const bytes = (used() - m0) / keep.length;
        keep.length = 0;
        return bytes;
      };
      const withLocations = await perCopy(false);
      const withoutLocations = await perCopy(true);
      await collect();
      return { withLocations, withoutLocations };
    }
    case "stop": {
      await gateway?.stop();
      await bus?.close();
      gateway = undefined;
      bus = undefined;
      setTimeout(() => process.exit(0), 50);
      return true;
    }
  }
}

process.on("message", (req: Request) => {
  handle(req).then(
    (value) => send({ id: req.id, ok: true, value }),
    (err: unknown) => send({ id: req.id, ok: false, error: String((err as Error)?.stack ?? err) }),
  );
});
// The benchmark went away: nothing here is worth keeping.
process.on("disconnect", () => process.exit(0));
send({ type: "ready" });
