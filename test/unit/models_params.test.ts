import { Writable } from "node:stream";
import { HumanMessage, SystemMessage } from "@langchain/core/messages";
import { describe, expect, it } from "vitest";
import { createLogger } from "../../src/logging/index.js";
import { AIGatewayClient } from "../../src/gateway/index.js";
import {
  ChatAIGateway,
  computeModelFamily,
  isReasoningModel,
  resolveStructuredOutputMethod,
  stripModelPrefix,
  supportsJsonSchema,
} from "../../src/models/index.js";
import { ChatAIGatewayInputError } from "../../src/models/errors.js";

describe("model-family rules", () => {
  const cases: { id: string; reasoning: boolean; systemRole: string; structured: string }[] = [
    { id: "gpt-5.1", reasoning: true, systemRole: "developer", structured: "jsonSchema" },
    { id: "gpt-5", reasoning: true, systemRole: "developer", structured: "jsonSchema" },
    { id: "gpt-5-mini", reasoning: true, systemRole: "developer", structured: "jsonSchema" },
    { id: "azure/gpt-5.1", reasoning: true, systemRole: "developer", structured: "jsonSchema" },
    { id: "openai/gpt-5.1", reasoning: true, systemRole: "developer", structured: "jsonSchema" },
    { id: "GPT-5.1", reasoning: true, systemRole: "developer", structured: "jsonSchema" },
    { id: "gpt-5.1-chat-latest", reasoning: false, systemRole: "system", structured: "jsonSchema" },
    { id: "gpt-5-chat-latest", reasoning: false, systemRole: "system", structured: "jsonSchema" },
    { id: "azure/gpt-5.1-chat", reasoning: false, systemRole: "system", structured: "jsonSchema" },
    { id: "o4-mini", reasoning: true, systemRole: "developer", structured: "jsonSchema" },
    { id: "o3", reasoning: true, systemRole: "developer", structured: "jsonSchema" },
    { id: "openai/o1", reasoning: true, systemRole: "developer", structured: "jsonSchema" },
    { id: "o1-mini", reasoning: true, systemRole: "developer", structured: "functionCalling" },
    { id: "gpt-4.1", reasoning: false, systemRole: "system", structured: "jsonSchema" },
    { id: "gpt-4.1-mini", reasoning: false, systemRole: "system", structured: "jsonSchema" },
    { id: "gpt-4o-mini", reasoning: false, systemRole: "system", structured: "jsonSchema" },
    { id: "gpt-4-turbo", reasoning: false, systemRole: "system", structured: "functionCalling" },
    { id: "gpt-3.5-turbo", reasoning: false, systemRole: "system", structured: "functionCalling" },
    { id: "omni-router", reasoning: false, systemRole: "system", structured: "functionCalling" },
  ];
  it.each(cases)("$id", ({ id, reasoning, systemRole, structured }) => {
    const family = computeModelFamily(id);
    expect(isReasoningModel(id)).toBe(reasoning);
    expect(family.reasoning).toBe(reasoning);
    expect(family.acceptsTemperature).toBe(!reasoning);
    expect(family.acceptsReasoningEffort).toBe(reasoning);
    expect(family.systemRole).toBe(systemRole);
    expect(family.structuredOutputMethod).toBe(structured);
    expect(supportsJsonSchema(id)).toBe(structured === "jsonSchema");
    expect(resolveStructuredOutputMethod(id, undefined)).toBe(structured);
  });

  it("strips gateway prefixes", () => {
    expect(stripModelPrefix("azure/gpt-5.1")).toBe("gpt-5.1");
    expect(stripModelPrefix("vendor/openai/gpt-4.1")).toBe("gpt-4.1");
    expect(stripModelPrefix("gpt-4.1")).toBe("gpt-4.1");
  });

  it("rejects an unknown structured output method", () => {
    expect(() => resolveStructuredOutputMethod("gpt-4.1", "xml")).toThrow(/unknown method "xml"/);
    expect(() => resolveStructuredOutputMethod("gpt-4.1", "xml")).toThrow(ChatAIGatewayInputError);
  });
});

describe("invocationParams", () => {
  const settings = { temperature: 0.2, maxTokens: 256, reasoningEffort: "low" as const };
  const cases: { model: string; expected: Record<string, unknown>; absent: string[] }[] = [
    { model: "gpt-5.1", expected: { max_completion_tokens: 256, reasoning_effort: "low" }, absent: ["temperature", "max_tokens"] },
    { model: "azure/gpt-5.1", expected: { max_completion_tokens: 256, reasoning_effort: "low" }, absent: ["temperature", "max_tokens"] },
    { model: "o4-mini", expected: { max_completion_tokens: 256, reasoning_effort: "low" }, absent: ["temperature", "max_tokens"] },
    { model: "gpt-5.1-chat-latest", expected: { max_completion_tokens: 256, temperature: 0.2 }, absent: ["reasoning_effort", "max_tokens"] },
    { model: "gpt-4.1", expected: { max_completion_tokens: 256, temperature: 0.2 }, absent: ["reasoning_effort", "max_tokens"] },
  ];
  it.each(cases)("$model", ({ model, expected, absent }) => {
    const chat = new ChatAIGateway({ model, ...settings, stopSequences: ["END"] });
    const params = chat.invocationParams({} as never);
    expect(params).toMatchObject({ model, ...expected, stop: ["END"] });
    for (const key of absent) expect(params).not.toHaveProperty(key);
    // Tracing sees the values actually sent, with max tokens reported although it travels as max_completion_tokens.
    const ls = chat.getLsParams({} as never);
    expect(ls).toEqual({
      ls_provider: "ai_gateway",
      ls_model_name: model,
      ls_model_type: "chat",
      ls_temperature: "temperature" in expected ? 0.2 : undefined,
      ls_max_tokens: 256,
      ls_stop: ["END"],
    });
    expect(params).toMatchObject({ ls_provider: "ai_gateway", ls_model_name: model, ls_model_type: "chat", ls_max_tokens: 256 });
  });

  it("keeps temperature 1 for reasoning models (their only accepted value)", () => {
    expect(new ChatAIGateway({ model: "gpt-5.1", temperature: 1 }).invocationParams({} as never).temperature).toBe(1);
  });

  it("accepts maxCompletionTokens as an alias and a call-level stop and reasoningEffort", () => {
    const chat = new ChatAIGateway({ model: "o4-mini", maxCompletionTokens: 99, reasoningEffort: "high" });
    const params = chat.invocationParams({ stop: ["x"], reasoningEffort: "minimal" } as never);
    expect(params).toMatchObject({ max_completion_tokens: 99, reasoning_effort: "minimal", stop: ["x"] });
  });

  it("converts tools and tool choice given as call options", () => {
    const chat = new ChatAIGateway({ model: "gpt-4.1" });
    const params = chat.invocationParams({
      tools: [{ name: "get_time", description: "Current time", schema: { type: "object", properties: {} } }],
      tool_choice: "any",
      parallel_tool_calls: false,
    } as never);
    expect(params.tools).toEqual([{ type: "function", function: { name: "get_time", description: "Current time", parameters: { type: "object", properties: {} } } }]);
    expect(params.tool_choice).toBe("required");
    expect(params.parallel_tool_calls).toBe(false);
  });
});

/** A logger writing JSON lines into an array. */
function captureLogger(level = "debug") {
  const lines: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk, _enc, cb) {
      for (const line of String(chunk).split("\n")) if (line.trim()) lines.push(JSON.parse(line) as Record<string, unknown>);
      cb();
    },
  });
  return { lines, logger: createLogger({ level, format: "json", destination }) };
}

describe("request building (no network: the client is never reached)", () => {
  /** Captures the request body the model hands to the client. */
  function modelCapturing(model: string, fields: Record<string, unknown> = {}) {
    const { lines, logger } = captureLogger();
    const bodies: Record<string, unknown>[] = [];
    const client = new AIGatewayClient({ baseUrl: "http://127.0.0.1:9", apiKey: "unused-key", logger });
    client.createChatCompletion = async (request) => {
      bodies.push(request as unknown as Record<string, unknown>);
      return {
        id: "x",
        object: "chat.completion",
        created: 0,
        model,
        choices: [{ index: 0, finish_reason: "stop", logprobs: null, message: { role: "assistant", content: "ok", refusal: null } }],
      };
    };
    return { chat: new ChatAIGateway({ model, client, logger, ...fields }), bodies, lines };
  }

  it("drops an unsupported temperature with a debug line instead of a 400, and sends system as developer", async () => {
    const { chat, bodies, lines } = modelCapturing("azure/gpt-5.1", { temperature: 0.3, maxTokens: 10 });
    await chat.invoke([new SystemMessage("sys"), new HumanMessage("hi")]);
    expect(bodies[0]).not.toHaveProperty("temperature");
    expect(bodies[0]).not.toHaveProperty("max_tokens");
    expect(bodies[0].max_completion_tokens).toBe(10);
    expect((bodies[0].messages as { role: string }[])[0].role).toBe("developer");
    const line = lines.find((l) => l.param === "temperature");
    expect(line).toMatchObject({ level: 20, model: "azure/gpt-5.1", value: 0.3 });
    expect(String(line?.msg)).toMatch(/not sending temperature/);
  });

  it("drops reasoning_effort for a non-reasoning model, logging why", async () => {
    const { chat, bodies, lines } = modelCapturing("gpt-4.1", { reasoningEffort: "high", temperature: 0 });
    await chat.invoke("hi");
    expect(bodies[0]).not.toHaveProperty("reasoning_effort");
    expect(bodies[0].temperature).toBe(0);
    expect(lines.some((l) => l.param === "reasoning_effort")).toBe(true);
  });
});

describe("LangChain's AsyncCaller never retries", () => {
  function stubbedClient(impl: () => Promise<unknown>) {
    const client = new AIGatewayClient({ baseUrl: "http://127.0.0.1:9", apiKey: "unused-key" });
    let calls = 0;
    client.createChatCompletion = async () => {
      calls++;
      return (await impl()) as never;
    };
    return { client, calls: () => calls };
  }
  const ok = {
    id: "x",
    object: "chat.completion",
    created: 0,
    model: "gpt-4.1",
    choices: [{ index: 0, finish_reason: "stop", logprobs: null, message: { role: "assistant", content: "ok", refusal: null } }],
  };

  it("a failure the client gave up on is not retried again, with or without maxConcurrency", async () => {
    const { AIGatewayHTTPError } = await import("../../src/gateway/index.js");
    for (const maxConcurrency of [undefined, 2]) {
      const { client, calls } = stubbedClient(async () => {
        throw new AIGatewayHTTPError("The AI gateway answered 503.", { status: 503, retryable: true });
      });
      await expect(new ChatAIGateway({ model: "gpt-4.1", client, maxConcurrency }).invoke("hi")).rejects.toMatchObject({ status: 503 });
      expect(calls()).toBe(1);
    }
  });

  it("maxConcurrency caps calls in flight", async () => {
    let inFlight = 0;
    let peak = 0;
    const { client } = stubbedClient(async () => {
      peak = Math.max(peak, ++inFlight);
      await new Promise((r) => setTimeout(r, 5));
      inFlight--;
      return structuredClone(ok);
    });
    const chat = new ChatAIGateway({ model: "gpt-4.1", client, maxConcurrency: 2 });
    const answers = await Promise.all(Array.from({ length: 6 }, (_, i) => chat.invoke(`q${i}`)));
    expect(answers).toHaveLength(6);
    expect(peak).toBe(2);
  });
});
