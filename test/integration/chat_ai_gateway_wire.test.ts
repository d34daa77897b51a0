/**
 * ChatAIGateway against a scripted loopback gateway, for wire shapes the emulator does not
 * produce: several choices, refusals, tool calls without `type`; plus what tracing sees of
 * per-call headers while the gateway still receives them.
 */
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { BaseCallbackHandler } from "@langchain/core/callbacks/base";
import type { AIMessage, AIMessageChunk } from "@langchain/core/messages";
import type { ChatGeneration } from "@langchain/core/outputs";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { AIGatewayClient } from "../../src/gateway/index.js";
import { ChatAIGateway, type ChatAIGatewayInput } from "../../src/models/index.js";
import { silentLogger } from "../helpers/gateway.js";

/** The next answer: a JSON completion body, or SSE chunk bodies (sent then `[DONE]`). */
type Script = { json: Record<string, unknown> } | { sse: Record<string, unknown>[] };

let server: Server;
let client: AIGatewayClient;
let script: Script | undefined;
const received: { headers: IncomingHttpHeaders; body: Record<string, unknown> }[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      received.push({ headers: req.headers, body: JSON.parse(Buffer.concat(chunks).toString("utf8")) as Record<string, unknown> });
      const body = received.at(-1)!.body;
      const answer = script ?? (body.stream ? { sse: [chunk({ role: "assistant", content: "ok" }), chunk({}, "stop")] } : { json: completion([{ role: "assistant", content: "ok" }]) });
      if ("json" in answer) {
        res.writeHead(200, { "content-type": "application/json", "x-request-id": "req_wire_1" });
        res.end(JSON.stringify(answer.json));
        return;
      }
      res.writeHead(200, { "content-type": "text/event-stream", "x-request-id": "req_wire_2" });
      for (const event of answer.sse) res.write(`data: ${JSON.stringify(event)}\n\n`);
      res.end("data: [DONE]\n\n");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  client = new AIGatewayClient({ baseUrl: `http://127.0.0.1:${port}`, apiKey: "wire-test-key", logger: silentLogger, retry: { maxRetries: 0 } });
});
afterAll(async () => {
  await client.close();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});
beforeEach(() => {
  script = undefined;
  received.length = 0;
});

const model = (fields: Partial<ChatAIGatewayInput> = {}) => new ChatAIGateway({ model: "gpt-4.1", client, ...fields });

function completion(messages: Record<string, unknown>[], model = "gpt-4.1-2025-04-14"): Record<string, unknown> {
  return {
    id: "chatcmpl-wire",
    object: "chat.completion",
    created: 0,
    model,
    choices: messages.map((message, index) => ({ index, message, finish_reason: "stop", logprobs: null })),
    usage: { prompt_tokens: 4, completion_tokens: 6, total_tokens: 10 },
  };
}

const chunk = (delta: Record<string, unknown>, finish: string | null = null) => ({
  id: "chatcmpl-wire",
  object: "chat.completion.chunk",
  created: 0,
  model: "gpt-4.1-2025-04-14",
  choices: [{ index: 0, delta, finish_reason: finish }],
});

/** Records everything handleChatModelStart is given. */
class StartRecorder extends BaseCallbackHandler {
  name = "start_recorder";
  starts: unknown[] = [];
  override handleChatModelStart(...args: unknown[]): void {
    this.starts.push(args);
  }
}

describe("per-call headers", () => {
  const name = "x-secret-wire";
  const value = "s3cr3t-b7e4c1d9";

  it.each([
    ["invoke", (m: ChatAIGateway, cb: StartRecorder) => m.invoke("Hi", { headers: { [name]: value }, stop: ["END-MARK"], callbacks: [cb] })],
    ["stream", async (m: ChatAIGateway, cb: StartRecorder) => { for await (const _ of await m.stream("Hi", { headers: { [name]: value }, stop: ["END-MARK"], callbacks: [cb] })); }],
    ["withConfig", (m: ChatAIGateway, cb: StartRecorder) => m.withConfig({ headers: { [name]: value }, stop: ["END-MARK"] }).invoke("Hi", { callbacks: [cb] })],
  ] as const)("reach the gateway but not handleChatModelStart (%s)", async (_how, call) => {
    const recorder = new StartRecorder();
    await call(model(), recorder);
    expect(received.at(-1)?.headers[name]).toBe(value);
    expect(recorder.starts).toHaveLength(1);
    const seen = JSON.stringify(recorder.starts);
    expect(seen).not.toContain(name);
    expect(seen).not.toContain(value);
    // The other call options still reach tracing.
    expect((recorder.starts[0] as unknown[])[4]).toMatchObject({ options: { stop: ["END-MARK"] } });
  });
});

describe("streaming invoke", () => {
  it("keeps a refusal in additional_kwargs, as the non-streamed path does", async () => {
    script = { json: completion([{ role: "assistant", content: null, refusal: "I can't help with that." }]) };
    const plain = await model().invoke("Do something bad");
    expect(plain.additional_kwargs.refusal).toBe("I can't help with that.");

    script = { sse: [chunk({ role: "assistant", refusal: "I can't " }), chunk({ refusal: "help with that." }), chunk({}, "stop")] };
    const streamed = await model({ streaming: true }).invoke("Do something bad");
    expect(streamed.additional_kwargs.refusal).toBe("I can't help with that.");
    expect(streamed.response_metadata).toMatchObject({ finish_reason: "stop", model: "gpt-4.1-2025-04-14", model_name: "gpt-4.1-2025-04-14" });
  });
});

describe("n > 1", () => {
  it("returns one generation per choice; invoke returns the first", async () => {
    script = { json: completion([{ role: "assistant", content: "first" }, { role: "assistant", content: "second" }, { role: "assistant", content: "third" }]) };
    const chat = model({ modelKwargs: { n: 3 } });
    const result = await chat.generate([["Give me three"]]);
    expect(received.at(-1)?.body.n).toBe(3);
    const generations = result.generations[0] as ChatGeneration[];
    expect(generations.map((g) => g.text)).toEqual(["first", "second", "third"]);
    const messages = generations.map((g) => g.message as AIMessage);
    expect(messages.map((m) => m.content)).toEqual(["first", "second", "third"]);
    expect(new Set(messages).size).toBe(3);
    // Usage counts the whole request once, on the first message only.
    expect(messages[0].usage_metadata?.total_tokens).toBe(10);
    expect(messages.slice(1).map((m) => m.usage_metadata)).toEqual([undefined, undefined]);

    script = { json: completion([{ role: "assistant", content: "first" }, { role: "assistant", content: "second" }]) };
    expect((await chat.invoke("Give me two")).content).toBe("first");
  });
});

describe("tool calls without a type", () => {
  const call = { id: "call_1", function: { name: "get_weather", arguments: '{"city":"Paris"}' } };

  it("are accepted as function calls (non-streamed)", async () => {
    script = { json: completion([{ role: "assistant", content: null, tool_calls: [call] }]) };
    const answer = await model().invoke("Weather in Paris?");
    expect(answer.tool_calls).toEqual([{ type: "tool_call", id: "call_1", name: "get_weather", args: { city: "Paris" } }]);
  });

  it("are accepted as function calls (streamed)", async () => {
    script = { sse: [chunk({ role: "assistant", tool_calls: [{ index: 0, ...call }] }), chunk({}, "tool_calls")] };
    const chunks: AIMessageChunk[] = [];
    for await (const c of await model().stream("Weather in Paris?")) chunks.push(c);
    const whole = chunks.reduce((a, b) => a.concat(b));
    expect(whole.tool_calls).toEqual([{ type: "tool_call", id: "call_1", name: "get_weather", args: { city: "Paris" } }]);
  });
});

describe("response_metadata", () => {
  it("has model beside model_name, invoked and streamed", async () => {
    const answer = await model().invoke("Hi");
    expect(answer.response_metadata).toMatchObject({ model: "gpt-4.1-2025-04-14", model_name: "gpt-4.1-2025-04-14" });

    script = { sse: [chunk({ role: "assistant", content: "o" }), chunk({ content: "k" }), chunk({}, "stop")] };
    const chunks: AIMessageChunk[] = [];
    for await (const c of await model().stream("Hi")) chunks.push(c);
    const whole = chunks.reduce((a, b) => a.concat(b));
    // Set on the finishing chunk only, so concatenation does not repeat the string.
    expect(whole.response_metadata).toMatchObject({ model: "gpt-4.1-2025-04-14", model_name: "gpt-4.1-2025-04-14" });
  });
});
