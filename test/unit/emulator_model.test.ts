import { tool } from "@langchain/core/tools";
import { convertToOpenAITool } from "@langchain/core/utils/function_calling";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import type { ChatCompletionMessageParam, ChatCompletionTool } from "../../src/gateway/wire.js";
import { valueFromSchema } from "../../src/emulator/schema_values.js";
import {
  findJsonSchemaInText,
  plainAnswer,
  promptTokenCount,
  scriptedCompletion,
  simulateCompletion,
  type SimulationRequest,
} from "../../src/emulator/simulated_model.js";
import { countTokens, extractExpression, splitIdentifier, tokenize } from "../../src/emulator/text.js";
import { selectToolCalls } from "../../src/emulator/tool_matching.js";

const fn = (name: string, description: string, parameters: Record<string, unknown>): ChatCompletionTool => ({
  type: "function",
  function: { name, description, parameters },
});
const weather = fn("get_weather", "Get the current weather for a city", {
  type: "object",
  properties: { city: { type: "string" }, unit: { type: "string", enum: ["celsius", "fahrenheit"] } },
  required: ["city"],
});
const calculator = fn("calculator", "Evaluate an arithmetic expression", {
  type: "object",
  properties: { expression: { type: "string" } },
  required: ["expression"],
});
const search = fn("webSearch", "Search the internet for documents", {
  type: "object",
  properties: { query: { type: "string" } },
  required: ["query"],
});
const user = (content: string): ChatCompletionMessageParam => ({ role: "user", content });

describe("tokenizer", () => {
  it.each([
    ["Hello world", 2],
    ["  leading and trailing  ", 3],
    ["one\ntwo\tthree   four", 4],
    ["", 0],
    ["   ", 0],
  ])("%j has %i tokens and reassembles exactly", (text, n) => {
    expect(countTokens(text)).toBe(n);
    expect(tokenize(text).join("")).toBe(text);
    if (n > 0) expect(tokenize(text)).toHaveLength(n);
  });

  it("splits identifiers on underscores and camelCase", () => {
    expect(splitIdentifier("get_current_weather")).toEqual(["get", "current", "weather"]);
    expect(splitIdentifier("webSearchHTTPTool")).toEqual(["web", "search", "http", "tool"]);
  });
});

describe("extractExpression", () => {
  it.each([
    ["What is 12.5% of 3,480?", "12.5 / 100 * 3480"],
    ["compute (2 + 3) * 4 please", "(2 + 3) * 4"],
    ["what is 6 times 7", "6 * 7"],
    ["add 1,234,567 + 1", "1234567 + 1"],
    ["17 × 3 then", "17 * 3"],
    ["10 divided by 4", "10 / 4"],
    ["2+2", "2+2"],
    ["no math in here", undefined],
    ["a single number 42", undefined],
  ])("%j -> %j", (text, expected) => {
    expect(extractExpression(text)).toBe(expected);
  });
});

describe("valueFromSchema", () => {
  it("fills a zod 4 object schema with a value the zod schema accepts", () => {
    const schema = z.object({
      email: z.email(),
      id: z.uuid(),
      when: z.iso.datetime(),
      day: z.iso.date(),
      link: z.url(),
      tags: z.array(z.string()).nonempty(),
      count: z.number().int().min(5).max(10),
      ratio: z.number().positive().lt(0.5),
      even: z.number().int().multipleOf(4),
      kind: z.enum(["alpha", "beta"]),
      literal: z.literal("fixed"),
      optional: z.string().optional(),
      nullable: z.string().nullable(),
      union: z.union([z.number(), z.string()]),
      record: z.record(z.string(), z.number()),
      pair: z.tuple([z.string(), z.number()]),
      code: z.string().regex(/^[A-Z]{3}$/),
      withDefault: z.number().default(3),
      sized: z.string().min(10).max(12),
      nested: z.object({ flag: z.boolean(), items: z.array(z.object({ n: z.number() })) }),
    });
    const value = valueFromSchema(z.toJSONSchema(schema));
    expect(schema.safeParse(value).success, JSON.stringify(schema.safeParse(value).error?.issues)).toBe(true);
    const v = value as z.infer<typeof schema>;
    expect(v.kind).toBe("alpha");
    expect(v.literal).toBe("fixed");
    expect(v.count).toBe(5);
    expect(v.nested.items).toHaveLength(1);
  });

  it("resolves $ref into $defs, including recursive schemas", () => {
    interface Node {
      name: string;
      children: Node[];
    }
    const node: z.ZodType<Node> = z.lazy(() => z.object({ name: z.string(), children: z.array(node) }));
    const json = z.toJSONSchema(z.object({ root: node }));
    expect(JSON.stringify(json)).toContain("$ref");
    const value = valueFromSchema(json);
    expect(z.object({ root: node }).safeParse(value).success).toBe(true);
  });

  it("accepts the parameters LangChain produces for a zod tool", () => {
    const argsSchema = z.object({ city: z.string().describe("City name"), days: z.number().int().min(1).max(7).optional() });
    const t = tool(async () => "ok", { name: "forecast", description: "Weather forecast", schema: argsSchema });
    const converted = convertToOpenAITool(t);
    const value = valueFromSchema(converted.function.parameters);
    expect(argsSchema.safeParse(value).success).toBe(true);
  });

  it.each([
    ["OpenAPI nullable string", { type: "string", nullable: true }, "example"],
    ["null-first anyOf", { anyOf: [{ type: "null" }, { type: "integer", minimum: 3 }] }, 3],
    ["oneOf first branch", { oneOf: [{ type: "boolean" }, { type: "string" }] }, true],
    ["const", { const: 42 }, 42],
    ["draft-4 exclusive minimum", { type: "integer", minimum: 1, exclusiveMinimum: true }, 2],
    ["maximum below the default", { type: "number", maximum: -5 }, -5],
    ["allOf merge", { allOf: [{ type: "object", properties: { a: { type: "integer" } } }, { properties: { b: { type: "boolean" } } }] }, { a: 1, b: true }],
    ["definitions ref", { $ref: "#/definitions/X", definitions: { X: { type: "string", enum: ["only"] } } }, "only"],
    ["array bounds", { type: "array", items: { type: "integer" }, minItems: 2 }, [1, 2]],
    ["empty array only", { type: "array", items: false }, []],
  ])("%s", (_label, schema, expected) => {
    expect(valueFromSchema(schema)).toEqual(expected);
  });

  it("uses the property name and the user text as hints", () => {
    const schema = {
      type: "object",
      properties: {
        expression: { type: "string" },
        query: { type: "string" },
        timezone: { type: "string" },
        url: { type: "string" },
        at: { type: "string", format: "date-time" },
        other: { type: "string" },
      },
    };
    expect(valueFromSchema(schema, { userText: "What is 12.5% of 3,480?" })).toEqual({
      expression: "12.5 / 100 * 3480",
      query: "What is 12.5% of 3,480?",
      timezone: "UTC",
      url: "https://example.com/",
      at: "2025-01-01T00:00:00Z",
      other: "example",
    });
  });
});

describe("tool selection", () => {
  it.each([
    ["weather question picks the weather tool", "What's the weather in Paris?", undefined, undefined, ["get_weather"]],
    ["arithmetic picks the tool with an expression parameter", "What is 12.5% of 3,480?", undefined, undefined, ["calculator"]],
    ["description words match", "find documents about the internet", undefined, undefined, ["webSearch"]],
    ["unrelated text calls nothing", "Tell me a joke", undefined, undefined, []],
    ["both tools match in parallel", "weather in Paris and 2 + 3", undefined, undefined, ["get_weather", "calculator"]],
    ["parallel_tool_calls false keeps the first", "weather in Paris and 2 + 3", undefined, false, ["get_weather"]],
    ["tool_choice none calls nothing", "What's the weather?", "none", undefined, []],
    ["required falls back to the first tool", "Tell me a joke", "required", undefined, ["get_weather"]],
    ["required picks the best match", "What is 2 + 2?", "required", undefined, ["calculator"]],
    ["named tool choice wins", "What's the weather?", { type: "function", function: { name: "webSearch" } }, undefined, ["webSearch"]],
  ] as const)("%s", (_label, text, toolChoice, parallel, expected) => {
    const selected = selectToolCalls({
      tools: [weather, calculator, search],
      toolChoice: toolChoice as never,
      parallelToolCalls: parallel,
      userText: text,
    });
    expect(selected.map((t) => t.name)).toEqual(expected);
  });
});

describe("simulateCompletion", () => {
  const base = (extra: Partial<SimulationRequest> & { messages?: ChatCompletionMessageParam[] } = {}): SimulationRequest => ({
    model: "gpt-4.1",
    messages: [user("Hello there, how are you?")],
    ...extra,
  });

  it("answers plainly, says it is simulated and echoes the prompt", () => {
    const r = simulateCompletion(base());
    expect(r.content).toBe("Simulated answer from gpt-4.1: Hello there, how are you?");
    expect(r.finishReason).toBe("stop");
    expect(r.toolCalls).toEqual([]);
    expect(r.usage.completion_tokens).toBe(countTokens(r.content ?? ""));
    expect(r.usage.prompt_tokens).toBe(promptTokenCount(base().messages));
    expect(r.usage.total_tokens).toBe(r.usage.prompt_tokens + r.usage.completion_tokens);
  });

  it("is deterministic", () => {
    const request = base({ tools: [weather, calculator], messages: [user("weather and 1 + 2")] });
    expect(simulateCompletion(request)).toEqual(simulateCompletion(request));
  });

  it("truncates the echo to about 40 words", () => {
    const long = Array.from({ length: 100 }, (_, i) => `w${i}`).join(" ");
    const r = simulateCompletion(base({ messages: [user(long)] }));
    expect(r.content).toContain("w39 ...");
    expect(r.content).not.toContain("w40");
  });

  it("produces exactly N tokens on request", () => {
    for (const n of [1, 7, 10_000]) {
      const text = plainAnswer("gpt-4.1", "hi", { answerTokens: n });
      expect(countTokens(text)).toBe(n);
      expect(text.startsWith("Simulated")).toBe(true);
    }
  });

  it("calls matching tools with schema-derived arguments and deterministic ids", () => {
    const r = simulateCompletion(base({ tools: [weather, calculator], messages: [user("What is 12.5% of 3,480?")] }));
    expect(r.finishReason).toBe("tool_calls");
    expect(r.content).toBeNull();
    expect(r.toolCalls).toHaveLength(1);
    expect(r.toolCalls[0].name).toBe("calculator");
    expect(JSON.parse(r.toolCalls[0].arguments)).toEqual({ expression: "12.5 / 100 * 3480" });
    expect(r.toolCalls[0].id).toMatch(/^call_0_[0-9a-f]{8}$/);
    expect(r.usage.completion_tokens).toBe(Math.ceil(r.toolCalls[0].arguments.length / 4));
  });

  it("answers from tool results, quoting them verbatim", () => {
    const messages: ChatCompletionMessageParam[] = [
      user("What is 12.5% of 3,480?"),
      { role: "assistant", content: null, tool_calls: [{ id: "call_1", type: "function", function: { name: "calculator", arguments: "{}" } }] },
      { role: "tool", tool_call_id: "call_1", content: "435" },
    ];
    const r = simulateCompletion(base({ tools: [calculator], messages }));
    expect(r.toolCalls).toEqual([]);
    expect(r.finishReason).toBe("stop");
    expect(r.content).toBe("Simulated answer from gpt-4.1 using tool results: calculator: 435");
  });

  it("returns JSON valid against a json_schema response format", () => {
    const schema = z.object({ title: z.string(), score: z.number().min(0).max(1), tags: z.array(z.string()) });
    const r = simulateCompletion(
      base({ response_format: { type: "json_schema", json_schema: { name: "out", schema: z.toJSONSchema(schema), strict: true } } }),
    );
    expect(schema.safeParse(JSON.parse(r.content ?? "")).success).toBe(true);
  });

  it("fills a schema found in the messages in json_object mode, else wraps the answer", () => {
    const withSchema = simulateCompletion(
      base({
        response_format: { type: "json_object" },
        messages: [{ role: "system", content: 'Reply in JSON matching {"type":"object","properties":{"city":{"type":"string"},"n":{"type":"integer"}},"required":["city"]}' }, user("Paris?")],
      }),
    );
    expect(JSON.parse(withSchema.content ?? "")).toEqual({ city: "example", n: 1 });
    const plain = simulateCompletion(base({ response_format: { type: "json_object" }, messages: [user("answer in json please")] }));
    expect(JSON.parse(plain.content ?? "")).toEqual({ answer: "Simulated answer from gpt-4.1: answer in json please" });
    expect(findJsonSchemaInText("no braces")).toBeUndefined();
  });

  it("stops at max_completion_tokens with finish_reason length", () => {
    const r = simulateCompletion(base({ max_completion_tokens: 3 }));
    expect(r.content).toBe("Simulated answer from");
    expect(r.finishReason).toBe("length");
    expect(r.usage.completion_tokens).toBe(3);
  });

  it("reports scripted usage details", () => {
    const r = scriptedCompletion(
      { content: "scripted", usage: { prompt_tokens: 10, completion_tokens: 2, cached_tokens: 4, reasoning_tokens: 1 } },
      { messages: [user("x")] },
    );
    expect(r.usage).toEqual({
      prompt_tokens: 10,
      completion_tokens: 2,
      total_tokens: 12,
      prompt_tokens_details: { cached_tokens: 4 },
      completion_tokens_details: { reasoning_tokens: 1 },
    });
    const calls = scriptedCompletion({ toolCalls: [{ name: "t", arguments: '{"a":1}' }] }, { messages: [user("x")] });
    expect(calls.finishReason).toBe("tool_calls");
    expect(calls.content).toBeNull();
    expect(calls.toolCalls[0].id).toMatch(/^call_0_/);
  });
});
