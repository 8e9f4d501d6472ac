import { createClient, type Client } from "graphql-ws";
import WebSocket from "ws";
import type { GqlResponse } from "./graphql-client";

/** How a WebSocket connection ended. */
export interface Closed {
  code: number;
  reason: string;
}

/** One subscription over a real graphql-ws connection, collecting what arrives. */
export interface LiveSubscription<T = any> {
  /** Every `next` payload so far, in order. */
  readonly received: Array<GqlResponse<T>>;
  /** The errors the subscription ended with (graphql-ws `error`), when it did. */
  readonly failed: Promise<GqlResponse["errors"]>;
  /** Set when the connection closed. */
  closed(): Closed | undefined;
  /** Waits until `n` payloads have arrived (all of them so far are returned). */
  next(n?: number, timeoutMs?: number): Promise<Array<GqlResponse<T>>>;
  /** Waits until the connection closes. */
  waitClosed(timeoutMs?: number): Promise<Closed>;
  /** Completes the subscription and closes the connection. */
  stop(): Promise<void>;
}

/**
 * Opens a graphql-ws connection to `url` (http(s) is turned into ws(s)) with `token` in
 * connection_init, as a client app would, and subscribes once. No retries: a test sees every close.
 */
export function subscribe<T = any>(url: string, token: string | undefined, query: string, variables?: Record<string, unknown>): LiveSubscription<T> {
  const received: Array<GqlResponse<T>> = [];
  let closedWith: Closed | undefined;
  let fail: (e: GqlResponse["errors"]) => void = () => {};
  const failed = new Promise<GqlResponse["errors"]>((resolve) => (fail = resolve));
  const waiters = new Set<() => void>();
  const wake = () => waiters.forEach((w) => w());
  const client: Client = createClient({
    url: url.replace(/^http/, "ws"),
    webSocketImpl: WebSocket,
    connectionParams: token ? { authorization: `Bearer ${token}` } : {},
    retryAttempts: 0,
    lazy: false,
    on: {
      closed: (e) => {
        const ev = e as { code: number; reason: string };
        closedWith = { code: ev.code, reason: String(ev.reason) };
        wake();
      },
    },
    onNonLazyError: () => {},
  });
  client.subscribe<T>(
    { query, variables },
    {
      next: (r) => {
        received.push({ status: 200, ...(r as Omit<GqlResponse<T>, "status">) });
        wake();
      },
      error: (err) => {
        fail(Array.isArray(err) ? (err as GqlResponse["errors"]) : [{ message: String((err as Error)?.message ?? err) }]);
        wake();
      },
      complete: () => wake(),
    },
  );
  const until = (ok: () => boolean, timeoutMs: number, what: string) =>
    new Promise<void>((resolve, reject) => {
      if (ok()) return resolve();
      const check = () => {
        if (!ok()) return;
        clearTimeout(timer);
        waiters.delete(check);
        resolve();
      };
      const timer = setTimeout(() => {
        waiters.delete(check);
        reject(new Error(`${what} within ${timeoutMs} ms; received ${JSON.stringify(received).slice(0, 500)}; closed ${JSON.stringify(closedWith)}`));
      }, timeoutMs);
      waiters.add(check);
    });
  return {
    received,
    failed,
    closed: () => closedWith,
    async next(n = 1, timeoutMs = 10_000) {
      await until(() => received.length >= n, timeoutMs, `expected ${n} payload(s)`);
      return received;
    },
    async waitClosed(timeoutMs = 10_000) {
      await until(() => closedWith !== undefined, timeoutMs, "expected the connection to close");
      return closedWith!;
    },
    async stop() {
      if (closedWith) return;
      // dispose() waits on a connection that may never have opened; the close is what counts.
      void client.dispose();
      await until(() => closedWith !== undefined, 10_000, "expected the connection to close");
    },
  };
}
