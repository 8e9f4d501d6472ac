import { randomBytes } from "node:crypto";
import { describe, it } from "vitest";
import { env } from "../config";
import { busContract } from "./bus.contract";
import { NatsEventBus } from "./nats-bus";

const url = env().NATS_URL;

if (!url) {
  console.warn("NATS bus suite DID NOT RUN: NATS_URL is not set (CI sets NATS_URL=nats://127.0.0.1:4222).");
  describe("event bus contract: NATS JetStream", () => {
    it.skip("DID NOT RUN: set NATS_URL=nats://127.0.0.1:4222 to run the NATS bus suite (CI does)", () => {});
  });
} else {
  // A stream of its own per run, removed at the end, so runs never see each other's messages.
  const tag = randomBytes(4).toString("hex");
  const stream = `CONCORD_TEST_${tag}`;
  busContract("NATS JetStream", () => NatsEventBus.open({ url, stream, prefix: `concord.test.${tag}` }));
  describe("cleanup", () => {
    it("removes the test stream", async () => {
      await NatsEventBus.deleteStream({ url, stream });
    });
  });
}
