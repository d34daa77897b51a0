import { AIMessage, AIMessageChunk, ChatMessage, HumanMessage, SystemMessage, ToolMessage, type BaseMessage } from "@langchain/core/messages";
import { tool } from "@langchain/core/tools";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import {
  convertCompletionToAIMessage,
  createTextChunk,
  convertDeltaToAIMessageChunk,
  convertMessageToWireMessage,
  convertMessagesToWireMessages,
  convertToolChoiceToWireToolChoice,
  convertToolToWireTool,
  convertUsageToUsageMetadata,
  convertWireToolCallToToolCall,
} from "../../src/models/index.js";
import type { ChatCompletion, ChatCompletionChunk, ChatCompletionMessageParam, CompletionUsage } from "../../src/gateway/wire.js";
import { ChatAIGatewayInputError } from "../../src/models/errors.js";

const PNG_B64 = "iVBORw0KGgo=";

describe("convertMessageToWireMessage", () => {
  const cases: { name: string; message: BaseMessage; systemRole?: "system" | "developer"; expected: ChatCompletionMessageParam }[] = [
    { name: "system message, non-reasoning model", message: new SystemMessage("Be brief."), expected: { role: "system", content: "Be brief." } },
    {
      name: "system message, reasoning model -> developer",
      message: new SystemMessage("Be brief."),
      systemRole: "developer",
      expected: { role: "developer", content: "Be brief." },
    },
    {
      name: "explicit developer message stays developer",
      message: new SystemMessage({ content: "Rules.", additional_kwargs: { __openai_role__: "developer" } }),
      expected: { role: "developer", content: "Rules." },
    },
    {
      name: "ChatMessage with developer role",
      message: new ChatMessage("Rules.", "developer"),
      expected: { role: "developer", content: "Rules." },
    },
    { name: "human text", message: new HumanMessage("Hi"), expected: { role: "user", content: "Hi" } },
    {
      name: "human with a name",
      message: new HumanMessage({ content: "Hi", name: "alice" }),
      expected: { role: "user", content: "Hi", name: "alice" },
    },
    {
      name: "human: v1 image block by url",
      message: new HumanMessage({ content: [{ type: "text", text: "What is this?" }, { type: "image", url: "https://x.test/a.png" }] }),
      expected: {
        role: "user",
        content: [
          { type: "text", text: "What is this?" },
          { type: "image_url", image_url: { url: "https://x.test/a.png" } },
        ],
      },
    },
    {
      name: "human: v1 image block with base64 data + mimeType",
      message: new HumanMessage({ content: [{ type: "image", data: PNG_B64, mimeType: "image/png" }] }),
      expected: { role: "user", content: [{ type: "image_url", image_url: { url: `data:image/png;base64,${PNG_B64}` } }] },
    },
    {
      name: "human: OpenAI image_url block with detail",
      message: new HumanMessage({ content: [{ type: "image_url", image_url: { url: "https://x.test/b.jpg", detail: "low" } }] }),
      expected: { role: "user", content: [{ type: "image_url", image_url: { url: "https://x.test/b.jpg", detail: "low" } }] },
    },
    {
      name: "human: OpenAI image_url block as a bare string",
      message: new HumanMessage({ content: [{ type: "image_url", image_url: "https://x.test/c.jpg" }] }),
      expected: { role: "user", content: [{ type: "image_url", image_url: { url: "https://x.test/c.jpg" } }] },
    },
    {
      name: "human: legacy base64 data block",
      message: new HumanMessage({ content: [{ type: "image", source_type: "base64", data: PNG_B64, mime_type: "image/png" }] }),
      expected: { role: "user", content: [{ type: "image_url", image_url: { url: `data:image/png;base64,${PNG_B64}` } }] },
    },
    {
      name: "AI message with tool calls: arguments JSON-stringified, no content",
      message: new AIMessage({ content: "", tool_calls: [{ id: "call_1", name: "get_weather", args: { city: "Paris", days: 2 } }] }),
      expected: {
        role: "assistant",
        content: null,
        tool_calls: [{ id: "call_1", type: "function", function: { name: "get_weather", arguments: '{"city":"Paris","days":2}' } }],
      },
    },
    {
      name: "AI message with text and a tool call",
      message: new AIMessage({ content: "Checking.", tool_calls: [{ id: "c2", name: "get_time", args: {} }] }),
      expected: {
        role: "assistant",
        content: "Checking.",
        tool_calls: [{ id: "c2", type: "function", function: { name: "get_time", arguments: "{}" } }],
      },
    },
    {
      name: "AI message: thinking/tool_use blocks are dropped from content",
      message: new AIMessage({ content: [{ type: "text", text: "Done." }, { type: "reasoning", reasoning: "hmm" }] }),
      expected: { role: "assistant", content: [{ type: "text", text: "Done." }] },
    },
    {
      name: "AI message: invalid tool calls are sent back as produced",
      message: new AIMessage({ content: "", invalid_tool_calls: [{ id: "c3", name: "f", args: "{oops", error: "bad", type: "invalid_tool_call" }] }),
      expected: { role: "assistant", content: null, tool_calls: [{ id: "c3", type: "function", function: { name: "f", arguments: "{oops" } }] },
    },
    {
      name: "tool message with string content",
      message: new ToolMessage({ content: "18°C", tool_call_id: "call_1" }),
      expected: { role: "tool", tool_call_id: "call_1", content: "18°C" },
    },
    {
      name: "tool message with array content",
      message: new ToolMessage({ content: [{ type: "text", text: "a" }, { type: "text", text: "b" }], tool_call_id: "call_2" }),
      expected: { role: "tool", tool_call_id: "call_2", content: [{ type: "text", text: "a" }, { type: "text", text: "b" }] },
    },
    {
      name: "tool message: a non-text block is sent as JSON text",
      message: new ToolMessage({ content: [{ type: "json", json: { ok: true } }] as never, tool_call_id: "call_3" }),
      expected: { role: "tool", tool_call_id: "call_3", content: [{ type: "text", text: '{"type":"json","json":{"ok":true}}' }] },
    },
    { name: "ChatMessage role user", message: new ChatMessage("yo", "user"), expected: { role: "user", content: "yo" } },
    { name: "ChatMessage role assistant", message: new ChatMessage("ok", "assistant"), expected: { role: "assistant", content: "ok" } },
  ];
  it.each(cases)("$name", ({ message, systemRole, expected }) => {
    expect(convertMessageToWireMessage(message, { systemRole })).toEqual(expected);
  });

  it("rejects unknown roles and AI tool calls without ids with an explanation", () => {
    expect(() => convertMessageToWireMessage(new ChatMessage("x", "wizard"))).toThrow(/unknown message role "wizard"/);
    expect(() => convertMessageToWireMessage(new ChatMessage("x", "wizard"))).toThrow(ChatAIGatewayInputError);
    expect(() => convertMessageToWireMessage(new AIMessage({ content: "", tool_calls: [{ name: "f", args: {} }] }))).toThrow(/has no id/);
  });

  it("converts a conversation one for one", () => {
    const wire = convertMessagesToWireMessages([new SystemMessage("s"), new HumanMessage("h")], { systemRole: "developer" });
    expect(wire.map((m) => m.role)).toEqual(["developer", "user"]);
  });
});

describe("convertUsageToUsageMetadata", () => {
  const cases: { name: string; usage: CompletionUsage; expected: ReturnType<typeof convertUsageToUsageMetadata> }[] = [
    { name: "plain counts", usage: { prompt_tokens: 3, completion_tokens: 4, total_tokens: 7 }, expected: { input_tokens: 3, output_tokens: 4, total_tokens: 7 } },
    {
      name: "cached and reasoning details",
      usage: {
        prompt_tokens: 10,
        completion_tokens: 20,
        total_tokens: 30,
        prompt_tokens_details: { cached_tokens: 6 },
        completion_tokens_details: { reasoning_tokens: 12 },
      },
      expected: { input_tokens: 10, output_tokens: 20, total_tokens: 30, input_token_details: { cache_read: 6 }, output_token_details: { reasoning: 12 } },
    },
    {
      name: "details without the counts we map",
      usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2, prompt_tokens_details: {}, completion_tokens_details: {} },
      expected: { input_tokens: 1, output_tokens: 1, total_tokens: 2 },
    },
  ];
  it.each(cases)("$name", ({ usage, expected }) => expect(convertUsageToUsageMetadata(usage)).toEqual(expected));
});

describe("convertWireToolCallToToolCall", () => {
  const cases = [
    { name: "valid object", args: '{"a":1}', type: "tool_call", parsed: { a: 1 } },
    { name: "empty arguments mean no arguments", args: "", type: "tool_call", parsed: {} },
    { name: "broken JSON", args: '{"a":', type: "invalid_tool_call" },
    { name: "JSON that is not an object", args: "[1,2]", type: "invalid_tool_call" },
  ];
  it.each(cases)("$name", ({ args, type, parsed }) => {
    const out = convertWireToolCallToToolCall({ id: "c", function: { name: "f", arguments: args } });
    expect(out.type).toBe(type);
    if (parsed) expect(out.args).toEqual(parsed);
    else expect(out).toMatchObject({ id: "c", name: "f", args, error: expect.any(String) });
  });
});

describe("convertCompletionToAIMessage / convertDeltaToAIMessageChunk", () => {
  it("maps content, tool calls (valid and invalid), usage and metadata", () => {
    const completion = {
      id: "chatcmpl-1",
      object: "chat.completion",
      created: 0,
      model: "gpt-4.1",
      choices: [
        {
          index: 0,
          finish_reason: "tool_calls",
          logprobs: null,
          message: {
            role: "assistant",
            content: null,
            refusal: null,
            tool_calls: [
              { id: "a", type: "function", function: { name: "ok", arguments: '{"x":1}' } },
              { id: "b", type: "function", function: { name: "bad", arguments: "{x" } },
            ],
          },
        },
      ],
      usage: { prompt_tokens: 5, completion_tokens: 2, total_tokens: 7, prompt_tokens_details: { cached_tokens: 1 } },
    } as ChatCompletion;
    const message = convertCompletionToAIMessage(completion, "req_1");
    expect(message.content).toBe("");
    expect(message.tool_calls).toEqual([{ type: "tool_call", id: "a", name: "ok", args: { x: 1 } }]);
    expect(message.invalid_tool_calls).toMatchObject([{ id: "b", name: "bad", args: "{x" }]);
    expect(message.usage_metadata).toEqual({ input_tokens: 5, output_tokens: 2, total_tokens: 7, input_token_details: { cache_read: 1 } });
    expect(message.response_metadata).toMatchObject({ model_provider: "ai_gateway", model_name: "gpt-4.1", finish_reason: "tool_calls", request_id: "req_1" });
  });

  it("turns tool call deltas into tool_call_chunks with index and id", () => {
    const chunk = { id: "c1", object: "chat.completion.chunk", created: 0, model: "m", choices: [] } as unknown as ChatCompletionChunk;
    const msg = convertDeltaToAIMessageChunk(chunk, { tool_calls: [{ index: 1, id: "call_9", function: { name: "f", arguments: '{"a"' } }] });
    expect(msg.tool_call_chunks).toEqual([{ type: "tool_call_chunk", index: 1, id: "call_9", name: "f", args: '{"a"' }]);
    expect(msg.response_metadata).toEqual({ model_provider: "ai_gateway" });
  });
});

describe("convertToolToWireTool", () => {
  const weather = tool(async ({ city }: { city: string }) => `sunny in ${city}`, {
    name: "get_weather",
    description: "Weather of a city",
    schema: z.object({ city: z.string() }),
  });
  const cases: { name: string; input: unknown; strict?: boolean; expectName: string; expectStrict?: boolean }[] = [
    { name: "LangChain tool()", input: weather, expectName: "get_weather" },
    { name: "{ name, description, schema: zod }", input: { name: "lookup", description: "d", schema: z.object({ q: z.string() }) }, expectName: "lookup" },
    {
      name: "{ name, schema: JSON schema }",
      input: { name: "lookup2", description: "d", schema: { type: "object", properties: { q: { type: "string" } } } },
      expectName: "lookup2",
    },
    { name: "bare function definition", input: { name: "fn", description: "d", parameters: { type: "object", properties: {} } }, expectName: "fn" },
    { name: "OpenAI tool", input: { type: "function", function: { name: "oa", parameters: { type: "object" } } }, expectName: "oa" },
    { name: "OpenAI tool + strict", input: { type: "function", function: { name: "oa2", parameters: { type: "object" } } }, strict: true, expectName: "oa2", expectStrict: true },
    { name: "zod schema with a title", input: z.object({ q: z.string() }).meta({ title: "search", description: "Search it" }), expectName: "search" },
    { name: "LangChain tool + strict", input: weather, strict: false, expectName: "get_weather", expectStrict: false },
  ];
  it.each(cases)("$name", ({ input, strict, expectName, expectStrict }) => {
    const out = convertToolToWireTool(input as never, { strict });
    expect(out.type).toBe("function");
    const fn = (out as { function: { name: string; parameters?: Record<string, unknown>; strict?: boolean } }).function;
    expect(fn.name).toBe(expectName);
    expect(fn.parameters?.type).toBe("object");
    expect(fn.strict).toBe(expectStrict);
  });

  it("does not mutate an OpenAI tool when adding strict", () => {
    const original = { type: "function" as const, function: { name: "x", parameters: { type: "object" } } };
    convertToolToWireTool(original, { strict: true });
    expect(original.function).not.toHaveProperty("strict");
  });

  it("asks for a name when a schema has none", () => {
    expect(() => convertToolToWireTool(z.object({ q: z.string() }) as never)).toThrow(/needs a name/);
    expect(() => convertToolToWireTool(z.object({ q: z.string() }) as never)).toThrow(ChatAIGatewayInputError);
  });
});

describe("convertToolChoiceToWireToolChoice", () => {
  const cases: [unknown, unknown][] = [
    [undefined, undefined],
    ["auto", "auto"],
    ["none", "none"],
    ["required", "required"],
    ["any", "required"],
    ["get_weather", { type: "function", function: { name: "get_weather" } }],
    [{ name: "get_time" }, { type: "function", function: { name: "get_time" } }],
    [{ type: "function", function: { name: "f" } }, { type: "function", function: { name: "f" } }],
  ];
  it.each(cases)("%j -> %j", (input, expected) => expect(convertToolChoiceToWireToolChoice(input as never)).toEqual(expected));
});

describe("createTextChunk (fast construction of streamed text chunks)", () => {
  it("builds exactly what the AIMessageChunk constructor builds", () => {
    const fields = { content: "Hello", id: "chatcmpl-9", response_metadata: { model_provider: "ai_gateway" as const, finish_reason: "stop" } };
    const fast = createTextChunk(fields.content, fields.id, { ...fields.response_metadata });
    const slow = new AIMessageChunk(structuredClone(fields));
    expect(fast).toBeInstanceOf(AIMessageChunk);
    for (const key of ["content", "id", "response_metadata", "additional_kwargs", "tool_calls", "invalid_tool_calls", "tool_call_chunks", "usage_metadata", "name"] as const) {
      expect(fast[key], key).toEqual(slow[key]);
    }
    expect(JSON.parse(JSON.stringify(fast.toJSON()))).toEqual(JSON.parse(JSON.stringify(slow.toJSON())));
    const next = createTextChunk(" world", "chatcmpl-9", { model_provider: "ai_gateway" });
    expect(fast.concat(next).content).toBe(slow.concat(new AIMessageChunk({ content: " world", id: "chatcmpl-9", response_metadata: { model_provider: "ai_gateway" } })).content);
    expect(fast.concat(next).response_metadata).toEqual({ model_provider: "ai_gateway", finish_reason: "stop" });
  });
});
