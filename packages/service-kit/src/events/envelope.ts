import { eventEnvelopeSchema, type EventEnvelope } from "@concord/schema";
import { uuidv7 } from "../ids";

export type { EventEnvelope };

/** What a producer says about an event; the rest of the envelope is filled in here. */
export interface NewEvent<P extends Record<string, unknown>> {
  type: string;
  version?: number;
  aggregateType: string;
  aggregateId: string;
  /** The aggregate's version after the change (see the envelope's `aggregateVersion`). */
  aggregateVersion?: number;
  lenderId: string | null;
  payload: P;
  correlationId?: string | null;
  causationId?: string | null;
}

/** A complete envelope with a time-ordered id, stamped at `at`. */
export function newEvent<P extends Record<string, unknown>>(e: NewEvent<P>, at: Date): EventEnvelope<P> {
  return {
    id: uuidv7(at.getTime()),
    type: e.type,
    version: e.version ?? 1,
    aggregateType: e.aggregateType,
    aggregateId: e.aggregateId,
    ...(e.aggregateVersion !== undefined ? { aggregateVersion: e.aggregateVersion } : {}),
    lenderId: e.lenderId,
    occurredAt: at.toISOString(),
    correlationId: e.correlationId ?? null,
    causationId: e.causationId ?? null,
    payload: e.payload,
  };
}

/** Parses bytes off the bus into an envelope; throws with the reason when it is not one. */
export function parseEnvelope(data: string): EventEnvelope {
  let json: unknown;
  try {
    json = JSON.parse(data);
  } catch (err) {
    throw new Error(`not JSON: ${(err as Error).message}`);
  }
  const r = eventEnvelopeSchema.safeParse(json);
  if (!r.success) {
    throw new Error(`not an event envelope: ${r.error.issues.map((i) => `${i.path.join(".")} ${i.message}`).join("; ")}`);
  }
  return r.data;
}
