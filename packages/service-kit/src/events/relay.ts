import pg from "pg";
import { subjectOf, type BusMessage, type EventBus } from "./bus";
import { OUTBOX_CHANNEL } from "./outbox";
import type { Logger } from "../logger";

/** Options of {@link OutboxRelay}. */
export interface RelayOptions {
  /** URL of the subgraph database whose outbox is relayed. */
  url: string;
  bus: EventBus;
  logger?: Logger;
  /** Rows published per round. @default 200 */
  batchSize?: number;
  /** Fallback poll when a NOTIFY is missed. @default 1000 */
  pollMs?: number;
  /** Test hook, called after a batch is on the bus and before it is marked sent. */
  afterPublish?: (ids: string[]) => void | Promise<void>;
}

/**
 * Publishes outbox rows to the bus in outbox order (so per aggregate in commit order: writers
 * of one aggregate hold its row lock), then marks them sent. One relay per database is active
 * at a time (a session advisory lock); a relay that dies between publish and mark resends on
 * restart, and consumers absorb the duplicate by event id.
 */
export class OutboxRelay {
  private client?: pg.Client;
  private stopped = false;
  private wake?: () => void;
  /** Set by a notification; a round that starts after one arrived does not sleep. */
  private notified = false;
  private loop?: Promise<void>;

  constructor(private readonly opts: RelayOptions) {}

  async start(): Promise<void> {
    await this.connect();
    this.loop = this.run().catch((err) => this.opts.logger?.error({ err }, "outbox relay stopped"));
  }

  /** A fresh connection that listens for outbox notifications. */
  private async connect(): Promise<void> {
    const client = new pg.Client({ connectionString: this.opts.url });
    client.on("error", (err) => this.opts.logger?.warn({ err }, "outbox relay connection error"));
    client.on("notification", () => {
      this.notified = true;
      this.wake?.();
    });
    await client.connect();
    await client.query(`LISTEN ${OUTBOX_CHANNEL}`);
    this.client = client;
  }

  private sleep(ms: number): Promise<void> {
    if (this.notified) return Promise.resolve();
    return new Promise((resolve) => {
      const t = setTimeout(() => {
        this.wake = undefined;
        resolve();
      }, ms);
      this.wake = () => {
        clearTimeout(t);
        this.wake = undefined;
        resolve();
      };
    });
  }

  /** Sessions until stopped: a lost connection (and with it the lock) means a new session. */
  private async run(): Promise<void> {
    while (!this.stopped) {
      try {
        await this.session();
      } catch (err) {
        if (this.stopped) return;
        this.opts.logger?.warn({ err }, "outbox relay lost its connection; reconnecting");
        await this.client?.end().catch(() => undefined);
        this.client = undefined;
        await new Promise((r) => setTimeout(r, 1000));
        if (!this.stopped) await this.connect().catch(() => undefined);
      }
    }
  }

  private async session(): Promise<void> {
    const c = this.client;
    if (!c) throw new Error("not connected");
    // One active relay per database; the others wait for the lock.
    while (!this.stopped) {
      const { rows } = await c.query("SELECT pg_try_advisory_lock(727200) AS ok");
      if (rows[0].ok) break;
      this.notified = false;
      await this.sleep(this.opts.pollMs ?? 1000);
    }
    let failures = 0;
    while (!this.stopped) {
      this.notified = false;
      let sent: number;
      try {
        sent = await this.publishBatch();
        failures = 0;
      } catch (err) {
        // The bus may be down for a moment; after a few failures, start over on a new connection.
        if (++failures >= 3) throw err;
        this.opts.logger?.warn({ err }, "outbox relay: publish failed; retrying");
        await new Promise((r) => setTimeout(r, 1000));
        continue;
      }
      if (sent === 0) await this.sleep(this.opts.pollMs ?? 1000);
    }
  }

  /** Publishes one batch of pending rows; returns how many. */
  async publishBatch(): Promise<number> {
    const c = this.client!;
    const { rows } = await c.query(
      "SELECT seq, id, aggregate_type, type, envelope FROM outbox WHERE published_at IS NULL ORDER BY seq LIMIT $1",
      [this.opts.batchSize ?? 200],
    );
    if (rows.length === 0) return 0;
    const messages: BusMessage[] = rows.map((r) => ({
      id: r.id,
      subject: subjectOf({ aggregateType: r.aggregate_type, type: r.type }),
      data: r.envelope,
    }));
    await this.opts.bus.publish(messages);
    await this.opts.afterPublish?.(messages.map((m) => m.id));
    await c.query("UPDATE outbox SET published_at = now() WHERE seq = ANY($1::bigint[])", [rows.map((r) => r.seq)]);
    return rows.length;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.wake?.();
    await this.loop;
    await this.client?.end().catch(() => undefined);
  }
}
