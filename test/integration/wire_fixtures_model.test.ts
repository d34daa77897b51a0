/**
 * ChatAIGateway against vendor wire fixtures (test/fixtures/wire): Azure OpenAI streams and
 * completions with content-filter annotations, tool calls streamed without `index`, and the
 * typed errors of a filtered prompt and of a 200 that is not JSON.
 */
import type { AIMessageChunk } from "@langchain/core/messages";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { AIGatewayClient, AIGatewayHTTPError, AIGatewayResponseError } from "../../src/gateway/index.js";
import { ChatAIGateway } from "../../src/models/index.js";
import { describeModelFailure } from "../../src/providers/index.js";
import { silentLogger } from "../helpers/gateway.js";
import { startReplayServer, type ReplayServer } from "../helpers/wire_replay.js";

const CHAT = "POST /v1/chat/completions";
let replay: ReplayServer;
let client: AIGatewayClient;

beforeAll(async () => {
  replay = await startReplayServer();
  client = new AIGatewayClient({ baseUrl: replay.baseUrl, apiKey: "wire-fixture-key-0002", logger: silentLogger, retry: { maxRetries: 0 } });
});
afterAll(async () => {
  await client.close();
  await replay.close();
});
beforeEach(() => {
  replay.requests.length = 0;
});

const model = (streaming = false) => new ChatAIGateway({ model: "gpt-4o", client, streaming });
const weatherTools = [
  { name: "get_weather", description: "Weather of a city", schema: z.object({ city: z.string() }) },
  { name: "get_time", description: "Time in a zone", schema: z.object({ zone: z.string() }) },
];

async function streamed(stream: AsyncIterable<AIMessageChunk>): Promise<AIMessageChunk> {
  let all: AIMessageChunk | undefined;
  for await (const chunk of stream) all = all ? all.concat(chunk) : chunk;
  if (!all) throw new Error("empty stream");
  return all;
}

describe("Azure OpenAI content-filter annotations", () => {
  it("stream(): text, finish reason, model and usage from a stream that opens with choices: []", async () => {
    replay.answer(CHAT, "azure_openai/stream_prompt_filter");
    const message = await streamed(await model().stream("What is the capital of France?"));
    expect(message.content).toBe("Paris is the capital of France.");
    expect(message.response_metadata).toMatchObject({ finish_reason: "stop", model: "gpt-4o-2024-08-06", request_id: "0b8a3c6e-2f41-4f7b-a8c5-5d0c9e2b7a10" });
    expect(message.usage_metadata).toMatchObject({ input_tokens: 14, output_tokens: 8, total_tokens: 22 });
  });

  it("streaming invoke(): the text before a content_filter finish, and the finish reason", async () => {
    replay.answer(CHAT, "azure_openai/stream_content_filter_finish");
    const message = await model(true).invoke("Tell me something");
    expect(message.content).toBe("Here is the first part of the answer");
    expect(message.response_metadata.finish_reason).toBe("content_filter");
  });

  it("invoke(): a filtered completion without content becomes an empty message with finish reason content_filter", async () => {
    replay.answer(CHAT, "azure_openai/completion_content_filter");
    const message = await model().invoke("Tell me something");
    expect(message.content).toBe("");
    expect(message.response_metadata).toMatchObject({ finish_reason: "content_filter", model: "gpt-4o-2024-08-06" });
    expect(message.usage_metadata).toMatchObject({ input_tokens: 19, output_tokens: 31 });
  });

  it("a prompt refused by the filter: a typed 400 that the failure record calls content_filter", async () => {
    replay.answer(CHAT, "azure_openai/error_content_filter_400");
    const error = await model().invoke("Tell me something").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AIGatewayHTTPError);
    expect(describeModelFailure(error)).toMatchObject({ kind: "content_filter", status: 400, code: "content_filter" });
  });
});

describe("tool calls streamed without index", () => {
  it.each([
    [
      "Gemini: each call whole, finish_reason stop",
      "gemini_openai/stream_tool_calls_no_index",
      [
        { id: "function-call-1203757331935766128", name: "get_weather", args: { city: "Paris" } },
        { id: "function-call-9932017415567301422", name: "get_weather", args: { city: "Rome" } },
      ],
    ],
    [
      "a proxy: arguments split over fragments, empty id and type",
      "proxy/stream_tool_call_fragments_no_index",
      [
        { id: "toolu_01A9xKq2", name: "get_weather", args: { city: "Paris" } },
        { id: "toolu_01B7mWz5", name: "get_time", args: { zone: "Europe/Paris" } },
      ],
    ],
  ])("%s: stream() and streaming invoke() give the same separate calls", async (_name, fixture, calls) => {
    replay.answer(CHAT, fixture);
    const fromStream = await streamed(await model().bindTools(weatherTools).stream("Weather?"));
    expect(fromStream.tool_calls?.map(({ id, name, args }) => ({ id, name, args }))).toEqual(calls);
    expect(fromStream.invalid_tool_calls ?? []).toEqual([]);
    const invoked = await model(true).bindTools(weatherTools).invoke("Weather?");
    expect(invoked.tool_calls?.map(({ id, name, args }) => ({ id, name, args }))).toEqual(calls);
    expect(invoked.invalid_tool_calls).toEqual([]);
  });
});

describe("a 200 that is not JSON", () => {
  it("rejects with AIGatewayResponseError, which the failure record calls a server error", async () => {
    replay.answer(CHAT, "proxy/ok_200_html_login");
    const error = await model().invoke("Hello").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AIGatewayResponseError);
    expect(describeModelFailure(error)).toMatchObject({ kind: "server_error", status: 200 });
  });
});
