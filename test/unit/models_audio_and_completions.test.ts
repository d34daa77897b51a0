/** Audio blocks -> input_audio parts; completions with several choices, type-less tool calls, `model` metadata. */
import { HumanMessage } from "@langchain/core/messages";
import { describe, expect, it } from "vitest";
import {
  ChatAIGatewayInputError,
  convertCompletionToAIMessage,
  convertCompletionToAIMessages,
  convertContentBlockToWirePart,
  convertMessageToWireMessage,
  convertWireToolCallsToToolCalls,
} from "../../src/models/index.js";
import type { ChatCompletion, ChatCompletionMessageToolCall } from "../../src/gateway/wire.js";

const WAV_B64 = "UklGRiQAAABXQVZFZm10IBAAAAABAAEAQB8AAEAfAAABAAgAZGF0YQAAAAA=";

describe("audio blocks", () => {
  it.each([
    ["v1 data + mimeType", { type: "audio", data: WAV_B64, mimeType: "audio/wav" }, "wav"],
    ["older base64 block", { type: "audio", source_type: "base64", data: WAV_B64, mime_type: "audio/mpeg" }, "mp3"],
    ["bytes", { type: "audio", data: Buffer.from(WAV_B64, "base64"), mimeType: "audio/x-wav" }, "wav"],
    ["no MIME type (wav)", { type: "audio", data: WAV_B64 }, "wav"],
    ["v1 data: URL", { type: "audio", url: `data:audio/wav;base64,${WAV_B64}` }, "wav"],
    ["older data: URL block", { type: "audio", source_type: "url", url: `data:audio/mp3;base64,${WAV_B64}` }, "mp3"],
    ["data: URL with parameters", { type: "audio", url: `data:audio/mpeg;name=a.mp3;base64,${WAV_B64}` }, "mp3"],
  ] as const)("%s -> input_audio", (_name, block, format) => {
    expect(convertContentBlockToWirePart(block as unknown as Record<string, unknown>)).toEqual({ type: "input_audio", input_audio: { data: WAV_B64, format } });
  });

  it("passes OpenAI's own input_audio part through", () => {
    const part = { type: "input_audio", input_audio: { data: WAV_B64, format: "mp3" } };
    expect(convertContentBlockToWirePart(part)).toEqual(part);
  });

  it.each([
    ["v1 http(s) URL", { type: "audio", url: "https://cdn.example.com/a.wav?sig=abc123" }],
    ["older URL block", { type: "audio", source_type: "url", url: "https://cdn.example.com/a.mp3" }],
    ["data: URL without base64", { type: "audio", url: "data:audio/wav,RIFF%00" }],
  ])("%s -> a typed error asking for base64 data, never a TypeError", (_name, block) => {
    const message = new HumanMessage({ content: [{ type: "text", text: "Transcribe" }, block] });
    let error: unknown;
    try {
      convertMessageToWireMessage(message);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ChatAIGatewayInputError);
    expect(error).not.toBeInstanceOf(TypeError);
    expect((error as Error).message).toMatch(/audio must be given as base64 data, not a URL/);
    expect((error as Error).message).toMatch(/wav or mp3/);
    // A signed URL's query may be a credential: it stays out of the message.
    expect((error as Error).message).not.toContain("sig=abc123");
  });

  it.each([
    ["no data", { type: "audio", mimeType: "audio/wav" }, /no data/],
    ["a file id", { type: "audio", fileId: "file-123" }, /file id/],
    ["a format chat completions lacks", { type: "audio", data: WAV_B64, mimeType: "audio/ogg" }, /"audio\/ogg".*wav or mp3/],
    ["data that is neither base64 nor bytes", { type: "audio", data: 42 }, /base64 string or bytes/],
  ])("%s -> a typed error", (_name, block, pattern) => {
    expect(() => convertContentBlockToWirePart(block as Record<string, unknown>)).toThrow(ChatAIGatewayInputError);
    expect(() => convertContentBlockToWirePart(block as Record<string, unknown>)).toThrow(pattern);
  });
});

const completion = (choices: ChatCompletion["choices"]): ChatCompletion =>
  ({ id: "chatcmpl-1", object: "chat.completion", created: 0, model: "gpt-4.1-2025-04-14", choices, usage: { prompt_tokens: 2, completion_tokens: 3, total_tokens: 5 } }) as ChatCompletion;
const choice = (index: number, content: string): ChatCompletion["choices"][number] =>
  ({ index, finish_reason: "stop", logprobs: null, message: { role: "assistant", content, refusal: null } }) as ChatCompletion["choices"][number];

describe("convertCompletionToAIMessages", () => {
  it("gives one message per choice, usage on the first only", () => {
    const messages = convertCompletionToAIMessages(completion([choice(0, "a"), choice(1, "b")]), "req_1");
    expect(messages.map((m) => m.content)).toEqual(["a", "b"]);
    expect(messages[0].usage_metadata?.total_tokens).toBe(5);
    expect(messages[1].usage_metadata).toBeUndefined();
    for (const m of messages) expect(m.response_metadata).toMatchObject({ finish_reason: "stop", request_id: "req_1" });
  });

  it("gives the single-choice message for one choice or none", () => {
    expect(convertCompletionToAIMessages(completion([choice(0, "only")])).map((m) => m.content)).toEqual(["only"]);
    expect(convertCompletionToAIMessages(completion([])).map((m) => m.content)).toEqual([""]);
  });
});

describe("response_metadata.model", () => {
  it("is set beside model_name", () => {
    expect(convertCompletionToAIMessage(completion([choice(0, "x")])).response_metadata).toMatchObject({
      model: "gpt-4.1-2025-04-14",
      model_name: "gpt-4.1-2025-04-14",
    });
  });
});

describe("convertWireToolCallsToToolCalls", () => {
  it("accepts calls without `type` as function calls, still skips other types", () => {
    const calls = [
      { id: "a", function: { name: "f", arguments: '{"x":1}' } },
      { id: "b", type: "function", function: { name: "g", arguments: "{" } },
      { id: "c", type: "custom", custom: { name: "h", input: "raw" } },
    ] as unknown as ChatCompletionMessageToolCall[];
    const { toolCalls, invalidToolCalls } = convertWireToolCallsToToolCalls(calls);
    expect(toolCalls).toEqual([{ type: "tool_call", id: "a", name: "f", args: { x: 1 } }]);
    expect(invalidToolCalls.map((c) => c.id)).toEqual(["b"]);
  });
});
