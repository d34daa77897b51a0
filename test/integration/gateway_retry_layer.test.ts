/**
 * One retry layer: whatever the call's shape (JSON, SSE stream, stream with AI_GATEWAY_STREAMING=false,
 * through ChatAIGateway or not), a gateway that keeps failing with 503 sees exactly maxRetries + 1
 * requests. A second retry loop anywhere (in the stream, in LangChain's caller) would multiply them.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { EmulatorHandle } from "../../src/emulator/index.js";
import { AIGatewayHTTPError, AIGatewayStreamError, type AIGatewayClient, type AIGatewayClientOptions } from "../../src/gateway/index.js";
import { ChatAIGateway } from "../../src/models/index.js";
import { clientFor, emulator, streamText } from "../helpers/gateway.js";

let emu: EmulatorHandle;
const clients: AIGatewayClient[] = [];
const track = (options: AIGatewayClientOptions = {}) => {
  const c = clientFor(emu, options);
  clients.push(c);
  return c;
};
const ask = { model: "gpt-4.1", messages: [{ role: "user" as const, content: "retry layer" }] };
const failing = { headers: { "x-emulator-fault": "503" } };

beforeAll(async () => {
  emu = await emulator();
});
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
  emu.resetStats();
});
afterAll(async () => {
  await emu.close();
});

type Shape = "json" | "sse stream" | "stream with streaming off";

async function callOnce(shape: Shape, maxRetries: number): Promise<unknown> {
  const client = track({ retry: { maxRetries, baseDelayMs: 1 }, ...(shape === "stream with streaming off" ? { streaming: false } : {}) });
  if (shape === "json") return client.createChatCompletion(ask, failing).catch((e: unknown) => e);
  return streamText(client.streamChatCompletion(ask, failing)).catch((e: unknown) => e);
}

describe("a gateway that always answers 503", () => {
  const cases: [Shape, number][] = [];
  for (const shape of ["json", "sse stream", "stream with streaming off"] as const) for (const n of [0, 1, 3]) cases.push([shape, n]);

  it.each(cases)("%s with maxRetries %i gets exactly maxRetries + 1 requests", async (shape, maxRetries) => {
    const error = await callOnce(shape, maxRetries);
    expect(error).toBeInstanceOf(AIGatewayHTTPError);
    expect((error as AIGatewayHTTPError).status).toBe(503);
    expect(emu.stats().chatRequests).toBe(maxRetries + 1);
  });

  it("a per-call maxRetries on a stream replaces the client's", async () => {
    const client = track({ retry: { maxRetries: 5, baseDelayMs: 1 } });
    const error = await streamText(client.streamChatCompletion(ask, { ...failing, maxRetries: 1 })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AIGatewayHTTPError);
    expect(emu.stats().chatRequests).toBe(2);
  });

  it.each([
    ["invoke", false],
    ["invoke with streaming: true", true],
  ] as const)("ChatAIGateway %s adds no attempts of its own", async (_name, streaming) => {
    const chat = new ChatAIGateway({ model: "gpt-4.1", client: track({ retry: { maxRetries: 2, baseDelayMs: 1 } }), maxRetries: 2, streaming, headers: failing.headers });
    await expect(chat.invoke("always failing")).rejects.toBeInstanceOf(AIGatewayHTTPError);
    expect(emu.stats().chatRequests).toBe(3);
  });

  it("ChatAIGateway .stream() adds no attempts of its own", async () => {
    const chat = new ChatAIGateway({ model: "gpt-4.1", client: track({ retry: { maxRetries: 2, baseDelayMs: 1 } }), maxRetries: 2, headers: failing.headers });
    const run = async () => {
      for await (const _ of await chat.stream("always failing")) void _;
    };
    await expect(run()).rejects.toBeInstanceOf(AIGatewayHTTPError);
    expect(emu.stats().chatRequests).toBe(3);
  });
});

describe("streams share the client's retry rules", () => {
  it("a 401 on a stream fetches one new token and retries once", async () => {
    const client = track();
    await client.listModels();
    emu.revokeAllTokens();
    emu.resetStats();
    const text = await streamText(client.streamChatCompletion(ask));
    expect(text).toContain("Simulated");
    expect(emu.stats().tokenRequests).toBe(1);
    expect(emu.stats().unauthorized).toBe(1);
    expect(emu.stats().chatRequests).toBe(2);
  });

  it("a stream waits out retry-after-ms before its retry", async () => {
    const client = track();
    emu.enqueueFault("429", { retryAfterMs: 300, retryAfterSeconds: 30 });
    const started = performance.now();
    expect(await streamText(client.streamChatCompletion(ask))).toContain("Simulated");
    expect(performance.now() - started).toBeGreaterThanOrEqual(300);
    expect(emu.stats().chatRequests).toBe(2);
  });

  it("a stream cut after text was delivered is not retried, however many retries are allowed", async () => {
    const client = track({ retry: { maxRetries: 5, baseDelayMs: 1 } });
    const seen: string[] = [];
    const run = async () => {
      for await (const c of client.streamChatCompletion(ask, { headers: { "x-emulator-fault": "cut-after-first-token" } })) seen.push(c.choices[0]?.delta?.content ?? "");
    };
    const error = await run().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AIGatewayStreamError);
    expect(seen.join("")).not.toBe("");
    expect(emu.stats().chatRequests).toBe(1);
  });

  it("a stream cut before its first chunk is retried up to maxRetries, then raised", async () => {
    const client = track({ retry: { maxRetries: 2, baseDelayMs: 1 } });
    const error = await streamText(client.streamChatCompletion(ask, { headers: { "x-emulator-fault": "cut-before-first-token" } })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect(emu.stats().chatRequests).toBe(3);
  });
});
