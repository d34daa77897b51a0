/** The simulated model reads tool arguments from the prompt and obeys tool orders in system messages. */
import { describe, expect, it } from "vitest";
import type { ChatCompletionMessageParam, ChatCompletionTool } from "../../src/gateway/wire.js";
import { firstUrl, promptNumbers, quotedStrings } from "../../src/emulator/prompt_values.js";
import { valueFromSchema } from "../../src/emulator/schema_values.js";
import { simulateCompletion } from "../../src/emulator/simulated_model.js";
import { selectToolCalls, systemToolOrders } from "../../src/emulator/tool_matching.js";

const fn = (name: string, description: string, properties: Record<string, unknown>): ChatCompletionTool => ({
  type: "function",
  function: { name, description, parameters: { type: "object", properties, required: Object.keys(properties) } },
});
const add = fn("add", "Add two numbers", { a: { type: "number" }, b: { type: "number" } });
const weather = fn("get_weather", "Current weather of a city", { city: { type: "string" }, unit: { type: "string", enum: ["celsius", "fahrenheit"] } });
const lookup = fn("lookup_order", "Order status", { order_id: { type: "string" } });
const fetchPage = fn("http_get", "Fetch a page", { url: { type: "string" } });
const user = (content: string): ChatCompletionMessageParam => ({ role: "user", content });
const system = (content: string): ChatCompletionMessageParam => ({ role: "system", content });
const args = (messages: ChatCompletionMessageParam[], tools: ChatCompletionTool[]) =>
  simulateCompletion({ model: "m", messages, tools }).toolCalls.map((c) => [c.name, JSON.parse(c.arguments)]);

describe("prompt scanners", () => {
  it.each([
    ["add 1 and 2", [1, 2]],
    ["-4 minus 2.5, then 3,480 and 1,23", [-4, 2.5, 3480, 1, 23]],
    ["gpt-4.1 has v2 and mp3 but 7 counts", [4.1, 7]],
    ["version 1.2.3", [1.2]],
    [`${"9".repeat(400)} and 5`, [5]],
    ["no numbers", []],
  ])("numbers of %j", (text, expected) => {
    expect(promptNumbers(text)).toEqual(expected);
  });

  it("finds quoted strings in order and skips apostrophes and empty quotes", () => {
    expect(quotedStrings('what\'s "A-17" and “B 2” and `c` and "" and "open')).toEqual(["A-17", "B 2", "c"]);
  });

  it("finds the first http(s) URL without trailing punctuation", () => {
    expect(firstUrl("read https://docs.example.org/a?b=1). Then http://x.test")).toBe("https://docs.example.org/a?b=1");
    expect(firstUrl("see (http://x.test/p).")).toBe("http://x.test/p");
    expect(firstUrl("nothinghttps://x.test here, no http:// either")).toBeUndefined();
  });
});

describe("tool arguments read from the prompt", () => {
  it("fills number parameters with the prompt's numbers in order", () => {
    expect(args([user("Please add 1 and 2")], [add])).toEqual([["add", { a: 1, b: 2 }]]);
  });

  it("falls back to the schema's own value when the prompt has no number that fits", () => {
    const days = { type: "object", properties: { days: { type: "integer", minimum: 1, maximum: 7 } } };
    expect(valueFromSchema(days, { userText: "forecast for 3 days", fromPrompt: true })).toEqual({ days: 3 });
    expect(valueFromSchema(days, { userText: "forecast for 30 days", fromPrompt: true })).toEqual({ days: 1 });
    expect(valueFromSchema(days, { userText: "forecast for 2.5 days", fromPrompt: true })).toEqual({ days: 1 });
  });

  it("fills string parameters with quoted strings, URL parameters with the URL, enums with a word the prompt uses", () => {
    expect(args([user('Where is lookup_order "A-1042"?')], [lookup])).toEqual([["lookup_order", { order_id: "A-1042" }]]);
    expect(args([user("http_get https://status.example.org/health, please.")], [fetchPage])).toEqual([
      ["http_get", { url: "https://status.example.org/health" }],
    ]);
    expect(args([user('weather in "Oslo" in fahrenheit')], [weather])).toEqual([["get_weather", { city: "Oslo", unit: "fahrenheit" }]]);
  });

  it("leaves structured output as it was: prompt values are for tool arguments only", () => {
    const schema = { type: "object", properties: { a: { type: "number" }, name: { type: "string" } } };
    expect(valueFromSchema(schema, { userText: 'add 5 to "x"' })).toEqual({ a: 1, name: "example" });
  });
});

describe("tool orders in system messages", () => {
  const names = ["get_weather", "lookup_order", "delete_file"];

  it.each([
    ["Always call lookup_order first.", ["lookup_order"], []],
    ["You must use `get_weather` and lookup_order before answering", ["get_weather", "lookup_order"], []],
    ["Never call delete_file. Do not use GET_WEATHER!", [], ["delete_file", "get_weather"]],
    ["Use the get_weather tool for questions about weather.", [], []],
    ["If the user asks, call lookup_order", [], []],
    ["lookup_order is a tool. Call it wisely", [], []],
  ])("%j", (text, ordered, forbidden) => {
    const orders = systemToolOrders(text, names);
    expect([...orders.ordered]).toEqual(ordered);
    expect([...orders.forbidden]).toEqual(forbidden);
  });

  it("calls a tool the system message orders, even when the user's text does not mention it", () => {
    expect(args([system("You are a support bot. Always call lookup_order first."), user('Where is my parcel "A-7"?')], [weather, lookup])).toEqual([
      ["lookup_order", { order_id: "A-7" }],
    ]);
  });

  it("reads developer messages too, and leaves out a forbidden tool the user's text matches", () => {
    const messages: ChatCompletionMessageParam[] = [{ role: "developer", content: "Never call get_weather." }, user("weather in Paris")];
    expect(args(messages, [weather])).toEqual([]);
  });

  it("answers after the tool result instead of ordering the tool again", () => {
    const r = simulateCompletion({
      model: "m",
      tools: [lookup],
      messages: [
        system("Always call lookup_order."),
        user("status?"),
        { role: "assistant", content: null, tool_calls: [{ id: "c1", type: "function", function: { name: "lookup_order", arguments: "{}" } }] },
        { role: "tool", tool_call_id: "c1", content: "shipped" },
      ],
    });
    expect(r.toolCalls).toEqual([]);
    expect(r.content).toBe("Simulated answer from m using tool results: lookup_order: shipped");
  });
});

describe("tool_choice with system orders", () => {
  const select = (toolChoice: unknown, systemText: string, userText: string) =>
    selectToolCalls({ tools: [weather, lookup, add], toolChoice: toolChoice as never, userText, systemText }).map((t) => t.name);

  it.each([
    ["none beats an order", "none", "Always call lookup_order.", "weather in Paris", []],
    ["auto calls the ordered tool and the matched one", "auto", "Always call lookup_order.", "weather in Paris", ["get_weather", "lookup_order"]],
    ["required picks the ordered tool over a word match", "required", "Always call lookup_order.", "weather in Paris", ["lookup_order"]],
    ["required skips a forbidden first tool", "required", "Never call get_weather.", "hello", ["lookup_order"]],
    ["a named function wins over a prohibition", { type: "function", function: { name: "get_weather" } }, "Never call get_weather.", "hi", ["get_weather"]],
  ] as const)("%s", (_label, choice, systemText, userText, expected) => {
    expect(select(choice, systemText, userText)).toEqual(expected);
  });
});
