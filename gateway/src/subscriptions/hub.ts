import type { GraphQLError } from "graphql";
import {
  caseIdOf,
  ERROR_CODES,
  SUBSCRIPTIONS,
  type DeliveryFacts,
  type EventEnvelope,
  type HolderLookup,
  type Principal,
  type SubscriptionDeclaration,
} from "@concord/schema";
import { badInput, ConcordError, parseEnvelope, type BusSubscription, type EventBus, type LogEntry, type Logger } from "@concord/service-kit";
import type { Resolution, Shaped, SubjectPlan } from "./plan";
import type { Subscriber } from "./subscriber";

/**
 * Runs an ordinary query through the gateway with `principal` as the caller. With `after`, the
 * subgraphs answer only once their case directories have applied that event (so an agency
 * placed a moment ago is seen to hold the case it hears about).
 */
export type Resolve = (query: string, variables: Record<string, unknown>, principal: Principal, after?: EventEnvelope) => Promise<Resolution>;

export interface HubOptions {
  bus: EventBus;
  resolve: Resolve;
  logger: Logger;
  declarations?: readonly SubscriptionDeclaration[];
  /** How far back `after:` may reach. @default 24 hours */
  replayWindowMs?: number;
  /** Resolutions running at once for one event. @default 32 */
  concurrency?: number;
  /** How long one resolution may take before it counts as failed. @default 10 s */
  resolveTimeoutMs?: number;
  /** Attempts of a failing resolution before its subscribers get an error. @default 3 */
  attempts?: number;
  /** Cases whose holder is remembered (the oldest are forgotten, and asked again). @default 100,000 */
  holderCacheSize?: number;
  now?: () => number;
}

/** The most that one `read` of a replay asks the bus for. */
const REPLAY_BATCH = 200;

/**
 * The gateway's side of the bus for subscriptions. It tails the whole bus (every gateway sees
 * every event), finds the subscribers each event concerns, resolves each group of subscribers
 * sharing rights and selection once, through an ordinary query with their principal, and queues
 * the shaped payload for each. A subscriber that comes with a cursor first gets what it missed.
 * An event is never skipped silently: when its resolution keeps failing, the subscribers it
 * concerned get an error telling them to resume after their last cursor.
 */
export class SubscriptionHub {
  readonly declarations: readonly SubscriptionDeclaration[];
  private readonly bySubject = new Map<string, SubscriptionDeclaration[]>();
  /** Open subscribers by field: those confined to one key (see `narrowedBy`) indexed by it, the rest together. */
  private readonly subscribers = new Map<string, { wide: Set<Subscriber>; byKey: Map<string, Set<Subscriber>> }>();
  /** Which agency holds each case: from Placement events on the bus, or asked of the graph. */
  private readonly holders = new Map<string, string | null>();
  private readonly facts: DeliveryFacts = { caseHolder: (caseId) => this.holders.get(caseId) };
  /** How to ask the graph who holds a case the hub has not seen placement events of (from the declarations). */
  private readonly holderLookup: HolderLookup | undefined;
  private count = 0;
  /** Open subscriptions of agencies (the only ones that need to know who holds a case). */
  private agencySubscribers = 0;
  /** The last bus sequence the tail handed over. */
  private position = 0;
  private tail?: BusSubscription;

  constructor(private readonly opts: HubOptions) {
    this.declarations = opts.declarations ?? SUBSCRIPTIONS;
    this.holderLookup = this.declarations.find((d) => d.holders)?.holders;
    for (const d of this.declarations) {
      this.subscribers.set(d.field, { wide: new Set(), byKey: new Map() });
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
    for (const s of [...this.all()]) await s.return();
  }

  /** How many subscriptions are open. */
  get size(): number {
    return this.count;
  }

  private *all(): Iterable<Subscriber> {
    for (const f of this.subscribers.values()) {
      yield* f.wide;
      for (const set of f.byKey.values()) yield* set;
    }
  }

  /** The subscribers of a field an event may concern: the wide ones, and those narrowed to its key. */
  private *candidates(d: SubscriptionDeclaration, e: EventEnvelope): Iterable<Subscriber> {
    const f = this.subscribers.get(d.field)!;
    yield* f.wide;
    const key = d.narrowedBy?.keyOf(e);
    const narrow = key ? f.byKey.get(key) : undefined;
    if (narrow) yield* narrow;
  }

  /** The key a subscriber is confined to, if its declaration narrows and it gave the argument. */
  private keyOf(sub: Subscriber): string | null {
    const arg = sub.plan.declaration.narrowedBy?.arg;
    const v = arg ? sub.plan.args[arg] : null;
    return typeof v === "string" && v ? v.toLowerCase() : null;
  }

  /**
   * Registers a subscriber. With `after`, what it missed since that cursor is replayed first
   * (REPLAY_WINDOW_EXCEEDED when the first missed event is older than the window), then live
   * events follow with no gap and no duplicate.
   */
  async add(sub: Subscriber, after?: string | null): Promise<void> {
    if (after == null) {
      sub.lastSeq = this.position;
      this.register(sub);
      return;
    }
    if (!/^\d{1,15}$/.test(after)) throw badInput("after: is not a cursor this gateway gave out", "after");
    // Registered before anything is read, so every live event from now on is either read by
    // the replay or held for after it.
    sub.lastSeq = Number(after);
    sub.replaying = true;
    this.register(sub);
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
      this.remove(sub);
      throw err;
    }
    void this.replay(sub).catch((err) => {
      this.opts.logger.error({ err }, "replay failed");
      sub.fail(resumeError(sub));
    });
  }

  /** Forgets a subscriber (it ended). */
  remove(sub: Subscriber): void {
    const f = this.subscribers.get(sub.plan.declaration.field)!;
    const key = this.keyOf(sub);
    const set = key ? f.byKey.get(key) : f.wide;
    if (!set?.delete(sub)) return;
    if (key && set.size === 0) f.byKey.delete(key);
    this.count--;
    if (sub.principal.role === "agency") this.agencySubscribers--;
  }

  private register(sub: Subscriber): void {
    const f = this.subscribers.get(sub.plan.declaration.field)!;
    const key = this.keyOf(sub);
    if (key) {
      const set = f.byKey.get(key);
      if (set) set.add(sub);
      else f.byKey.set(key, new Set([sub]));
    } else f.wide.add(sub);
    this.count++;
    if (sub.principal.role === "agency") this.agencySubscribers++;
  }

  private async replay(sub: Subscriber): Promise<void> {
    for (;;) {
      // Everything on the bus after the subscriber's position, at the client's pace.
      for (;;) {
        const batch = await this.opts.bus.read(sub.lastSeq, REPLAY_BATCH);
        if (batch.length === 0) break;
        for (const entry of batch) {
          await sub.room();
          if (sub.closed) return;
          await this.deliverOne(sub, entry);
        }
      }
      // Then what the tail handed over meanwhile; if too much came to hold, read the bus again.
      while (sub.pending.length > 0 && !sub.pendingDropped) {
        const entry = sub.pending.shift()!;
        await sub.room();
        if (sub.closed) return;
        await this.deliverOne(sub, entry);
      }
      if (!sub.pendingDropped) break;
      sub.pendingDropped = false;
      sub.pending.length = 0;
    }
    sub.replaying = false;
  }

  private async deliverOne(sub: Subscriber, entry: LogEntry): Promise<void> {
    const e = this.envelope(entry);
    const d = sub.plan.declaration;
    if (e && entry.seq > sub.lastSeq && d.subjects.includes(entry.subject)) {
      await this.knowHolder(e);
      if (d.concerns(e, sub.principal, sub.plan.args, this.facts)) await this.resolveFor([sub], e, entry.subject, entry.seq);
    }
    // Passed over or delivered, it is behind the subscriber now (unless it failed and ended).
    if (!sub.closed) sub.lastSeq = Math.max(sub.lastSeq, entry.seq);
  }

  private async onEntry(entry: LogEntry): Promise<void> {
    this.position = entry.seq;
    const e = this.envelope(entry);
    if (!e) return;
    this.learn(e);
    await this.knowHolder(e);
    const targets: Subscriber[] = [];
    for (const d of this.bySubject.get(entry.subject) ?? []) {
      for (const sub of this.candidates(d, e)) {
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
    await forEachLimit([...groups.values()], this.opts.concurrency ?? 32, (g) => this.resolveFor(g, e, entry.subject, entry.seq));
  }

  /** One resolution for a group of subscribers with the same rights and selection. */
  private async resolveFor(group: Subscriber[], e: EventEnvelope, subject: string, seq: number): Promise<void> {
    const plan = group[0]!.plan;
    const sp = plan.forSubject(subject);
    if (!sp) return;
    // The id of each object the subject's query asks for; an event lacking one is not delivered.
    const ids: Record<string, string> = {};
    for (const { variable, idOf } of sp.ids) {
      const id = idOf(e);
      if (!id) return;
      ids[variable] = id;
    }
    const shaped = await this.resolveShaped(sp, group[0]!.principal, e, ids, seq);
    if (shaped.outcome === "deliver") for (const s of group) s.push(shaped.delivery, seq);
    else if (shaped.outcome === "failed") {
      this.opts.logger.error({ seq, field: plan.declaration.field, reason: shaped.reason, subscribers: group.length }, "could not resolve an event; its subscribers must resume");
      for (const s of group) s.fail(resumeError(s));
    }
  }

  private async resolveShaped(plan: SubjectPlan, principal: Principal, e: EventEnvelope, ids: Record<string, string>, seq: number): Promise<Shaped> {
    const attempts = this.opts.attempts ?? 3;
    let shaped: Shaped = { outcome: "failed", reason: "not tried" };
    for (let attempt = 1; attempt <= attempts; attempt++) {
      try {
        const r = await withTimeout(this.opts.resolve(plan.query, { ...plan.variables, ...ids }, principal, e), this.opts.resolveTimeoutMs ?? 10_000);
        shaped = plan.shape(e, String(seq), r);
      } catch (err) {
        shaped = { outcome: "failed", reason: (err as Error).message };
      }
      if (shaped.outcome !== "failed") return shaped;
      if (attempt < attempts) await new Promise((r) => setTimeout(r, 250 * attempt));
    }
    return shaped;
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
    const caseId = caseIdOf(e);
    if (!caseId || e.aggregateType !== "Placement") return;
    if (e.type === "PlacementStarted") this.remember(caseId, String(e.payload.agencyId));
    else if (e.type === "PlacementEnded" && (this.holders.get(caseId) ?? e.payload.agencyId) === e.payload.agencyId) this.remember(caseId, null);
  }

  /**
   * A case event for which agencies are listening, about a case whose placements the hub has not
   * seen: ask the graph who holds it, so that no agency is asked on the chance that it might.
   */
  private async knowHolder(e: EventEnvelope): Promise<void> {
    const caseId = caseIdOf(e);
    const lookup = this.holderLookup;
    if (!caseId || !e.lenderId || this.agencySubscribers === 0 || this.holders.has(caseId) || !lookup) return;
    try {
      const answer = await withTimeout(this.opts.resolve(lookup.query, { id: caseId }, lookup.principal(e.lenderId), e), this.opts.resolveTimeoutMs ?? 10_000);
      this.remember(caseId, lookup.read(answer));
    } catch (err) {
      // Unknown it stays, and is asked again with the case's next event: the resolution, with
      // the agency's own rights, decides meanwhile. Never remembered as "nobody holds it".
      this.opts.logger.warn({ err, caseId }, "could not learn who holds a case");
    }
  }

  private remember(caseId: string, agencyId: string | null): void {
    this.holders.delete(caseId);
    this.holders.set(caseId, agencyId);
    if (this.holders.size > (this.opts.holderCacheSize ?? 100_000)) this.holders.delete(this.holders.keys().next().value!);
  }
}

/** The error a subscriber gets when an event could not be resolved for it: resume, nothing is lost. */
function resumeError(sub: Subscriber): GraphQLError {
  return new ConcordError(ERROR_CODES.INTERNAL_SERVER_ERROR, `An update could not be resolved; subscribe again with after: "${sub.lastSeq}" to resume without a gap`, {
    resumeAfter: String(sub.lastSeq),
  });
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([
    p.finally(() => clearTimeout(timer)),
    new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms))),
  ]);
}

async function forEachLimit<T>(items: T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await fn(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}
