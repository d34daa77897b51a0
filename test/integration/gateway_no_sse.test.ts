/**
 * Gateways without server-sent events: a JSON answer to a streaming request is taken as a
 * one-chunk stream (content type JSON), and AI_GATEWAY_STREAMING=false asks for JSON on every
 * call. Through the client, ChatAIGateway and an orchestrator run, whose step events still
 * arrive and whose tokens come as one chunk per answer.
 */
import { MemorySaver } from "@langchain/langgraph";
import { AIMessageChunk } from "@langchain/core/messages";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createOrchestrator } from "../../graphs/orchestrator/graph.js";
import type { EmulatorHandle } from "../../src/emulator/index.js";
import { AIGatewayClient, AIGatewayStreamError, type ChatCompletionChunk } from "../../src/gateway/index.js";
import { ChatAIGateway } from "../../src/models/index.js";
import { ProviderRegistry } from "../../src/providers/index.js";
import { clientFor, emulator, silentLogger } from "../helpers/gateway.js";
import { collect, ofType } from "../helpers/orchestrator.js";
import { countingServer } from "./server_helpers.js";

let plain: EmulatorHandle;
let noSse: EmulatorHandle;
beforeAll(async () => {
  [plain, noSse] = await Promise.all([emulator(), emulator({ sse: false })]);
});
afterAll(async () => {
  await Promise.all([plain.close(), noSse.close()]);
});

const request = { model: "gpt-4.1", messages: [{ role: "user" as const, content: "Tell me about queues in one sentence." }] };
const chatCalls = (emu: EmulatorHandle, from: number) => emu.requests().slice(from).filter((r) => r.path === "/v1/chat/completions");

async function chunksOf(stream: AsyncIterable<ChatCompletionChunk>): Promise<ChatCompletionChunk[]> {
  const out: ChatCompletionChunk[] = [];
  for await (const c of stream) out.push(c);
  return out;
}

describe("a JSON answer to a streaming request", () => {
  it("is handed out as the chunks of a one-shot stream: the whole text, its finish reason, then usage", async () => {
    const client = clientFor(noSse);
    try {
      const expected = await client.createChatCompletion(request);
      const from = noSse.requests().length;
      const stream = client.streamChatCompletion(request);
      const chunks = await chunksOf(stream);
      // The client asked for SSE; the gateway answered JSON anyway.
      expect(chatCalls(noSse, from)[0].headers.accept).toBe("text/event-stream");
      expect(chunks).toHaveLength(2);
      expect(chunks[0].choices[0]).toMatchObject({ index: 0, delta: { role: "assistant", content: expected.choices[0].message.content }, finish_reason: "stop" });
      expect(chunks[1].choices).toEqual([]);
      expect(chunks[1].usage?.total_tokens).toBe(expected.usage?.total_tokens);
      expect(stream.requestId).toMatch(/^req_/);
      expect(stream.simulated).toBe(true);
    } finally {
      await client.close();
    }
  });

  it("carries tool calls with their index, and a body that is not JSON is retried before anything reached the caller", async () => {
    const client = clientFor(noSse);
    try {
      noSse.enqueueResponse({ toolCalls: [{ id: "call_1", name: "calculator", arguments: '{"expression":"2+2"}' }], finishReason: "tool_calls" });
      const [first] = await chunksOf(client.streamChatCompletion(request));
      expect(first.choices[0].delta.tool_calls).toEqual([{ index: 0, id: "call_1", type: "function", function: { name: "calculator", arguments: '{"expression":"2+2"}' } }]);
      expect(first.choices[0].finish_reason).toBe("tool_calls");

      noSse.enqueueFault("malformed-chunk");
      const before = noSse.stats().chatRequests;
      const text = (await chunksOf(client.streamChatCompletion(request))).map((c) => c.choices[0]?.delta.content ?? "").join("");
      expect(text).toMatch(/\S/);
      expect(noSse.stats().chatRequests - before).toBe(2);
    } finally {
      await client.close();
    }
  });

  it("an error body with status 200 is an error, not an empty answer", async () => {
    const server = await countingServer((_req, res) => {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ error: { message: "upstream exploded", type: "server_error" } }));
    });
    const client = new AIGatewayClient({ baseUrl: server.url, apiKey: "static-key-for-test", logger: silentLogger, retry: { maxRetries: 0 } });
    try {
      const err = await chunksOf(client.streamChatCompletion(request)).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(AIGatewayStreamError);
      expect((err as AIGatewayStreamError).code).toBe("stream_error_event");
    } finally {
      await client.close();
      await server.close();
    }
  });

  it("ChatAIGateway streams it as one text chunk and aggregates tool calls as from SSE", async () => {
    const model = new ChatAIGateway({ model: "gpt-4.1", client: clientFor(noSse), logger: silentLogger });
    try {
      const invoked = await model.invoke("Tell me about queues in one sentence.");
      const parts: AIMessageChunk[] = [];
      for await (const chunk of await model.stream("Tell me about queues in one sentence.")) parts.push(chunk);
      const texts = parts.map((p) => p.text).filter((t) => t !== "");
      expect(texts).toEqual([invoked.text]);
      expect(parts.some((p) => p.usage_metadata?.total_tokens)).toBe(true);

      noSse.enqueueResponse({ toolCalls: [{ id: "call_9", name: "calculator", arguments: '{"expression":"6*7"}' }], finishReason: "tool_calls" });
      let merged: AIMessageChunk | undefined;
      for await (const chunk of await model.stream("What is 6 * 7?")) merged = merged ? merged.concat(chunk) : chunk;
      expect(merged?.tool_calls).toEqual([expect.objectContaining({ id: "call_9", name: "calculator", args: { expression: "6*7" } })]);
    } finally {
      await model.client.close();
    }
  });
});

describe("AI_GATEWAY_STREAMING=false", () => {
  const env = () => ({ AI_GATEWAY_BASE_URL: plain.baseUrl, AI_GATEWAY_CLIENT_ID: plain.clientId, AI_GATEWAY_CLIENT_SECRET: plain.clientSecret, AI_GATEWAY_STREAMING: "false" });

  it("sends streams as plain JSON requests and still yields the answer", async () => {
    const client = AIGatewayClient.fromEnv(env());
    try {
      const from = plain.requests().length;
      const chunks = await chunksOf(client.streamChatCompletion(request));
      const calls = chatCalls(plain, from);
      expect(calls).toHaveLength(1);
      expect(calls[0].headers.accept).toBe("application/json");
      expect(chunks[0].choices[0].delta.content).toMatch(/\S/);
      expect(chunks[0].choices[0].finish_reason).toBe("stop");
    } finally {
      await client.close();
    }
  });

  it("an orchestrator run streams its step events, and each answer's tokens come as one chunk", async () => {
    const registry = await ProviderRegistry.create({ env: env(), logger: silentLogger, discovery: { enabled: false } });
    try {
      const graph = createOrchestrator({ registry, checkpointer: new MemorySaver(), logger: silentLogger });
      const from = plain.requests().length;
      const events = await collect(graph, "What is 12.5% of 3,480?", { threadId: "no-sse-1" });
      const types = events.map((e) => e.type);
      expect(types).toEqual(expect.arrayContaining(["route_decided", "agent_started", "tool_call", "tool_result", "token", "final_answer", "usage"]));
      const [final] = ofType(events, "final_answer");
      expect(final.answer).toContain("435");
      const tokens = ofType(events, "token");
      expect(tokens).toHaveLength(1);
      expect(tokens[0].text).toBe(final.answer);
      const calls = chatCalls(plain, from);
      expect(calls.length).toBeGreaterThanOrEqual(2);
      expect(calls.every((c) => c.headers.accept === "application/json")).toBe(true);
    } finally {
      await registry.close();
    }
  });
});
