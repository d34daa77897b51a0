/** ChatAIGateway against the emulator: invoke, stream, batch, usage, abort, retries, cache, tracing. */
import { BaseCallbackHandler } from "@langchain/core/callbacks/base";
import { AIMessage, AIMessageChunk, HumanMessage, SystemMessage, type BaseMessage } from "@langchain/core/messages";
import type { Serialized } from "@langchain/core/load/serializable";
import { RunCollectorCallbackHandler } from "@langchain/core/tracers/run_collector";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { EmulatorHandle } from "../../src/emulator/index.js";
import { AIGatewayHTTPError, type AIGatewayClient } from "../../src/gateway/index.js";
import { ChatAIGateway, type ChatAIGatewayInput } from "../../src/models/index.js";
import { clientFor, emulator, silentLogger } from "../helpers/gateway.js";

let emu: EmulatorHandle;
let client: AIGatewayClient;

beforeAll(async () => {
  emu = await emulator();
  client = clientFor(emu);
});
afterAll(async () => {
  await client.close();
  await emu.close();
});

const model = (fields: Partial<ChatAIGatewayInput> = {}) => new ChatAIGateway({ model: "gpt-4.1", client, ...fields });

async function collect(stream: AsyncIterable<AIMessageChunk>): Promise<AIMessageChunk[]> {
  const chunks: AIMessageChunk[] = [];
  for await (const chunk of stream) chunks.push(chunk);
  return chunks;
}
const concatAll = (chunks: AIMessageChunk[]) => chunks.reduce((acc, c) => acc.concat(c));

describe("invoke", () => {
  it("answers with content, usage and response metadata", async () => {
    const answer = await model().invoke("Hello from the integration test");
    expect(answer.content).toBe("Simulated answer from gpt-4.1: Hello from the integration test");
    expect(answer.usage_metadata).toMatchObject({ input_tokens: expect.any(Number), output_tokens: expect.any(Number) });
    const u = answer.usage_metadata!;
    expect(u.total_tokens).toBe(u.input_tokens + u.output_tokens);
    expect(u.output_tokens).toBeGreaterThan(0);
    expect(answer.response_metadata).toMatchObject({
      model_provider: "ai_gateway",
      model_name: "gpt-4.1",
      finish_reason: "stop",
      request_id: expect.stringMatching(/^req_/),
    });
  });

  it("sends GPT-5 parameters the gateway accepts, also for a prefixed id (the emulator 400s on max_tokens/temperature)", async () => {
    // The premise: what ChatOpenAI would send for "azure/gpt-5.1" is rejected.
    const hi = [{ role: "user" as const, content: "Ping" }];
    await expect(client.createChatCompletion({ model: "azure/gpt-5.1", messages: hi, max_tokens: 5 })).rejects.toMatchObject({ status: 400 });
    await expect(client.createChatCompletion({ model: "azure/gpt-5.1", messages: hi, temperature: 0.2 })).rejects.toMatchObject({ status: 400 });
    for (const id of ["gpt-5.1", "azure/gpt-5.1", "o4-mini"]) {
      const answer = await model({ model: id, temperature: 0.2, maxTokens: 500, reasoningEffort: "low", logger: silentLogger }).invoke([
        new SystemMessage("Be concise."),
        new HumanMessage("Ping"),
      ]);
      expect(answer.content).toBe(`Simulated answer from ${id}: Ping`);
    }
  });

  it("takes temperature for a gpt-5 chat id", async () => {
    const answer = await model({ model: "gpt-5.1-chat-latest", temperature: 0.3, maxTokens: 100 }).invoke("Hi");
    expect(answer.content).toBe("Simulated answer from gpt-5.1-chat-latest: Hi");
  });

  it("answers a batch, each prompt on its own", async () => {
    const answers = await model().batch(["first question", "second question", "third question"]);
    expect(answers.map((a) => a.content)).toEqual([
      "Simulated answer from gpt-4.1: first question",
      "Simulated answer from gpt-4.1: second question",
      "Simulated answer from gpt-4.1: third question",
    ]);
  });

  it("carries a multi-turn conversation", async () => {
    const history: BaseMessage[] = [new SystemMessage("You are terse."), new HumanMessage("My name is Ada.")];
    const first = await model().invoke(history);
    history.push(first, new HumanMessage("What is my name?"));
    const second = await model().invoke(history);
    expect(first).toBeInstanceOf(AIMessage);
    expect(second.content).toBe("Simulated answer from gpt-4.1: What is my name?");
  });

  it("reports cached and reasoning tokens when the gateway sends them", async () => {
    emu.enqueueResponse({ content: "scripted", usage: { prompt_tokens: 40, completion_tokens: 9, cached_tokens: 32, reasoning_tokens: 5 } });
    const answer = await model().invoke("usage please");
    expect(answer.usage_metadata).toEqual({
      input_tokens: 40,
      output_tokens: 9,
      total_tokens: 49,
      input_token_details: { cache_read: 32 },
      output_token_details: { reasoning: 5 },
    });
  });
});

describe("stream", () => {
  it("streams text chunks that add up to the invoke answer, with usage on exactly one chunk", async () => {
    const prompt = "Tell me a short story about streams";
    const chunks = await collect(await model().stream(prompt));
    expect(chunks.length).toBeGreaterThan(3);
    const whole = concatAll(chunks);
    expect(whole.content).toBe(`Simulated answer from gpt-4.1: ${prompt}`);
    expect(chunks.filter((c) => c.usage_metadata !== undefined)).toHaveLength(1);
    expect(whole.usage_metadata?.output_tokens).toBeGreaterThan(0);
    // Metadata strings are merged by concatenation, so they must come once: the name stays intact.
    expect(whole.response_metadata).toMatchObject({ model_provider: "ai_gateway", model_name: "gpt-4.1", finish_reason: "stop", request_id: expect.stringMatching(/^req_/) });
  });

  it("sums usage once in a stream, cached and reasoning details included", async () => {
    emu.enqueueResponse({ content: "a b c", usage: { prompt_tokens: 12, completion_tokens: 3, cached_tokens: 8, reasoning_tokens: 1 } });
    const whole = concatAll(await collect(await model().stream("x")));
    expect(whole.usage_metadata).toEqual({
      input_tokens: 12,
      output_tokens: 3,
      total_tokens: 15,
      input_token_details: { cache_read: 8 },
      output_token_details: { reasoning: 1 },
    });
  });

  it("with streamUsage: false asks for no usage", async () => {
    const whole = concatAll(await collect(await model({ streamUsage: false }).stream("no usage")));
    expect(whole.usage_metadata).toBeUndefined();
  });

  it("calls handleLLMNewToken for each chunk, with the chunk", async () => {
    const tokens: { token: string; chunkText?: string }[] = [];
    const handler = BaseCallbackHandler.fromMethods({
      handleLLMNewToken(token, _idx, _run, _parent, _tags, fields) {
        tokens.push({ token, chunkText: (fields?.chunk as { text?: string } | undefined)?.text });
      },
    });
    const chunks = await collect(await model().stream("count my tokens", { callbacks: [handler] }));
    expect(tokens).toHaveLength(chunks.length);
    expect(tokens.map((t) => t.token).join("")).toBe("Simulated answer from gpt-4.1: count my tokens");
    expect(tokens.every((t) => t.chunkText === t.token)).toBe(true);
  });

  it("feeds streamEvents (v2 callback events and the content-block protocol)", async () => {
    const prompt = "events please";
    const expected = `Simulated answer from gpt-4.1: ${prompt}`;
    let streamed = "";
    let ended: AIMessageChunk | undefined;
    for await (const event of model().streamEvents(prompt, { version: "v2" })) {
      if (event.event === "on_chat_model_stream") streamed += String((event.data.chunk as AIMessageChunk).content);
      if (event.event === "on_chat_model_end") ended = event.data.output as AIMessageChunk;
    }
    expect(streamed).toBe(expected);
    expect(ended?.content).toBe(expected);
    expect(ended?.usage_metadata?.total_tokens).toBeGreaterThan(0);
    let text = "";
    for await (const token of model().streamEvents(prompt).text) text += token;
    expect(text).toBe(expected);
  });

  it("with streaming: true, invoke aggregates the stream into the same message a plain call gives", async () => {
    const script = {
      content: "Checking two things.",
      toolCalls: [
        { id: "call_w", name: "get_weather", arguments: '{"city":"Paris","unit":"C"}' },
        { id: "call_t", name: "get_time", arguments: '{"tz":"Europe/Paris"}' },
        { id: "call_x", name: "broken", arguments: '{"oops": ' },
      ],
    };
    emu.enqueueResponse(script);
    emu.enqueueResponse(script);
    const plain = await model().invoke("compare");
    const tokens: string[] = [];
    const streamed = await model({ streaming: true }).invoke("compare", {
      callbacks: [BaseCallbackHandler.fromMethods({ handleLLMNewToken: (t) => void tokens.push(t) })],
    });
    expect(tokens.length).toBeGreaterThan(1);
    expect(streamed.content).toBe(plain.content);
    expect(streamed.tool_calls).toEqual(plain.tool_calls);
    const brief = (calls: { id?: string; name?: string; args?: string }[] | undefined) => (calls ?? []).map(({ id, name, args }) => ({ id, name, args }));
    expect(brief(streamed.invalid_tool_calls)).toEqual(brief(plain.invalid_tool_calls));
    expect(plain.tool_calls?.map((c) => c.name)).toEqual(["get_weather", "get_time"]);
    expect(plain.invalid_tool_calls).toHaveLength(1);
    expect(streamed.usage_metadata).toEqual(plain.usage_metadata);
  });
});

describe("abort", () => {
  it("an already-aborted signal rejects before any request reaches the gateway", async () => {
    const chat = model({ client: clientFor(emu) });
    const before = emu.stats();
    const ac = new AbortController();
    ac.abort();
    await expect(chat.invoke("never sent", { signal: ac.signal })).rejects.toThrow();
    await expect(async () => {
      for await (const _ of await chat.stream("never sent", { signal: ac.signal })) void _;
    }).rejects.toThrow();
    const after = emu.stats();
    expect(after.chatRequests).toBe(before.chatRequests);
    expect(after.tokenRequests).toBe(before.tokenRequests);
  });

  describe("during a stream", () => {
    let slow: EmulatorHandle;
    let slowClient: AIGatewayClient;
    beforeAll(async () => {
      slow = await emulator({ latency: { perTokenMs: 20 } });
      slowClient = clientFor(slow, { headers: { "x-emulator-answer-tokens": "500" } });
    });
    afterAll(async () => {
      await slowClient.close();
      await slow.close();
    });

    it("stops the stream and closes the request", async () => {
      const chat = new ChatAIGateway({ model: "gpt-4.1", client: slowClient });
      const ac = new AbortController();
      let received = 0;
      const consume = async () => {
        for await (const _ of await chat.stream("a long answer", { signal: ac.signal })) {
          if (++received === 3) ac.abort();
        }
      };
      await expect(consume()).rejects.toThrow();
      expect(received).toBeLessThan(10);
      await vi.waitFor(() => expect(slow.stats().clientAbortedStreams).toBe(1), { timeout: 5_000 });
    });

    it("closes the request when the consumer stops early", async () => {
      const chat = new ChatAIGateway({ model: "gpt-4.1", client: slowClient });
      const before = slow.stats().clientAbortedStreams;
      let received = 0;
      for await (const _ of await chat.stream("another long answer")) if (++received === 2) break;
      await vi.waitFor(() => expect(slow.stats().clientAbortedStreams).toBe(before + 1), { timeout: 5_000 });
    });
  });
});

describe("retries happen in the gateway client only", () => {
  it("one 503 then success: exactly 2 HTTP attempts", async () => {
    const before = emu.stats().chatRequests;
    emu.enqueueFault("503");
    const answer = await model({ maxRetries: 2 }).invoke("retry me");
    expect(answer.content).toBe("Simulated answer from gpt-4.1: retry me");
    expect(emu.stats().chatRequests - before).toBe(2);
  });

  it("a persistent 503 with maxRetries 1: exactly 2 attempts, not 2 x 7", async () => {
    const before = emu.stats().chatRequests;
    const chat = model({ maxRetries: 1, headers: { "x-emulator-fault": "503" } });
    await expect(chat.invoke("always failing")).rejects.toBeInstanceOf(AIGatewayHTTPError);
    expect(emu.stats().chatRequests - before).toBe(2);
  });

  it("maxRetries 0 means one attempt", async () => {
    const before = emu.stats().chatRequests;
    await expect(model({ maxRetries: 0, headers: { "x-emulator-fault": "503" } }).invoke("once")).rejects.toMatchObject({ status: 503 });
    expect(emu.stats().chatRequests - before).toBe(1);
  });
});

describe("cache: true", () => {
  it("answers the second identical call from LangChain's cache", async () => {
    const chat = model({ cache: true });
    const prompt = `cache me ${Date.now()}`;
    const before = emu.stats().chatRequests;
    const first = await chat.invoke(prompt);
    const second = await chat.invoke(prompt);
    expect(emu.stats().chatRequests - before).toBe(1);
    expect(second.content).toBe(first.content);
    await chat.invoke(`${prompt} (different)`);
    expect(emu.stats().chatRequests - before).toBe(2);
  });
});

describe("tracing", () => {
  it("the serialized model and run data a tracer sees hold neither the secret nor the access token", async () => {
    const starts: { serialized: Serialized; extra?: Record<string, unknown>; metadata?: Record<string, unknown> }[] = [];
    const spy = BaseCallbackHandler.fromMethods({
      handleChatModelStart(serialized, _messages, _runId, _parentRunId, extra, _tags, metadata) {
        starts.push({ serialized, extra, metadata });
      },
    });
    const collector = new RunCollectorCallbackHandler();
    const chat = new ChatAIGateway({
      model: "gpt-5.1",
      baseUrl: emu.baseUrl,
      clientId: emu.clientId,
      clientSecret: emu.clientSecret,
      maxTokens: 50,
      logger: silentLogger,
    });
    await chat.invoke("trace me", { callbacks: [spy, collector] });
    await collect(await chat.stream("trace me too", { callbacks: [spy, collector] }));
    const token = await chat.client.tokens.getToken();
    expect(token.length).toBeGreaterThan(8);

    expect(starts).toHaveLength(2);
    expect(collector.tracedRuns).toHaveLength(2);
    const serialized = starts[0].serialized as Serialized & { kwargs: Record<string, unknown> };
    expect(serialized.id).toEqual(["langchain", "chat_models", "ai_gateway", "ChatAIGateway"]);
    expect(serialized.kwargs.client_secret).toEqual({ lc: 1, type: "secret", id: ["AI_GATEWAY_CLIENT_SECRET"] });
    expect(starts[0].metadata).toMatchObject({ ls_provider: "ai_gateway", ls_model_name: "gpt-5.1", ls_model_type: "chat", ls_max_tokens: 50 });
    expect(starts[0].extra?.invocation_params).toMatchObject({ model: "gpt-5.1", max_completion_tokens: 50 });

    const seen = JSON.stringify({ starts, runs: collector.tracedRuns, json: chat.toJSON() });
    expect(seen).not.toContain(emu.clientSecret);
    expect(seen).not.toContain(token);
    await chat.client.close();
  });
});
