import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { BusMessage, EventBus } from "./bus";

/**
 * The one behaviour every bus adapter must show. Each adapter's integration test runs it
 * against a real server.
 */
export function busContract(adapter: string, open: () => Promise<EventBus>): void {
  describe(`event bus contract: ${adapter}`, () => {
    let bus: EventBus;
    beforeAll(async () => {
      bus = await open();
    });
    afterAll(async () => bus?.close());

    const msg = (n: number, id = randomUUID()): BusMessage => ({ id, subject: "Test.Happened", data: JSON.stringify({ n }) });
    const consumer = () => `test-${randomUUID().slice(0, 8)}`;

    it("delivers every message to a durable consumer, in publish order", async () => {
      const marker = randomUUID();
      const batch = Array.from({ length: 20 }, (_, n) => ({ ...msg(n), data: JSON.stringify({ n, marker }) }));
      await bus.publish(batch.slice(0, 10));
      await bus.publish(batch.slice(10));
      // Collect only this test's messages (the stream may hold earlier tests' messages).
      const mine: number[] = [];
      const sub = await bus.subscribe(consumer(), async (d) => {
        const body = JSON.parse(d.data);
        if (body.marker === marker) mine.push(body.n);
      });
      await waitFor(() => mine.length === 20);
      await sub.stop();
      expect(mine).toEqual(Array.from({ length: 20 }, (_, n) => n));
    });

    it("stores and delivers a republished id once", async () => {
      const marker = randomUUID();
      const id = randomUUID();
      const m = { id, subject: "Test.Happened", data: JSON.stringify({ marker }) };
      await bus.publish([m]);
      await bus.publish([m]);
      await bus.publish([{ ...msg(1), data: JSON.stringify({ marker, last: true }) }]);
      const seen: string[] = [];
      let last = false;
      const sub = await bus.subscribe(consumer(), async (d) => {
        const body = JSON.parse(d.data);
        if (body.marker !== marker) return;
        if (body.last) last = true;
        else seen.push(d.data);
      });
      await waitFor(() => last);
      await sub.stop();
      expect(seen).toHaveLength(1);
    });

    it("resumes a consumer after the last message it acknowledged", async () => {
      const name = consumer();
      const marker = randomUUID();
      await bus.publish(Array.from({ length: 6 }, (_, n) => ({ ...msg(n), data: JSON.stringify({ n, marker }) })));
      const first: number[] = [];
      const sub1 = await bus.subscribe(name, async (d) => {
        const body = JSON.parse(d.data);
        if (body.marker === marker && first.length < 3) first.push(body.n);
        if (first.length === 3) throw new Error("stop here"); // the fourth is not acknowledged
      });
      await waitFor(() => first.length === 3);
      await sub1.stop();
      const rest: number[] = [];
      const sub2 = await bus.subscribe(name, async (d) => {
        const body = JSON.parse(d.data);
        if (body.marker === marker) rest.push(body.n);
      });
      await waitFor(() => rest.length >= 3);
      await new Promise((r) => setTimeout(r, 300));
      await sub2.stop();
      // The third was delivered but rejected, so it comes again; nothing before it does.
      expect(first).toEqual([0, 1, 2]);
      expect(rest).toEqual([2, 3, 4, 5]);
    });

    it("delivers a message again when the handler rejects it, and keeps the order", async () => {
      const marker = randomUUID();
      await bus.publish(Array.from({ length: 3 }, (_, n) => ({ ...msg(n), data: JSON.stringify({ n, marker }) })));
      const seen: number[] = [];
      let failed = false;
      const sub = await bus.subscribe(consumer(), async (d) => {
        const body = JSON.parse(d.data);
        if (body.marker !== marker) return;
        if (body.n === 1 && !failed) {
          failed = true;
          throw new Error("transient");
        }
        seen.push(body.n);
      });
      await waitFor(() => seen.length === 3, 20_000);
      await sub.stop();
      expect(seen).toEqual([0, 1, 2]);
    });

    it("gives every consumer every message, and keeps concurrent publishers' messages whole", async () => {
      const marker = randomUUID();
      await Promise.all(
        Array.from({ length: 5 }, (_, p) =>
          bus.publish(Array.from({ length: 10 }, (_, n) => ({ ...msg(n), data: JSON.stringify({ p, n, marker }) }))),
        ),
      );
      const a: string[] = [];
      const b: string[] = [];
      const seqs: number[] = [];
      const subA = await bus.subscribe(consumer(), async (d) => {
        if (JSON.parse(d.data).marker === marker) {
          a.push(d.data);
          seqs.push(d.seq);
        }
      });
      const subB = await bus.subscribe(consumer(), async (d) => {
        if (JSON.parse(d.data).marker === marker) b.push(d.data);
      });
      await waitFor(() => a.length === 50 && b.length === 50);
      await subA.stop();
      await subB.stop();
      expect(new Set(a).size).toBe(50);
      expect(b).toEqual(a);
      expect([...seqs].sort((x, y) => x - y)).toEqual(seqs);
      // Each publisher's own messages stay in its order.
      for (let p = 0; p < 5; p++) {
        expect(a.map((s) => JSON.parse(s)).filter((x) => x.p === p).map((x) => x.n)).toEqual(Array.from({ length: 10 }, (_, n) => n));
      }
    });
  });
}

/** Polls `cond` until it holds or `ms` pass. */
export async function waitFor(cond: () => boolean, ms = 15_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 20));
  }
}
