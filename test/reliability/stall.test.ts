/**
 * A response that stops sending ("stall" fault: the first chunk, then silence) must trip the idle
 * timeout within its bound and close the socket — through ChatAIGateway and through the
 * registry's fallback model, not only at the gateway-client level (test/integration/gateway_faults).
 */
import { randomBytes } from "node:crypto";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { startEmulator, type EmulatorHandle } from "../../src/emulator/index.js";
import { AIGatewayClient, AIGatewayTimeoutError } from "../../src/gateway/index.js";
import { createLogger } from "../../src/logging/index.js";
import { ChatAIGateway } from "../../src/models/index.js";
import { ProviderRegistry } from "../../src/providers/index.js";

const KEY = `sk-secondary-${randomBytes(8).toString("hex")}`;
const IDLE_MS = 500;
/**
 * Well above the idle timeout, well below "hangs": the error must come in between. undici runs
 * its body (idle) timeout on coarse timers with a ~0.5 s tick, so a 500 ms idle timeout fires
 * after 0.5 to ~1 s (about 0.97 s measured here); 5 s leaves room for a busy machine.
 */
const UPPER_MS = 5_000;
/**
 * Timers are measured against libuv's loop clock, cached once per loop turn, so a timer can
 * appear to fire a few ms early against performance.now() taken later in the same turn.
 */
const CLOCK_SLACK_MS = 10;
const PROMPT = "Tell me about stalled streams.";
const silent = createLogger({ level: "silent", format: "json" });

let gateway: EmulatorHandle;
let secondary: EmulatorHandle;
const cleanups: (() => Promise<unknown>)[] = [];

beforeAll(async () => {
  gateway = await startEmulator({ port: 0 });
  secondary = await startEmulator({ port: 0, staticApiKeys: [KEY] });
});
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()?.();
  gateway.resetStats();
  secondary.resetStats();
});
afterAll(async () => {
  await Promise.all([gateway.close(), secondary.close()]);
});

/** Consumes a stream; returns the text seen, when the first chunk came, and the error it ended with. */
async function consume(stream: AsyncIterable<{ content: unknown }>, started: number) {
  let text = "";
  let firstChunkAt: number | undefined;
  let openAtStall: number | undefined;
  try {
    for await (const chunk of stream) {
      if (firstChunkAt === undefined) {
        firstChunkAt = performance.now();
        openAtStall = gateway.stats().openConnections;
      }
      if (typeof chunk.content === "string") text += chunk.content;
    }
    return { text, error: undefined, firstChunkAt, openAtStall, endedAt: performance.now(), elapsed: performance.now() - started };
  } catch (error) {
    return { text, error, firstChunkAt, openAtStall, endedAt: performance.now(), elapsed: performance.now() - started };
  }
}

/** Checks the timeout error, its timing, and that the emulator saw the stalled stream closed by the client. */
async function expectIdleTimeout(result: Awaited<ReturnType<typeof consume>>) {
  const afterFirst = result.firstChunkAt === undefined ? "-" : Math.round(result.endedAt - result.firstChunkAt);
  console.log(`stall: idle timeout error ${Math.round(result.elapsed)} ms after the call started, ${afterFirst} ms after the first chunk (idleMs ${IDLE_MS})`);
  expect(result.error).toBeInstanceOf(AIGatewayTimeoutError);
  expect((result.error as AIGatewayTimeoutError).phase).toBe("idle");
  expect((result.error as Error).message).toContain("stopped sending data");
  // The first token arrived before the silence.
  expect(result.firstChunkAt).toBeDefined();
  expect(result.text).not.toBe("");
  expect(result.elapsed).toBeGreaterThanOrEqual(IDLE_MS - CLOCK_SLACK_MS);
  expect(result.elapsed).toBeLessThan(UPPER_MS);
  // The client closed the stalled socket: the emulator counts the aborted stream, and the connection is gone.
  await expect.poll(() => gateway.stats().clientAbortedStreams, { timeout: 2_000 }).toBe(1);
  await expect.poll(() => gateway.stats().openConnections, { timeout: 2_000 }).toBeLessThan(result.openAtStall!);
}

function gatewayClient(): AIGatewayClient {
  const client = new AIGatewayClient({
    baseUrl: gateway.baseUrl,
    clientId: gateway.clientId,
    clientSecret: gateway.clientSecret,
    logger: silent,
    timeouts: { idleMs: IDLE_MS },
    retry: { maxRetries: 2, baseDelayMs: 10 },
  });
  cleanups.push(() => client.close());
  return client;
}

async function registry(): Promise<ProviderRegistry> {
  const r = await ProviderRegistry.create({
    env: {
      AI_GATEWAY_BASE_URL: gateway.baseUrl,
      AI_GATEWAY_CLIENT_ID: gateway.clientId,
      AI_GATEWAY_CLIENT_SECRET: gateway.clientSecret,
      OPENAI_BASE_URL: secondary.apiUrl,
      OPENAI_API_KEY: KEY,
      PROVIDER_ORDER: "gateway,openai",
    },
    logger: silent,
    gatewayClientOptions: { timeouts: { idleMs: IDLE_MS }, retry: { maxRetries: 2, baseDelayMs: 10 } },
  });
  cleanups.push(() => r.close());
  return r;
}

describe("a stalled stream trips the idle timeout and closes the socket", () => {
  it("through ChatAIGateway", async () => {
    const model = new ChatAIGateway({ model: "gpt-4.1", client: gatewayClient() });
    await model.invoke("warm up"); // token and a pooled connection, so the stall is the only wait
    gateway.resetStats();
    gateway.enqueueFault("stall");
    const started = performance.now();
    const result = await consume(await model.stream(PROMPT), started);
    await expectIdleTimeout(result);
    // Part of the answer had reached the caller: the stream is not retried (it would duplicate it).
    expect(gateway.stats().chatRequests).toBe(1);
  });

  it("through registry.chatModel(tier): no fallback either, since the answer had started", async () => {
    const r = await registry();
    const model = r.chatModel("standard");
    await model.invoke("warm up");
    gateway.resetStats();
    gateway.enqueueFault("stall");
    const started = performance.now();
    const result = await consume(await model.stream(PROMPT), started);
    await expectIdleTimeout(result);
    expect(result.text).toContain("Simulated");
    expect(gateway.stats().chatRequests).toBe(1);
    expect(secondary.stats().chatRequests).toBe(0);
    // One stalled stream is not an outage of the gateway: the next call goes there again.
    const next = await model.invoke(PROMPT);
    expect(next.response_metadata.provider).toBe("gateway");
  });

  it("a stalled JSON answer (headers, then silence) also ends in a typed idle timeout", async () => {
    const model = new ChatAIGateway({ model: "gpt-4.1", client: gatewayClient(), maxRetries: 0 });
    await model.invoke("warm up");
    gateway.resetStats();
    gateway.enqueueFault("stall");
    const started = performance.now();
    const error = await model.invoke(PROMPT).catch((e: unknown) => e);
    const elapsed = performance.now() - started;
    expect(error).toBeInstanceOf(AIGatewayTimeoutError);
    expect((error as AIGatewayTimeoutError).phase).toBe("idle");
    expect(elapsed).toBeGreaterThanOrEqual(IDLE_MS - CLOCK_SLACK_MS);
    expect(elapsed).toBeLessThan(UPPER_MS);
  });
});
