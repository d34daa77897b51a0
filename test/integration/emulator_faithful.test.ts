/**
 * The emulator must look like the real API to the official clients: the `openai` SDK and
 * LangChain's ChatOpenAI run against it unmodified.
 */
import { AIMessageChunk, HumanMessage, ToolMessage, type BaseMessage } from "@langchain/core/messages";
import { tool } from "@langchain/core/tools";
import { ChatOpenAI } from "@langchain/openai";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { startEmulator, type EmulatorHandle } from "../../src/emulator/index.js";

let h: EmulatorHandle;
let token: string;

beforeAll(async () => {
  h = await startEmulator({ staticApiKeys: ["static-test-key"] });
  const res = await fetch(h.tokenUrl, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ grant_type: "client_credentials", client_id: h.clientId, client_secret: h.clientSecret }),
  });
  token = ((await res.json()) as { access_token: string }).access_token;
});
afterAll(async () => {
  await h.close();
});

const calculator = tool(async ({ expression }: { expression: string }) => String(Function(`"use strict"; return (${expression});`)()), {
  name: "calculator",
  description: "Evaluate an arithmetic expression",
  schema: z.object({ expression: z.string().describe("e.g. 2 + 2") }),
});

describe("openai SDK", () => {
  const client = () => new OpenAI({ apiKey: token, baseURL: h.apiUrl, maxRetries: 0 });

  it("lists models and completes a chat", async () => {
    const ids: string[] = [];
    for await (const model of client().models.list()) ids.push(model.id);
    expect(ids).toContain("gpt-4.1");
    const completion = await client().chat.completions.create({ model: "gpt-4.1", messages: [{ role: "user", content: "Ping" }] });
    expect(completion.choices[0].message.content).toBe("Simulated answer from gpt-4.1: Ping");
    expect(completion.usage?.completion_tokens).toBe(5);
  });

  it("accepts a static key from staticApiKeys", async () => {
    const c = new OpenAI({ apiKey: "static-test-key", baseURL: h.apiUrl, maxRetries: 0 });
    const completion = await c.chat.completions.create({ model: "gpt-4o-mini", messages: [{ role: "user", content: "Hi" }] });
    expect(completion.choices[0].message.content).toMatch(/^Simulated answer/);
  });

  it("streams with usage", async () => {
    const stream = await client().chat.completions.create({ model: "gpt-5.1", messages: [{ role: "user", content: "Stream me" }], stream: true, stream_options: { include_usage: true } });
    let text = "";
    let usage: OpenAI.CompletionUsage | null | undefined;
    let finish: string | null = null;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? "";
      finish = chunk.choices[0]?.finish_reason ?? finish;
      if (chunk.usage) usage = chunk.usage;
    }
    expect(text).toBe("Simulated answer from gpt-5.1: Stream me");
    expect(finish).toBe("stop");
    expect(usage?.completion_tokens).toBe(6);
  });

  it("assembles streamed tool calls with the stream helper", async () => {
    const runner = client().chat.completions.stream({
      model: "gpt-4.1",
      messages: [{ role: "user", content: "What is 12.5% of 3,480?" }],
      tools: [{ type: "function", function: { name: "calculator", description: "math", parameters: { type: "object", properties: { expression: { type: "string" } }, required: ["expression"] } } }],
    });
    const final = await runner.finalChatCompletion();
    const call = final.choices[0].message.tool_calls?.[0];
    expect(call?.type === "function" && JSON.parse(call.function.arguments)).toEqual({ expression: "12.5 / 100 * 3480" });
    expect(final.choices[0].finish_reason).toBe("tool_calls");
  });

  it("maps errors to the SDK's typed errors and retries a 429", async () => {
    const bad = client().chat.completions.create({ model: "gpt-5.1", max_tokens: 10, messages: [{ role: "user", content: "x" }] });
    await expect(bad).rejects.toMatchObject({ status: 400, code: "unsupported_parameter", param: "max_tokens" });
    const unauthorized = new OpenAI({ apiKey: "wrong", baseURL: h.apiUrl, maxRetries: 0 }).models.list();
    await expect(unauthorized).rejects.toBeInstanceOf(OpenAI.AuthenticationError);

    h.resetStats();
    h.enqueueFault("429", { retryAfterMs: 10 });
    const retrying = new OpenAI({ apiKey: token, baseURL: h.apiUrl, maxRetries: 1 });
    const ok = await retrying.chat.completions.create({ model: "gpt-4.1", messages: [{ role: "user", content: "again" }] });
    expect(ok.choices[0].message.content).toMatch(/again$/);
    expect(h.stats()).toMatchObject({ chatRequests: 2, faultsByKind: { "429": 1 } });

    h.enqueueFault("reset");
    await expect(client().chat.completions.create({ model: "gpt-4.1", messages: [{ role: "user", content: "x" }] })).rejects.toBeInstanceOf(OpenAI.APIConnectionError);
  });
});

describe("ChatOpenAI", () => {
  const model = (name = "gpt-4.1", extra: Record<string, unknown> = {}) =>
    new ChatOpenAI({ model: name, apiKey: token, maxRetries: 0, configuration: { baseURL: h.apiUrl }, ...extra });

  it("invokes and streams", async () => {
    const answer = await model().invoke("Hello LangChain");
    expect(answer.content).toBe("Simulated answer from gpt-4.1: Hello LangChain");
    expect(answer.usage_metadata?.output_tokens).toBe(6);

    let merged: AIMessageChunk | undefined;
    let count = 0;
    for await (const chunk of await model().stream("Hello streaming world")) {
      merged = merged ? merged.concat(chunk) : chunk;
      count++;
    }
    expect(merged?.content).toBe("Simulated answer from gpt-4.1: Hello streaming world");
    expect(count).toBeGreaterThan(5);
    expect(merged?.usage_metadata?.output_tokens).toBe(7);
  });

  it("works on the GPT-5 path (maxTokens goes out as max_completion_tokens)", async () => {
    const answer = await model("gpt-5-mini").invoke("Reasoning model please");
    expect(answer.content).toBe("Simulated answer from gpt-5-mini: Reasoning model please");
    // max_tokens would be a 400 for gpt-5-mini; a truncated answer proves max_completion_tokens was sent.
    const short = await model("gpt-5-mini", { maxTokens: 3 }).invoke("Reasoning model please");
    expect(short.content).toBe("Simulated answer from");
    expect(short.response_metadata.finish_reason).toBe("length");
  });

  it("calls a zod tool with bindTools, then answers from the tool result", async () => {
    const bound = model().bindTools([calculator]);
    const messages: BaseMessage[] = [new HumanMessage("What is 12.5% of 3,480?")];
    const first = await bound.invoke(messages);
    expect(first.tool_calls).toHaveLength(1);
    expect(first.tool_calls?.[0]).toMatchObject({ name: "calculator", args: { expression: "12.5 / 100 * 3480" } });
    const result = await calculator.invoke(first.tool_calls![0]);
    expect(result).toBeInstanceOf(ToolMessage);
    expect(result.content).toBe("435");
    const final = await bound.invoke([...messages, first, result]);
    expect(final.tool_calls ?? []).toEqual([]);
    expect(final.content).toContain("435");
  });

  it("streams tool calls", async () => {
    let merged: AIMessageChunk | undefined;
    for await (const chunk of await model().bindTools([calculator]).stream("Compute 6 times 7")) merged = merged ? merged.concat(chunk) : chunk;
    expect(merged?.tool_calls?.[0]).toMatchObject({ name: "calculator", args: { expression: "6 * 7" } });
  });

  it("parses withStructuredOutput (default method: json_schema response format)", async () => {
    const schema = z.object({ city: z.string(), population: z.number().int().positive(), tags: z.array(z.enum(["capital", "port"])) });
    const structured = model().withStructuredOutput(schema, { includeRaw: true });
    const { raw, parsed } = await structured.invoke("Describe Paris");
    expect(schema.parse(parsed)).toEqual({ city: "example", population: 1, tags: ["capital"] });
    // The default for gpt-4.1 is the json_schema response format: the answer is content, not a tool call.
    expect((raw as AIMessageChunk).tool_calls ?? []).toEqual([]);
    expect(JSON.parse(String(raw.content))).toEqual(parsed);

    const viaTools = await model().withStructuredOutput(schema, { method: "functionCalling" }).invoke("Describe Paris");
    expect(schema.parse(viaTools)).toEqual(parsed);
    const viaJsonMode = await model()
      .withStructuredOutput(schema, { method: "jsonMode" })
      .invoke(`Answer in JSON matching ${JSON.stringify(z.toJSONSchema(schema))}`);
    expect(schema.parse(viaJsonMode)).toEqual(parsed);
  });
});
