import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { EmulatorHandle, FaultKind } from "../../src/emulator/index.js";
import {
  AIGatewayClient,
  AIGatewayHTTPError,
  AIGatewayNetworkError,
  AIGatewayRateLimitError,
  AIGatewayStreamError,
  AIGatewayTimeoutError,
} from "../../src/gateway/index.js";
import { clientFor, emulator, streamText } from "../helpers/gateway.js";

let emu: EmulatorHandle;
const clients: AIGatewayClient[] = [];
const track = (c: AIGatewayClient) => (clients.push(c), c);
const ask = { model: "gpt-4.1", messages: [{ role: "user" as const, content: "fault test" }] };

beforeAll(async () => {
  emu = await emulator({ slowHeadersMs: 1_500, retryAfterSeconds: 1 });
});
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
  emu.resetStats();
});
afterAll(async () => {
  await emu.close();
});

describe("transient faults are retried and then succeed", () => {
  it.each<FaultKind>(["500", "502", "503", "reset"])("%s once, then success (non-stream)", async (kind) => {
    const client = track(clientFor(emu));
    emu.enqueueFault(kind);
    const completion = await client.createChatCompletion(ask);
    expect(completion.choices[0]?.message.content).toContain("Simulated");
    expect(emu.stats().chatRequests).toBe(2);
    expect(emu.stats().faultsByKind[kind]).toBe(1);
  });

  it.each<FaultKind>(["503", "reset", "cut-before-first-token"])("%s once, then success (stream)", async (kind) => {
    const client = track(clientFor(emu));
    const expected = (await client.createChatCompletion(ask)).choices[0]?.message.content;
    emu.resetStats();
    emu.enqueueFault(kind);
    expect(await streamText(client.streamChatCompletion(ask))).toBe(expected);
    expect(emu.stats().chatRequests).toBe(2);
  });

  it("a connection cut after the headers of a JSON answer is retried", async () => {
    const client = track(clientFor(emu));
    emu.enqueueFault("cut-before-first-token");
    const completion = await client.createChatCompletion(ask);
    expect(completion.choices[0]?.message.content).toContain("Simulated");
    expect(emu.stats().chatRequests).toBe(2);
  });

  it("honours Retry-After on a 429 (the wait is at least the header's value)", async () => {
    const client = track(clientFor(emu));
    emu.enqueueFault("429", { retryAfterSeconds: 1 });
    const started = performance.now();
    await client.createChatCompletion(ask);
    expect(performance.now() - started).toBeGreaterThanOrEqual(1_000);
    expect(emu.stats().chatRequests).toBe(2);
  });

  it("honours retry-after-ms", async () => {
    const client = track(clientFor(emu));
    emu.enqueueFault("429", { retryAfterMs: 300, retryAfterSeconds: 30 });
    const started = performance.now();
    await client.createChatCompletion(ask);
    expect(performance.now() - started).toBeGreaterThanOrEqual(300);
  });

  it("retries a token endpoint that is briefly down", async () => {
    const client = track(clientFor(emu));
    emu.enqueueFault("token-endpoint-down");
    expect((await client.listModels()).length).toBeGreaterThan(0);
    expect(emu.stats().tokenRequests).toBe(2);
  });

  it("waits out slow headers that stay inside the headers timeout", async () => {
    const client = track(clientFor(emu, { timeouts: { headersMs: 5_000 } }));
    emu.enqueueFault("slow-headers");
    const completion = await client.createChatCompletion(ask);
    expect(completion.choices[0]?.message.content).toContain("Simulated");
    expect(emu.stats().chatRequests).toBe(1);
  });
});

describe("faults that persist surface typed errors", () => {
  const headers = (kind: string) => ({ headers: { "x-emulator-fault": kind } });

  it("a 503 after every retry is an HTTP error with status and request id", async () => {
    const client = track(clientFor(emu, { retry: { maxRetries: 2 } }));
    const error = await client.createChatCompletion(ask, headers("503")).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AIGatewayHTTPError);
    expect((error as AIGatewayHTTPError).status).toBe(503);
    expect((error as AIGatewayHTTPError).requestId).toMatch(/\S+/);
    expect(emu.stats().chatRequests).toBe(3);
  });

  it("a 429 whose Retry-After exceeds the cap is raised at once with retryAfterMs", async () => {
    const client = track(clientFor(emu, { retry: { maxDelayMs: 500 } }));
    const error = await client.createChatCompletion(ask, headers("429")).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AIGatewayRateLimitError);
    expect((error as AIGatewayRateLimitError).retryAfterMs).toBe(1_000);
    expect(emu.stats().chatRequests).toBe(1);
  });

  it("a 400 is not retried and carries the server's message", async () => {
    const client = track(clientFor(emu));
    const error = await client
      .createChatCompletion({ model: "gpt-5.1", messages: ask.messages, max_tokens: 10 })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AIGatewayHTTPError);
    expect((error as AIGatewayHTTPError).status).toBe(400);
    expect((error as AIGatewayHTTPError).code).toBe("unsupported_parameter");
    expect((error as Error).message).toContain("max_completion_tokens");
    expect(emu.stats().chatRequests).toBe(1);
  });

  it("connection resets on every attempt become a network error", async () => {
    const client = track(clientFor(emu, { retry: { maxRetries: 1 } }));
    const error = await client.createChatCompletion(ask, headers("reset")).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AIGatewayNetworkError);
    expect((error as AIGatewayNetworkError).code).toBe("connection_reset");
    expect(emu.stats().chatRequests).toBe(2);
  });

  it("slow headers past the headers timeout become a timeout error", async () => {
    const client = track(clientFor(emu, { retry: { maxRetries: 0 }, timeouts: { headersMs: 200 } }));
    const error = await client.createChatCompletion(ask, headers("slow-headers")).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AIGatewayTimeoutError);
    expect((error as AIGatewayTimeoutError).phase).toBe("headers");
  });

  it("a stalled stream trips the idle timeout after the first chunk and closes the socket", async () => {
    const client = track(clientFor(emu, { timeouts: { idleMs: 300 } }));
    const seen: string[] = [];
    const run = async () => {
      for await (const c of client.streamChatCompletion(ask, headers("stall"))) seen.push(c.choices[0]?.delta?.content ?? "");
    };
    const error = await run().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AIGatewayTimeoutError);
    expect((error as AIGatewayTimeoutError).phase).toBe("idle");
    expect(seen.join("")).not.toBe("");
    await expect.poll(() => emu.stats().openConnections, { timeout: 5_000 }).toBe(0);
  });

  it("a JSON answer that stalls after its headers ends in a typed idle timeout", async () => {
    const client = track(clientFor(emu, { retry: { maxRetries: 0 }, timeouts: { idleMs: 300 } }));
    const error = await client.createChatCompletion(ask, headers("stall")).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AIGatewayTimeoutError);
    expect((error as AIGatewayTimeoutError).phase).toBe("idle");
  });

  it("a stream cut after the first token raises a stream error and is not retried", async () => {
    const client = track(clientFor(emu));
    const seen: string[] = [];
    const run = async () => {
      for await (const c of client.streamChatCompletion(ask, headers("cut-after-first-token"))) {
        seen.push(c.choices[0]?.delta?.content ?? "");
      }
    };
    const error = await run().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AIGatewayStreamError);
    expect((error as AIGatewayStreamError).code).toBe("stream_truncated");
    expect(seen.join("")).not.toBe("");
    expect(emu.stats().chatRequests).toBe(1);
  });

  it("a malformed chunk raises a stream error", async () => {
    const client = track(clientFor(emu));
    const error = await streamText(client.streamChatCompletion(ask, headers("malformed-chunk"))).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AIGatewayStreamError);
    expect((error as AIGatewayStreamError).code).toBe("malformed_chunk");
  });

  it("an error event mid-stream raises a stream error with the upstream message", async () => {
    const client = track(clientFor(emu));
    const error = await streamText(client.streamChatCompletion(ask, headers("stream-error"))).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AIGatewayStreamError);
    expect((error as Error).message).toContain("simulated upstream failure");
  });

  it("a token endpoint that stays down is an HTTP error after the retries", async () => {
    const client = track(clientFor(emu, { retry: { maxRetries: 1 } }));
    emu.setTokenEndpointDown(true);
    try {
      const error = await client.listModels().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(AIGatewayHTTPError);
      expect((error as AIGatewayHTTPError).code).toBe("token_endpoint_unavailable");
      expect(emu.stats().tokenRequests).toBe(2);
    } finally {
      emu.setTokenEndpointDown(false);
    }
  });
});
