import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { EmulatorHandle } from "../../src/emulator/index.js";
import { AIGatewayAbortError, AIGatewayAuthError, AIGatewayClient, AIGatewayNetworkError, type TokenProvider } from "../../src/gateway/index.js";
import { clientFor, emulator, silentLogger, streamText } from "../helpers/gateway.js";

let emu: EmulatorHandle;
const clients: AIGatewayClient[] = [];
const track = (c: AIGatewayClient) => (clients.push(c), c);

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

const ask = (content: string) => ({ model: "gpt-4.1", messages: [{ role: "user" as const, content }] });

describe("AIGatewayClient against the emulator", () => {
  it.each(["client_secret_basic", "client_secret_post"] as const)("authenticates with %s and lists models", async (authMethod) => {
    const client = track(clientFor(emu, { authMethod }));
    const models = await client.listModels();
    expect(models.map((m) => m.id)).toContain("gpt-5.1");
    expect(emu.stats().tokenRequests).toBe(1);
  });

  it("reuses the cached token across calls", async () => {
    const client = track(clientFor(emu));
    await client.listModels();
    await client.createChatCompletion(ask("hello"));
    await streamText(client.streamChatCompletion(ask("hello again")));
    expect(emu.stats().tokenRequests).toBe(1);
  });

  it("makes exactly one token request for 200 concurrent calls on a cold start", async () => {
    const client = track(clientFor(emu));
    const results = await Promise.all(Array.from({ length: 200 }, (_, i) => client.createChatCompletion(ask(`question ${i}`))));
    expect(results.every((r) => r.choices[0]?.message.content?.startsWith("Simulated"))).toBe(true);
    expect(emu.stats().tokenRequests).toBe(1);
    expect(emu.stats().chatRequests).toBe(200);
  });

  it("returns completions with the gateway's request id and usage", async () => {
    const client = track(clientFor(emu));
    const completion = await client.createChatCompletion(ask("what is the capital of France"));
    expect(completion._request_id).toMatch(/\S+/);
    expect(completion.usage?.total_tokens).toBeGreaterThan(0);
    expect(JSON.stringify(completion)).not.toContain("_request_id");
  });

  it("streams text equal to the non-streamed answer, with usage and the request id", async () => {
    const client = track(clientFor(emu));
    const plain = await client.createChatCompletion(ask("tell me about streams"));
    const stream = client.streamChatCompletion(ask("tell me about streams"));
    let text = "";
    let usageChunks = 0;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta?.content ?? "";
      if (chunk.usage) usageChunks++;
    }
    expect(text).toBe(plain.choices[0]?.message.content);
    expect(usageChunks).toBe(1);
    expect(stream.requestId).toMatch(/\S+/);
  });

  it("after a 401 refreshes the token once and retries once", async () => {
    const client = track(clientFor(emu));
    await client.listModels();
    emu.revokeAllTokens();
    const completion = await client.createChatCompletion(ask("after revoke"));
    expect(completion.choices[0]?.message.content).toContain("Simulated");
    expect(emu.stats().tokenRequests).toBe(2);
    expect(emu.stats().unauthorized).toBe(1);
  });

  it("surfaces a second 401 as a typed auth error", async () => {
    let handedOut = 0;
    const badTokens: TokenProvider = {
      getToken: async () => `unknown-token-${++handedOut}`,
      invalidate: () => undefined,
    };
    const client = track(clientFor(emu, { tokenProvider: badTokens }));
    const error = await client.createChatCompletion(ask("x")).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AIGatewayAuthError);
    expect((error as AIGatewayAuthError).status).toBe(401);
    expect((error as AIGatewayAuthError).requestId).toMatch(/\S+/);
    expect(handedOut).toBe(2);
    expect(emu.stats().unauthorized).toBe(2);
  });

  it("turns bad client credentials into a non-retried auth error carrying the server's code", async () => {
    const client = track(clientFor(emu, { clientSecret: "wrong-secret-value" }));
    const error = await client.listModels().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AIGatewayAuthError);
    expect((error as AIGatewayAuthError).code).toBe("invalid_client");
    expect((error as Error).message).toMatch(/AI_GATEWAY_CLIENT_SECRET/);
    expect((error as Error).message).not.toContain("wrong-secret-value");
    expect(emu.stats().tokenRequests).toBe(1);
  });

  it("verifyCredentials reports success and failure without throwing", async () => {
    const ok = await track(clientFor(emu)).verifyCredentials();
    expect(ok).toMatchObject({ ok: true, modelCount: expect.any(Number) });
    expect(ok.modelCount).toBeGreaterThan(5);
    const bad = await track(clientFor(emu, { clientSecret: "nope-nope-nope" })).verifyCredentials();
    expect(bad.ok).toBe(false);
    expect(bad.error?.code).toBe("invalid_client");
    expect(JSON.stringify(bad)).not.toContain("nope-nope-nope");
  });

  it("rejects an already-aborted call before any request", async () => {
    const client = track(clientFor(emu));
    const controller = new AbortController();
    controller.abort();
    await expect(client.createChatCompletion(ask("x"), { signal: controller.signal })).rejects.toBeInstanceOf(AIGatewayAbortError);
    await expect(streamText(client.streamChatCompletion(ask("x"), { signal: controller.signal }))).rejects.toBeInstanceOf(
      AIGatewayAbortError,
    );
    expect(emu.stats().chatRequests).toBe(0);
  });

  it("an abort mid-stream closes the socket, and the emulator sees it", async () => {
    const slow = await emulator({ latency: { perTokenMs: 20 } });
    try {
      const client = track(clientFor(slow));
      const controller = new AbortController();
      const stream = client.streamChatCompletion(ask("a long answer please"), {
        signal: controller.signal,
        headers: { "x-emulator-answer-tokens": "500" },
      });
      let received = 0;
      const consume = (async () => {
        for await (const chunk of stream) {
          if (chunk.choices[0]?.delta?.content) received++;
          if (received === 3) controller.abort();
        }
      })();
      await expect(consume).rejects.toBeInstanceOf(AIGatewayAbortError);
      await expect.poll(() => slow.stats().clientAbortedStreams, { timeout: 5_000 }).toBe(1);
      expect(received).toBe(3);
    } finally {
      await slow.close();
    }
  });

  it("breaking out of a stream closes the request", async () => {
    const slow = await emulator({ latency: { perTokenMs: 20 } });
    try {
      const client = track(clientFor(slow));
      for await (const chunk of client.streamChatCompletion(ask("x"), { headers: { "x-emulator-answer-tokens": "500" } })) {
        if (chunk.choices[0]?.delta?.content) break;
      }
      await expect.poll(() => slow.stats().clientAbortedStreams, { timeout: 5_000 }).toBe(1);
    } finally {
      await slow.close();
    }
  });

  it("decodes multi-byte characters split across network chunks", async () => {
    const client = track(clientFor(emu));
    const text = await streamText(client.streamChatCompletion(ask("unicode please"), { headers: { "x-emulator-split-utf8": "1" } }));
    expect(text).toContain("héllo wörld — ✓ 日本 🎉");
    expect(text).not.toContain("\uFFFD");
  });

  it("handles CRLF framing and keep-alive comments", async () => {
    const client = track(clientFor(emu));
    const expected = (await client.createChatCompletion(ask("framing"))).choices[0]?.message.content;
    const text = await streamText(
      client.streamChatCompletion(ask("framing"), { headers: { "x-emulator-sse-crlf": "1", "x-emulator-sse-comments": "1" } }),
    );
    expect(text).toBe(expected);
  });

  it("says the host could not be resolved and suggests the VPN when DNS fails", async () => {
    const { Agent } = await import("undici");
    // A lookup that fails like a missing DNS record, so no query leaves the machine.
    const lookup = (hostname: string, _opts: unknown, cb: (err: NodeJS.ErrnoException) => void) => {
      const err: NodeJS.ErrnoException = new Error(`getaddrinfo ENOTFOUND ${hostname}`);
      err.code = "ENOTFOUND";
      cb(err);
    };
    const dispatcher = new Agent({ connect: { lookup } as never });
    const client = new AIGatewayClient({
      baseUrl: "https://ai-gateway.corp.example",
      apiKey: "static-key-123456",
      dispatcher,
      logger: silentLogger,
    });
    try {
      const error = await client.listModels().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(AIGatewayNetworkError);
      expect((error as AIGatewayNetworkError).code).toBe("dns");
      expect((error as Error).message).toMatch(/could not resolve the host 'ai-gateway\.corp\.example'/i);
      expect((error as Error).message).toMatch(/VPN/);
    } finally {
      await dispatcher.close();
    }
  });

  it("reports a refused connection as a network error", async () => {
    const closed = await emulator();
    const baseUrl = closed.baseUrl;
    await closed.close();
    const client = track(new AIGatewayClient({ baseUrl, apiKey: "static-key-123456", logger: silentLogger, retry: { maxRetries: 0 } }));
    const error = await client.listModels().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AIGatewayNetworkError);
    expect((error as AIGatewayNetworkError).code).toBe("connection_refused");
  });

  it("never serialises credentials", () => {
    const client = track(clientFor(emu));
    expect(JSON.stringify(client)).not.toContain(emu.clientSecret);
  });
});
