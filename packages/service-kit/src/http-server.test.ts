import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Agent, request, type IncomingHttpHeaders } from "node:http";
import { createLogger, type Logger } from "./logger";
import { startGraphQLServer, type RunningServer } from "./http-server";

/**
 * The HTTP server every service runs: CORS for browser clients, and a body over the limit
 * refused without breaking the connection it came on.
 */

const logger = createLogger("test").child({}, { level: "silent" });
/** The default limit: the client is still writing a body a little over it when the answer comes. */
const MAX_BODY = 1_048_576;
let server: RunningServer<{ logger: Logger }>;

beforeAll(async () => {
  server = await startGraphQLServer({
    name: "test",
    apollo: { typeDefs: "type Query { hello: String }", resolvers: { Query: { hello: () => "world" } } },
    context: async ({ logger: log }) => ({ logger: log }),
    port: 0,
    logger,
    landingPage: false,
    cors: { origins: ["https://app.example.com", "http://localhost:5173"] },
  });
});
afterAll(async () => server?.stop());

interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

/** One request with node:http (as a browser's or a Node client's would go), on `agent`. */
function send(method: string, headers: Record<string, string>, body?: string, agent?: Agent): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(server.url, { method, headers, agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString("utf8") }));
      res.on("error", reject);
    });
    req.on("error", reject);
    req.end(body);
  });
}

const HELLO = JSON.stringify({ query: "{ hello }" });
const json = { "content-type": "application/json" };
const preflight = (origin: string) =>
  send("OPTIONS", { origin, "access-control-request-method": "POST", "access-control-request-headers": "authorization, content-type" });

describe("CORS", () => {
  it("answers a preflight from an allowed origin with 204 and the Access-Control-* headers", async () => {
    const r = await preflight("https://app.example.com");
    expect(r.status).toBe(204);
    expect(r.headers["access-control-allow-origin"]).toBe("https://app.example.com");
    expect(r.headers["access-control-allow-methods"]).toBe("GET, POST, OPTIONS");
    expect(r.headers["access-control-allow-headers"]).toContain("authorization");
    expect(r.headers["access-control-allow-headers"]).toContain("content-type");
    expect(r.headers["access-control-max-age"]).toBe("600");
    expect(r.headers.vary).toBe("Origin");
  });

  it("gives an allowed origin's request the origin back, and exposes x-request-id", async () => {
    const r = await send("POST", { ...json, origin: "http://localhost:5173" }, HELLO);
    expect(r.status).toBe(200);
    expect(JSON.parse(r.body)).toEqual({ data: { hello: "world" } });
    expect(r.headers["access-control-allow-origin"]).toBe("http://localhost:5173");
    expect(r.headers["access-control-expose-headers"]).toBe("x-request-id");
  });

  it("gives any other origin no CORS header at all, on a preflight and on a request", async () => {
    for (const origin of ["https://evil.example.com", "https://app.example.com.evil.example", "null"]) {
      const pre = await preflight(origin);
      expect(pre.status).toBe(204);
      expect(Object.keys(pre.headers).filter((h) => h.startsWith("access-control-"))).toEqual([]);
      const r = await send("POST", { ...json, origin }, HELLO);
      expect(Object.keys(r.headers).filter((h) => h.startsWith("access-control-"))).toEqual([]);
    }
  });

  it("allows no origin when none is configured, and every origin with *", async () => {
    const none = await startGraphQLServer({
      name: "none", apollo: { typeDefs: "type Query { hello: String }" }, context: async ({ logger: log }) => ({ logger: log }), port: 0, logger,
    });
    const any = await startGraphQLServer({
      name: "any", apollo: { typeDefs: "type Query { hello: String }" }, context: async ({ logger: log }) => ({ logger: log }), port: 0, logger, cors: { origins: ["*"] },
    });
    try {
      const ask = (url: string) =>
        fetch(url, { method: "OPTIONS", headers: { origin: "https://app.example.com", "access-control-request-method": "POST" } });
      const refused = await ask(none.url);
      expect(refused.status).toBe(204);
      expect(refused.headers.get("access-control-allow-origin")).toBeNull();
      const open = await ask(any.url);
      expect(open.status).toBe(204);
      expect(open.headers.get("access-control-allow-origin")).toBe("*");
      expect(open.headers.get("vary")).toBeNull();
    } finally {
      await none.stop();
      await any.stop();
    }
  });
});

describe("a body over the limit", () => {
  it.each([
    ["half as much again as the limit", 1.5 * MAX_BODY],
    ["three times the limit", 3 * MAX_BODY],
    ["just over the limit", MAX_BODY + 1],
  ])("(%s) is answered 413 with Connection: close, and the next request on the same agent succeeds", async (_label, size) => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const big = JSON.stringify({ query: "{ hello }", variables: { pad: "x".repeat(size) } });
      const refused = await send("POST", json, big, agent);
      expect(refused.status).toBe(413);
      expect(refused.headers.connection).toBe("close");
      expect(JSON.parse(refused.body).errors[0].extensions.code).toBe("BAD_REQUEST");
      for (let i = 0; i < 3; i++) {
        const next = await send("POST", json, HELLO, agent);
        expect(next.status).toBe(200);
        expect(JSON.parse(next.body)).toEqual({ data: { hello: "world" } });
      }
    } finally {
      agent.destroy();
    }
  });

  it("keeps a connection alive after a body within the limit", async () => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const first = await send("POST", json, HELLO, agent);
      expect(first.headers.connection).toBe("keep-alive");
      expect((await send("POST", json, HELLO, agent)).status).toBe(200);
    } finally {
      agent.destroy();
    }
  });
});
