/** ChatAIGateway against the emulator: tool calling, tool round-trips, structured output, createAgent. */
import { AIMessage, AIMessageChunk, HumanMessage, SystemMessage, ToolMessage } from "@langchain/core/messages";
import { createAgent, tool } from "langchain";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import type { EmulatorHandle } from "../../src/emulator/index.js";
import type { AIGatewayClient } from "../../src/gateway/index.js";
import { ChatAIGateway } from "../../src/models/index.js";
import { clientFor, emulator } from "../helpers/gateway.js";

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

const calls = { weather: 0, time: 0 };
const getWeather = tool(
  async ({ city }: { city: string }) => {
    calls.weather++;
    return `It is 18 degrees and sunny in ${city}.`;
  },
  { name: "get_weather", description: "Current weather of a city", schema: z.object({ city: z.string().describe("City name") }) },
);
const getTime = tool(
  async ({ city }: { city: string }) => {
    calls.time++;
    return `The local time in ${city} is 14:05.`;
  },
  { name: "get_time", description: "Current local time of a city", schema: z.object({ city: z.string() }) },
);

const model = (id = "gpt-4.1") => new ChatAIGateway({ model: id, client });

describe("tool calling", () => {
  it("calls a single tool with parsed arguments and an id", async () => {
    const answer = await model().bindTools([getWeather]).invoke("Use get_weather for Paris please");
    expect(answer.tool_calls).toHaveLength(1);
    const [call] = answer.tool_calls!;
    expect(call).toMatchObject({ name: "get_weather", id: expect.stringMatching(/^call_/), args: { city: expect.any(String) } });
    expect(answer.response_metadata.finish_reason).toBe("tool_calls");
  });

  it("calls two tools in parallel", async () => {
    const answer = await model("gpt-5.1").bindTools([getWeather, getTime]).invoke("Call get_weather and get_time for Rome");
    expect(answer.tool_calls?.map((c) => c.name)).toEqual(["get_weather", "get_time"]);
    expect(new Set(answer.tool_calls?.map((c) => c.id)).size).toBe(2);
  });

  it("honours parallel_tool_calls: false and a named tool_choice", async () => {
    const single = await model().bindTools([getWeather, getTime], { parallel_tool_calls: false }).invoke("Call get_weather and get_time for Rome");
    expect(single.tool_calls?.map((c) => c.name)).toEqual(["get_weather"]);
    const forced = await model().bindTools([getWeather, getTime], { tool_choice: "get_time" }).invoke("What is the weather?");
    expect(forced.tool_calls?.map((c) => c.name)).toEqual(["get_time"]);
    const any = await model().bindTools([getWeather], { tool_choice: "any" }).invoke("Nothing about tools here");
    expect(any.tool_calls?.map((c) => c.name)).toEqual(["get_weather"]);
    const none = await model().bindTools([getWeather], { tool_choice: "none" }).invoke("Use get_weather for Oslo");
    expect(none.tool_calls).toEqual([]);
  });

  it("accepts OpenAI-format and JSON-schema tool definitions", async () => {
    const answer = await model()
      .bindTools([
        { type: "function", function: { name: "lookup_stock", description: "Stock price", parameters: { type: "object", properties: { symbol: { type: "string" } }, required: ["symbol"] } } },
        { name: "convert_currency", description: "Currency conversion", schema: { type: "object", properties: { amount: { type: "number" } }, required: ["amount"] } },
      ])
      .invoke("lookup_stock ACME then convert_currency");
    expect(answer.tool_calls?.map((c) => c.name)).toEqual(["lookup_stock", "convert_currency"]);
    expect(typeof answer.tool_calls?.[0].args.symbol).toBe("string");
    expect(typeof answer.tool_calls?.[1].args.amount).toBe("number");
  });

  it("streams tool calls as tool_call_chunks with index and id that add up to the invoke result", async () => {
    const bound = model().bindTools([getWeather, getTime]);
    const prompt = "Call get_weather and get_time for Lisbon";
    const invoked = await bound.invoke(prompt);
    const chunks: AIMessageChunk[] = [];
    for await (const chunk of await bound.stream(prompt)) chunks.push(chunk);
    const fragments = chunks.flatMap((c) => c.tool_call_chunks ?? []);
    expect(fragments.length).toBeGreaterThan(2);
    expect(fragments.every((f) => typeof f.index === "number")).toBe(true);
    expect(new Set(fragments.filter((f) => f.id).map((f) => f.index))).toEqual(new Set([0, 1]));
    const whole = chunks.reduce((a, b) => a.concat(b));
    expect(whole.tool_calls).toEqual(invoked.tool_calls);
  });

  it("turns unparsable arguments into invalid_tool_calls instead of throwing, streamed or not", async () => {
    const script = { toolCalls: [{ id: "call_bad", name: "get_weather", arguments: "city=Paris" }] };
    emu.enqueueResponse(script);
    const plain = await model().bindTools([getWeather]).invoke("weather?");
    expect(plain.tool_calls).toEqual([]);
    expect(plain.invalid_tool_calls).toMatchObject([{ id: "call_bad", name: "get_weather", args: "city=Paris" }]);
    emu.enqueueResponse(script);
    const chunks: AIMessageChunk[] = [];
    for await (const chunk of await model().bindTools([getWeather]).stream("weather?")) chunks.push(chunk);
    const whole = chunks.reduce((a, b) => a.concat(b));
    expect(whole.tool_calls).toEqual([]);
    expect(whole.invalid_tool_calls).toMatchObject([{ id: "call_bad", name: "get_weather", args: "city=Paris" }]);
  });

  it("completes a round trip: tool calls, ToolMessages, final answer quoting the results", async () => {
    const bound = model().bindTools([getWeather, getTime]);
    const history = [new HumanMessage("Use get_weather and get_time for Berlin")];
    const first = await bound.invoke(history);
    expect(first.tool_calls).toHaveLength(2);
    const results: ToolMessage[] = [];
    for (const call of first.tool_calls!) {
      const t = call.name === "get_weather" ? getWeather : getTime;
      results.push((await t.invoke(call)) as ToolMessage);
    }
    expect(results.every((r) => r instanceof ToolMessage)).toBe(true);
    const final = await bound.invoke([...history, first, ...results]);
    expect(final.tool_calls).toEqual([]);
    expect(final.content).toContain(String(results[0].content));
    expect(final.content).toContain(String(results[1].content));
  });

  it("sends array tool content back to the model", async () => {
    const ai = new AIMessage({ content: "", tool_calls: [{ id: "call_1", name: "get_weather", args: { city: "Oslo" } }] });
    const toolMessage = new ToolMessage({ tool_call_id: "call_1", content: [{ type: "text", text: "Snow, -3 degrees" }] });
    const final = await model().bindTools([getWeather]).invoke([new HumanMessage("Weather in Oslo?"), ai, toolMessage]);
    expect(final.content).toContain("Snow, -3 degrees");
  });
});

describe("a model-like emulator: OpenAI-format tools, tool_choice, system orders, arguments from the prompt", () => {
  const addTool = {
    type: "function" as const,
    function: {
      name: "add",
      description: "Add two numbers",
      parameters: { type: "object", properties: { a: { type: "number" }, b: { type: "number" } }, required: ["a", "b"] },
    },
  };
  const calls = { lookups: [] as string[] };
  const lookupOrder = tool(
    async ({ order_id }: { order_id: string }) => {
      calls.lookups.push(order_id);
      return `Order ${order_id} shipped on Monday.`;
    },
    { name: "lookup_order", description: "Status of a customer order", schema: z.object({ order_id: z.string() }) },
  );

  it("binds an OpenAI-format tool and reads its arguments from the prompt", async () => {
    const answer = await model().bindTools([addTool]).invoke("Please add 1 and 2");
    expect(answer.tool_calls?.map((c) => [c.name, c.args])).toEqual([["add", { a: 1, b: 2 }]]);
  });

  it.each([
    ["an OpenAI function object calls that tool", { type: "function", function: { name: "lookup_order" } }, ["lookup_order"]],
    ["required calls a tool although nothing matches", "required", ["add"]],
    ["auto calls nothing when nothing matches", "auto", []],
    ["none calls nothing although the prompt names the tool", "none", []],
  ] as const)("tool_choice: %s", async (_label, toolChoice, expected) => {
    const prompt = toolChoice === "none" ? "add 3 and 4" : "Tell me something nice";
    const answer = await model().bindTools([addTool, lookupOrder], { tool_choice: toolChoice as never }).invoke(prompt);
    expect(answer.tool_calls?.map((c) => c.name)).toEqual(expected);
  });

  it("streams a tool call the system message orders, then streams the answer token by token", async () => {
    const bound = model().bindTools([addTool, lookupOrder]);
    const history = [new SystemMessage("You are a support bot. Always call lookup_order first."), new HumanMessage('Where is my parcel "A-1042"?')];
    const chunks: AIMessageChunk[] = [];
    for await (const chunk of await bound.stream(history)) chunks.push(chunk);
    const call = chunks.reduce((a, b) => a.concat(b));
    expect(call.tool_calls?.map((c) => [c.name, c.args])).toEqual([["lookup_order", { order_id: "A-1042" }]]);
    const result = (await lookupOrder.invoke(call.tool_calls![0])) as ToolMessage;
    const answerChunks: AIMessageChunk[] = [];
    for await (const chunk of await bound.stream([...history, call, result])) answerChunks.push(chunk);
    const texts = answerChunks.map((c) => String(c.content)).filter((t) => t.length > 0);
    expect(texts.length).toBeGreaterThan(5);
    expect(texts.join("")).toBe("Simulated answer from gpt-4.1 using tool results: lookup_order: Order A-1042 shipped on Monday.");
  });

  it("createAgent calls the tool its system prompt orders, once, and answers with the result", async () => {
    calls.lookups = [];
    const agent = createAgent({ model: model("gpt-5.1"), tools: [addTool, lookupOrder], systemPrompt: "Always call lookup_order before you answer." });
    const result = await agent.invoke({ messages: [{ role: "user", content: 'Any news on "B-7"?' }] });
    expect(calls.lookups).toEqual(["B-7"]);
    expect(String(result.messages.at(-1)!.content)).toContain("Order B-7 shipped on Monday.");
  });
});

describe("withStructuredOutput", () => {
  const Weather = z.object({ city: z.string(), temperature: z.number(), sunny: z.boolean() }).describe("A weather report");
  const schemaText = JSON.stringify(z.toJSONSchema(Weather));

  it.each(["jsonSchema", "functionCalling", "jsonMode"] as const)("method %s parses and validates", async (method) => {
    const structured = model().withStructuredOutput(Weather, { method, name: "weather_report" });
    const prompt = method === "jsonMode" ? `Report the weather in Madrid as JSON matching this schema: ${schemaText}` : "Report the weather in Madrid";
    const out = await structured.invoke(prompt);
    expect(Weather.safeParse(out).success).toBe(true);
  });

  it("defaults to json_schema for gpt-5.1 (the answer is JSON content, not a tool call)", async () => {
    const { raw, parsed } = await model("gpt-5.1").withStructuredOutput(Weather, { includeRaw: true }).invoke("Weather in Tunis");
    expect(Weather.safeParse(parsed).success).toBe(true);
    expect((raw as AIMessage).tool_calls).toEqual([]);
    expect(JSON.parse(String(raw.content))).toEqual(parsed);
  });

  it.each(["jsonSchema", "functionCalling", "jsonMode"] as const)("method %s with includeRaw returns raw and parsed", async (method) => {
    const structured = model().withStructuredOutput(Weather, { method, includeRaw: true });
    const prompt = method === "jsonMode" ? `Answer in JSON with this schema: ${schemaText}` : "Weather in Athens";
    const { raw, parsed } = await structured.invoke(prompt);
    expect(raw).toBeInstanceOf(AIMessage);
    expect(Weather.safeParse(parsed).success).toBe(true);
    if (method === "functionCalling") expect((raw as AIMessage).tool_calls?.[0].args).toEqual(parsed);
    else expect(JSON.parse(String(raw.content))).toEqual(parsed);
  });

  it("with includeRaw, an unparsable answer gives parsed: null instead of throwing", async () => {
    emu.enqueueResponse({ content: "not json at all" });
    const { raw, parsed } = await model().withStructuredOutput(Weather, { includeRaw: true }).invoke("Weather in Cairo");
    expect(parsed).toBeNull();
    expect(raw.content).toBe("not json at all");
    emu.enqueueResponse({ content: '{"city":"Cairo"}' });
    await expect(model().withStructuredOutput(Weather).invoke("Weather in Cairo")).rejects.toThrow(/does not match the schema/);
  });

  it("accepts a plain JSON schema", async () => {
    const out = await model()
      .withStructuredOutput({ title: "person", type: "object", properties: { name: { type: "string" }, age: { type: "integer" } }, required: ["name", "age"] })
      .invoke("Describe a person");
    expect(typeof out.name).toBe("string");
    expect(Number.isInteger(out.age)).toBe(true);
  });
});

describe("createAgent", () => {
  it("completes a two-tool task end to end", async () => {
    calls.weather = 0;
    calls.time = 0;
    const agent = createAgent({ model: model("gpt-5.1"), tools: [getWeather, getTime] });
    const result = await agent.invoke({ messages: [{ role: "user", content: "Use get_weather and get_time for Vienna" }] });
    expect(calls).toEqual({ weather: 1, time: 1 });
    const final = result.messages.at(-1)!;
    expect(final).toBeInstanceOf(AIMessage);
    const text = String(final.content);
    expect(text).toContain("It is 18 degrees and sunny in");
    expect(text).toContain("The local time in");
    expect(result.messages.filter((m) => ToolMessage.isInstance(m))).toHaveLength(2);
  });
});
