import { ERROR_CODES, SUBSCRIPTIONS, type DeliveryFacts, type EventEnvelope, type Principal, type SubscriptionDeclaration } from "@concord/schema";
import { badInput, ConcordError, parseEnvelope, type BusSubscription, type EventBus, type LogEntry, type Logger } from "@concord/service-kit";
import { ID_VARIABLE, type Resolution } from "./plan";
import type { Subscriber } from "./subscriber";

/** Runs an ordinary query through the gateway with `principal` as the caller. */
export type Resolve = (query: string, variables: Record<string, unknown>, principal: Principal) => Promise<Resolution>;

export interface HubOptions {
  bus: EventBus;
  resolve: Resolve;
  logger: Logger;
  declarations?: readonly SubscriptionDeclaration[];
  /** How far back `after:` may reach. @default 24 hours */
  replayWindowMs?: number;
  /** Resolutions running at once for one event. @default 32 */
  concurrency?: number;
  now?: () => number;
}

/** The most that one `read` of a replay asks the bus for. */
const REPLAY_BATCH = 200;

/**
 * The gateway's side of the bus for subscriptions. It tails the whole bus (every gateway sees
 * every event), finds the subscribers each event concerns, resolves each group of subscribers
 * sharing rights and selection once, through an ordinary query with their principal, and queues
 * the shaped payload for each. A subscriber that comes with a cursor first gets what it missed.
 */
export class SubscriptionHub {
  readonly declarations: readonly SubscriptionDeclaration[];
  private readonly bySubject = new Map<string, SubscriptionDeclaration[]>();
  private readonly subscribers = new Map<string, Set<Subscriber>>();
  /** Which agency holds each case, as learnt from Placement events since the gateway started. */
  private readonly holders = new Map<string, string | null>();
  private readonly facts: DeliveryFacts = { caseHolder: (caseId) => this.holders.get(caseId) };
  /** The last bus sequence the tail handed over. */
  private position = 0;
  private tail?: BusSubscription;

  constructor(private readonly opts: HubOptions) {
    this.declarations = opts.declarations ?? SUBSCRIPTIONS;
    for (const d of this.declarations) {
      this.subscribers.set(d.field, new Set());
      for (const s of d.subjects) this.bySubject.set(s, [...(this.bySubject.get(s) ?? []), d]);
    }
  }

  /** Starts tailing the bus from its current head. */
  async start(): Promise<void> {
    this.position = await this.opts.bus.head();
    this.tail = await this.opts.bus.tail(this.position, (entry) => this.onEntry(entry));
  }

  async stop(): Promise<void> {
    await this.tail?.stop();
    for (const set of this.subscribers.values()) for (const s of [...set]) await s.return();
  }

  /** How many subscriptions are open. */
  get size(): number {
    let n = 0;
    for (const set of this.subscribers.values()) n += set.size;
    return n;
  }

  /**
   * Registers a subscriber. With `after`, what it missed since that cursor is replayed first
   * (REPLAY_WINDOW_EXCEEDED when the first missed event is older than the window), then live
   * events follow with no gap and no duplicate.
   */
  async add(sub: Subscriber, after?: string | null): Promise<void> {
    const set = this.subscribers.get(sub.plan.declaration.field)!;
    if (after == null) {
      sub.lastSeq = this.position;
      set.add(sub);
      return;
    }
    if (!/^\d{1,18}$/.test(after)) throw badInput("after: is not a cursor this gateway gave out", "after");
    // Registered before anything is read, so every live event from now on is either read by
    // the replay or held for after it.
    sub.lastSeq = Number(after);
    sub.replaying = true;
    set.add(sub);
    try {
      if (sub.lastSeq > (await this.opts.bus.head())) throw badInput("after: is ahead of every event on the bus", "after");
      const [first] = await this.opts.bus.read(sub.lastSeq, 1);
      const window = this.opts.replayWindowMs ?? 24 * 3600_000;
      if (first && first.publishedAt.getTime() < (this.opts.now ?? Date.now)() - window) {
        throw new ConcordError(
          ERROR_CODES.REPLAY_WINDOW_EXCEEDED,
          `after: is older than the replay window (${Math.round(window / 60_000)} minutes); subscribe without it and reload the state by query`,
        );
      }
    } catch (err) {
      set.delete(sub);
      throw err;
    }
    void this.replay(sub).catch((err) => {
      this.opts.logger.error({ err }, "replay failed; closing the subscriber");
      sub.close({ code: 1011, reason: "Replay failed; reconnect and resume after your last cursor" });
      void sub.return();
    });
  }

  /** Forgets a subscriber (its iterator ended). */
  remove(sub: Subscriber): void {
    this.subscribers.get(sub.plan.declaration.field)?.delete(sub);
  }

  private async replay(sub: Subscriber): Promise<void> {
    for (;;) {
      const batch = await this.opts.bus.read(sub.lastSeq, REPLAY_BATCH);
      if (batch.length === 0) break;
      for (const entry of batch) {
        if (sub.closed) return;
        await this.deliverOne(sub, entry);
      }
    }
    // Caught up with the bus: what the tail handed over meanwhile, then live.
    while (sub.pending.length > 0) {
      const entry = sub.pending.shift()!;
      if (sub.closed) return;
      await this.deliverOne(sub, entry);
    }
    sub.replaying = false;
  }

  private async deliverOne(sub: Subscriber, entry: LogEntry): Promise<void> {
    const e = this.envelope(entry);
    const d = sub.plan.declaration;
    if (e && entry.seq > sub.lastSeq && d.subjects.includes(entry.subject) && d.concerns(e, sub.principal, sub.plan.args, this.facts)) {
      await this.resolveFor([sub], e, entry.seq);
    }
    // Passed over or delivered, it is behind the subscriber now.
    sub.lastSeq = Math.max(sub.lastSeq, entry.seq);
  }

  private async onEntry(entry: LogEntry): Promise<void> {
    this.position = entry.seq;
    const e = this.envelope(entry);
    if (!e) return;
    this.learn(e);
    const targets: Subscriber[] = [];
    for (const d of this.bySubject.get(entry.subject) ?? []) {
      for (const sub of this.subscribers.get(d.field)!) {
        if (sub.replaying) {
          if (d.concerns(e, sub.principal, sub.plan.args, this.facts)) sub.hold(entry);
        } else if (entry.seq > sub.lastSeq && d.concerns(e, sub.principal, sub.plan.args, this.facts)) {
          targets.push(sub);
        }
      }
    }
    if (targets.length === 0) return;
    const groups = new Map<string, Subscriber[]>();
    for (const s of targets) {
      const k = s.groupKey;
      const g = groups.get(k);
      if (g) g.push(s);
      else groups.set(k, [s]);
    }
    await forEachLimit([...groups.values()], this.opts.concurrency ?? 32, (g) => this.resolveFor(g, e, entry.seq));
  }

  /** One resolution for a group of subscribers with the same rights and selection. */
  private async resolveFor(group: Subscriber[], e: EventEnvelope, seq: number): Promise<void> {
    const plan = group[0]!.plan;
    const id = plan.declaration.entity.idOf(e);
    if (!id) return;
    let r;
    try {
      r = await this.opts.resolve(plan.query, { ...plan.variables, [ID_VARIABLE]: id }, group[0]!.principal);
    } catch (err) {
      this.opts.logger.error({ err, seq, field: plan.declaration.field }, "could not resolve an event for its subscribers");
      return;
    }
    const payload = plan.shape(e, String(seq), r);
    if (!payload) return;
    for (const s of group) s.push(payload, seq);
  }

  private envelope(entry: LogEntry): EventEnvelope | null {
    if (!this.bySubject.has(entry.subject)) return null;
    try {
      return parseEnvelope(entry.data);
    } catch (err) {
      this.opts.logger.warn({ err, seq: entry.seq }, "not an event envelope; skipped");
      return null;
    }
  }

  /** Placements starting and ending: who may hear of a case from now on. */
  private learn(e: EventEnvelope): void {
    const caseId = typeof e.payload.caseId === "string" ? e.payload.caseId : null;
    if (!caseId || e.aggregateType !== "Placement") return;
    if (e.type === "PlacementStarted") this.holders.set(caseId, String(e.payload.agencyId));
    else if (e.type === "PlacementEnded" && (this.holders.get(caseId) ?? e.payload.agencyId) === e.payload.agencyId) this.holders.set(caseId, null);
  }
}

async function forEachLimit<T>(items: T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await fn(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}
