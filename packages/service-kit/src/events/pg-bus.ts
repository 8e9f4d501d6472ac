import pg from "pg";
import type { BusMessage, BusSubscription, Delivery, EventBus, LogEntry } from "./bus";
import type { Logger } from "../logger";

const CHANNEL = "concord_events";

/** Options of {@link PgEventBus}. */
export interface PgBusOptions {
  /** URL of the bus's own database (not a subgraph's). */
  url: string;
  logger?: Logger;
  /** Fallback poll when a notification is missed. @default 1000 */
  pollMs?: number;
  /** Messages read per round trip. @default 200 */
  batchSize?: number;
}

/**
 * The default bus: an append-only event log in its own PostgreSQL database with a global
 * sequence, LISTEN/NOTIFY to wake consumers, and a durable offset per consumer.
 *
 * Publishers take a transaction-scoped advisory lock, so sequence order is commit order and
 * a consumer that has read up to N can never later find a smaller N committed behind it.
 */
export class PgEventBus implements EventBus {
  readonly kind = "postgres" as const;
  private readonly pool: pg.Pool;
  private listener?: pg.Client;
  private readonly waiters = new Set<() => void>();
  private closed = false;
  /** Bumped by every notification, so a wait that starts after one arrived does not sleep. */
  private generation = 0;

  private constructor(private readonly opts: PgBusOptions) {
    this.pool = new pg.Pool({ connectionString: opts.url, max: 10 });
    this.pool.on("error", (err) => opts.logger?.warn({ err }, "event bus pool error"));
  }

  static async open(opts: PgBusOptions): Promise<PgEventBus> {
    const bus = new PgEventBus(opts);
    await bus.migrate();
    await bus.listen();
    return bus;
  }

  private async migrate(): Promise<void> {
    const c = await this.pool.connect();
    try {
      await c.query("SELECT pg_advisory_lock(727100)");
      await c.query(`
        CREATE TABLE IF NOT EXISTS event_log (
          seq bigserial PRIMARY KEY,
          id text NOT NULL UNIQUE,
          subject text NOT NULL,
          data text NOT NULL,
          published_at timestamptz NOT NULL DEFAULT now()
        );
        CREATE INDEX IF NOT EXISTS event_log_published_idx ON event_log (published_at);
        CREATE TABLE IF NOT EXISTS consumer_offset (
          consumer text PRIMARY KEY,
          seq bigint NOT NULL DEFAULT 0,
          updated_at timestamptz NOT NULL DEFAULT now()
        );`);
    } finally {
      await c.query("SELECT pg_advisory_unlock(727100)").catch(() => undefined);
      c.release();
    }
  }

  private async listen(): Promise<void> {
    if (this.closed) return;
    const client = new pg.Client({ connectionString: this.opts.url });
    client.on("notification", () => this.wakeAll());
    client.on("error", (err) => {
      this.opts.logger?.warn({ err }, "event bus listener lost; reconnecting");
      this.listener = undefined;
      setTimeout(() => void this.listen().catch(() => undefined), 1000).unref();
    });
    await client.connect();
    await client.query(`LISTEN ${CHANNEL}`);
    this.listener = client;
  }

  private wakeAll(): void {
    this.generation++;
    for (const w of [...this.waiters]) w();
  }

  /** Sleeps up to `ms` or until a notification; not at all when one came after `since`. */
  private wait(ms: number, since?: number): Promise<void> {
    if (since !== undefined && since !== this.generation) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.waiters.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.waiters.add(done);
    });
  }

  async publish(messages: BusMessage[]): Promise<void> {
    if (messages.length === 0) return;
    const c = await this.pool.connect();
    try {
      await c.query("BEGIN");
      await c.query("SELECT pg_advisory_xact_lock(727101)");
      await c.query(
        `INSERT INTO event_log (id, subject, data)
         SELECT id, subject, data FROM unnest($1::text[], $2::text[], $3::text[]) WITH ORDINALITY AS m(id, subject, data, n)
         ORDER BY n
         ON CONFLICT (id) DO NOTHING`,
        [messages.map((m) => m.id), messages.map((m) => m.subject), messages.map((m) => m.data)],
      );
      await c.query(`NOTIFY ${CHANNEL}`);
      await c.query("COMMIT");
    } catch (err) {
      await c.query("ROLLBACK").catch(() => undefined);
      throw err;
    } finally {
      c.release();
    }
  }

  async subscribe(name: string, handler: (d: Delivery) => Promise<void>): Promise<BusSubscription> {
    let stopped = false;
    const lockKey = `consumer:${name}`;
    const poll = this.opts.pollMs ?? 1000;

    /**
     * One session on one connection: take the consumer's lock, then deliver until stopped or the
     * connection fails. The connection is the session's own, not the pool's: a consumer holds its
     * connection for as long as it runs, so consumers drawing on the pool would starve publishers
     * (and each other) once a process runs as many as the pool has connections.
     */
    const session = async () => {
      const client = new pg.Client({ connectionString: this.opts.url });
      // A dropped connection must not crash the process; the session ends and a new one starts.
      const onError = (err: Error) => this.opts.logger?.warn({ err, consumer: name }, "consumer connection lost");
      client.on("error", onError);
      try {
        await client.connect();
      } catch (err) {
        client.off("error", onError);
        throw err;
      }
      let offset = 0;
      let saved = 0;
      let locked = false;
      let broken = false;
      try {
        // One active instance per consumer name: the others wait here for the lock.
        for (;;) {
          if (stopped || this.closed) return;
          const { rows } = await client.query("SELECT pg_try_advisory_lock(hashtext($1)) AS ok", [lockKey]);
          if (rows[0].ok) {
            locked = true;
            break;
          }
          await this.wait(poll);
        }
        await client.query("INSERT INTO consumer_offset (consumer) VALUES ($1) ON CONFLICT DO NOTHING", [name]);
        offset = saved = Number((await client.query("SELECT seq FROM consumer_offset WHERE consumer = $1", [name])).rows[0].seq);
        while (!stopped && !this.closed) {
          const since = this.generation;
          const { rows } = await client.query("SELECT seq, subject, data FROM event_log WHERE seq > $1 ORDER BY seq LIMIT $2", [
            offset,
            this.opts.batchSize ?? 200,
          ]);
          if (rows.length === 0) {
            await this.wait(poll, since);
            continue;
          }
          for (const row of rows) {
            if (stopped || this.closed) break;
            const seq = Number(row.seq);
            for (let attempt = 1; ; attempt++) {
              try {
                await handler({ seq, subject: row.subject, data: row.data });
                break;
              } catch (err) {
                if (stopped || this.closed) return;
                this.opts.logger?.warn({ err, consumer: name, seq, attempt }, "delivery failed; redelivering");
                await this.wait(Math.min(30_000, 200 * 2 ** Math.min(attempt, 8)));
              }
            }
            offset = seq;
          }
          await client.query("UPDATE consumer_offset SET seq = $2, updated_at = now() WHERE consumer = $1", [name, offset]);
          saved = offset;
        }
      } catch (err) {
        broken = true;
        throw err;
      } finally {
        // A graceful stop keeps the position exactly; a crash replays at most one batch.
        if (locked && saved !== offset && !broken) {
          await client
            .query("UPDATE consumer_offset SET seq = $2, updated_at = now() WHERE consumer = $1", [name, offset])
            .catch(() => undefined);
        }
        if (!broken) await client.query("SELECT pg_advisory_unlock_all()").catch(() => undefined);
        // Ending the session's connection releases its lock in any case.
        await client.end().catch(() => undefined);
        client.off("error", onError);
      }
    };

    const loop = (async () => {
      while (!stopped && !this.closed) {
        try {
          await session();
        } catch (err) {
          if (stopped || this.closed) return;
          this.opts.logger?.warn({ err, consumer: name }, "consumer session failed; reconnecting");
          await this.wait(1000);
        }
      }
    })();
    return {
      stop: async () => {
        stopped = true;
        this.wakeAll();
        await loop;
      },
    };
  }

  async head(): Promise<number> {
    const { rows } = await this.pool.query("SELECT coalesce(max(seq), 0) AS seq FROM event_log");
    return Number(rows[0].seq);
  }

  async read(after: number, limit: number): Promise<LogEntry[]> {
    const { rows } = await this.pool.query(
      "SELECT seq, subject, data, published_at FROM event_log WHERE seq > $1 ORDER BY seq LIMIT $2",
      [after, limit],
    );
    return rows.map((row) => ({ seq: Number(row.seq), subject: row.subject, data: row.data, publishedAt: row.published_at }));
  }

  /**
   * Reads through the pool rather than a connection of its own (a process may hold several
   * tails) and takes no lock and keeps no offset: every tail sees every message. Sequence order
   * is commit order (see publish), so reading after the last seen sequence misses nothing.
   */
  async tail(after: number, handler: (e: LogEntry) => Promise<void> | void): Promise<BusSubscription> {
    let stopped = false;
    let last = after;
    const poll = this.opts.pollMs ?? 1000;
    const live = () => !stopped && !this.closed;

    /** Hands over one batch, one entry at a time; false when there was nothing after `last`. */
    const deliverBatch = async (): Promise<boolean> => {
      const entries = await this.read(last, this.opts.batchSize ?? 200);
      for (const e of entries) {
        if (!live()) break;
        try {
          await handler(e);
        } catch (err) {
          this.opts.logger?.warn({ err, seq: e.seq }, "tail handler failed; skipping the message");
        }
        last = e.seq;
      }
      return entries.length > 0;
    };

    const loop = (async () => {
      while (live()) {
        // Taken before the read: a notification that arrives during it cuts the wait short.
        const since = this.generation;
        try {
          if (!(await deliverBatch())) await this.wait(poll, since);
        } catch (err) {
          if (!live()) return;
          this.opts.logger?.warn({ err, after: last }, "tail read failed; retrying");
          await this.wait(1000);
        }
      }
    })();
    return {
      stop: async () => {
        stopped = true;
        this.wakeAll();
        await loop;
      },
    };
  }

  async close(): Promise<void> {
    this.closed = true;
    this.wakeAll();
    await this.listener?.end().catch(() => undefined);
    await this.pool.end();
  }
}
