import { Writable } from "node:stream";
import type { BaseLanguageModelInput } from "@langchain/core/language_models/base";
import { BaseChatModel, type BaseChatModelCallOptions, type BindToolsInput } from "@langchain/core/language_models/chat_models";
import { AIMessageChunk, type BaseMessage } from "@langchain/core/messages";
import { ChatGenerationChunk, type ChatResult } from "@langchain/core/outputs";
import type { Runnable } from "@langchain/core/runnables";
import { tool } from "@langchain/core/tools";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { AIGatewayHTTPError, AIGatewayNetworkError } from "../../src/gateway/index.js";
import { createLogger } from "../../src/logging/index.js";
import {
  AllProvidersFailedError,
  FallbackChatModel,
  ProviderBreakers,
  type FallbackCandidate,
  type ProviderName,
} from "../../src/providers/index.js";

type FakeCallOptions = BaseChatModelCallOptions & { tools?: BindToolsInput[] };

/** A provider model whose next outcomes are scripted: "ok", an error before any output, or "cut" (error after the first chunk). */
class FakeProviderModel extends BaseChatModel<FakeCallOptions, AIMessageChunk> {
  readonly calls: { tools?: BindToolsInput[] }[] = [];
  outcomes: ("ok" | "cut" | Error)[] = [];

  constructor(readonly label: string) {
    super({});
  }

  _llmType(): string {
    return "fake";
  }

  private next(options: this["ParsedCallOptions"]): "ok" | "cut" {
    this.calls.push({ tools: options.tools });
    const outcome = this.outcomes.shift() ?? "ok";
    if (outcome instanceof Error) throw outcome;
    return outcome;
  }

  async _generate(_messages: BaseMessage[], options: this["ParsedCallOptions"]): Promise<ChatResult> {
    this.next(options);
    const first = options.tools?.[0] as { name?: string; function?: { name?: string } } | undefined;
    const toolName = first?.name ?? first?.function?.name;
    // A chunk, because BaseChatModel's default withStructuredOutput only parses chunks.
    const message = new AIMessageChunk({
      content: toolName ? "" : `answer from ${this.label}`,
      tool_calls: toolName ? [{ id: "call_1", name: toolName, args: { answer: this.label } }] : [],
      response_metadata: { model_name: `${this.label}-model-2025` },
    });
    return { generations: [{ text: message.text, message }] };
  }

  override async *_streamResponseChunks(_messages: BaseMessage[], options: this["ParsedCallOptions"]): AsyncGenerator<ChatGenerationChunk> {
    const outcome = this.next(options);
    yield new ChatGenerationChunk({ message: new AIMessageChunk({ content: `${this.label} says ` }), text: `${this.label} says ` });
    if (outcome === "cut") throw new AIGatewayNetworkError("connection closed mid-stream", { code: "connection_reset" });
    yield new ChatGenerationChunk({
      message: new AIMessageChunk({ content: "hello", response_metadata: { model_name: `${this.label}-model-2025`, finish_reason: "stop" } }),
      text: "hello",
    });
  }

  override bindTools(tools: BindToolsInput[], kwargs?: Partial<FakeCallOptions>): Runnable<BaseLanguageModelInput, AIMessageChunk, FakeCallOptions> {
    return this.withConfig({ ...kwargs, tools } as Partial<FakeCallOptions>);
  }
}

function captureLogger() {
  const lines: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _enc, cb) {
      for (const line of chunk.toString().split("\n")) if (line.trim()) lines.push(JSON.parse(line) as Record<string, unknown>);
      cb();
    },
  });
  return { logger: createLogger({ level: "debug", format: "json", destination }), lines };
}

function setup(names: ProviderName[] = ["gateway", "openai"], breaker = { failures: 2, cooldownMs: 60_000 }) {
  const { logger, lines } = captureLogger();
  const models = names.map((n) => new FakeProviderModel(n));
  const candidates: FallbackCandidate[] = names.map((provider, i) => ({ provider, model: `${provider}-model`, chatModel: models[i] }));
  const breakers = new ProviderBreakers(breaker, logger);
  const model = new FallbackChatModel({ candidates, breakers, logger, tier: "standard" });
  return { model, models, breakers, lines, events: (event: string) => lines.filter((l) => l.event === event) };
}

const dnsError = () => new AIGatewayNetworkError("Could not resolve the host 'gw.corp' of the AI gateway.", { code: "dns" });

describe("FallbackChatModel.invoke", () => {
  it("answers from the first provider and says so", async () => {
    const { model, models } = setup();
    const reply = await model.invoke("hi");
    expect(reply.content).toBe("answer from gateway");
    expect(reply.response_metadata).toMatchObject({ provider: "gateway", model_name: "gateway-model-2025" });
    expect(reply.response_metadata.fallback_from).toBeUndefined();
    expect(models[1].calls).toHaveLength(0);
  });

  it("falls back on an outage, logs it once with its cause, and names the providers passed over", async () => {
    const { model, models, events } = setup();
    models[0].outcomes = [dnsError()];
    const reply = await model.invoke("hi");
    expect(reply.content).toBe("answer from openai");
    expect(reply.response_metadata).toMatchObject({ provider: "openai", model_name: "openai-model-2025", fallback_from: ["gateway"] });
    const logged = events("provider_fallback");
    expect(logged).toHaveLength(1);
    expect(logged[0]).toMatchObject({ provider: "gateway", next: "openai", code: "dns", tier: "standard" });
    expect(String(logged[0].msg)).toContain("Could not resolve the host 'gw.corp'");
  });

  it("rethrows a caller error (400) without trying the next provider", async () => {
    const { model, models } = setup();
    models[0].outcomes = [new AIGatewayHTTPError("The AI gateway answered 400: bad request.", { status: 400 })];
    await expect(model.invoke("hi")).rejects.toMatchObject({ status: 400 });
    expect(models[1].calls).toHaveLength(0);
  });

  it("rethrows an abort at once", async () => {
    const { model, models } = setup();
    const controller = new AbortController();
    controller.abort();
    await expect(model.invoke("hi", { signal: controller.signal })).rejects.toThrow();
    expect(models[0].calls).toHaveLength(0);
    expect(models[1].calls).toHaveLength(0);
  });

  it("falls back on a 404 (model not served there) without charging the breaker", async () => {
    const { model, models, breakers } = setup(["gateway", "openai"], { failures: 1, cooldownMs: 60_000 });
    models[0].outcomes = [new AIGatewayHTTPError("404", { status: 404 }), new AIGatewayHTTPError("404", { status: 404 })];
    expect((await model.invoke("a")).response_metadata.provider).toBe("openai");
    expect((await model.invoke("b")).response_metadata.provider).toBe("openai");
    expect(breakers.state("gateway")).toBe("closed");
    expect(models[0].calls).toHaveLength(2);
  });

  it("with one provider, rethrows its own error; with several, reports each", async () => {
    const single = setup(["gateway"]);
    single.models[0].outcomes = [dnsError()];
    await expect(single.model.invoke("hi")).rejects.toBeInstanceOf(AIGatewayNetworkError);

    const both = setup();
    both.models[0].outcomes = [dnsError()];
    both.models[1].outcomes = [Object.assign(new Error("Service Unavailable"), { status: 503 })];
    const err = await both.model.invoke("hi").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AllProvidersFailedError);
    expect((err as AllProvidersFailedError).attempts.map((a) => [a.provider, a.code])).toEqual([
      ["gateway", "dns"],
      ["openai", "http_503"],
    ]);
    expect((err as Error).message).toMatch(/^Every provider failed for tier 'standard': gateway \(dns\)/);
    expect(both.events("provider_failed")).toHaveLength(1);
  });

  it("a skip still names the failure that opened the breaker", async () => {
    const { model, models } = setup(["gateway"], { failures: 1, cooldownMs: 60_000 });
    models[0].outcomes = [dnsError()];
    await expect(model.invoke("1")).rejects.toBeInstanceOf(AIGatewayNetworkError);
    const err = await model.invoke("2").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AllProvidersFailedError);
    expect((err as Error).message).toBe(
      "Every provider failed for tier 'standard': gateway (skipped): circuit breaker open; last failure: Could not resolve the host 'gw.corp' of the AI gateway.",
    );
    expect(models[0].calls).toHaveLength(1);
  });

  it("says so when no provider is configured", async () => {
    const model = new FallbackChatModel({ candidates: () => [], logger: captureLogger().logger, tier: "fast" });
    await expect(model.invoke("hi")).rejects.toThrow(/No provider is configured for tier 'fast'/);
  });
});

describe("circuit breaker", () => {
  it("opens after consecutive outages, skips the provider at once, then probes it after the cool-down", async () => {
    const { model, models, breakers, events } = setup(["gateway", "openai"], { failures: 2, cooldownMs: 80 });
    models[0].outcomes = [dnsError(), dnsError()];
    await model.invoke("1");
    expect(breakers.state("gateway")).toBe("closed");
    await model.invoke("2");
    expect(breakers.state("gateway")).toBe("open");
    expect(events("breaker_open")).toHaveLength(1);
    expect(events("breaker_open")[0]).toMatchObject({ provider: "gateway", code: "dns" });

    const reply = await model.invoke("3");
    expect(models[0].calls).toHaveLength(2); // skipped: no third call reached the gateway
    expect(reply.response_metadata).toMatchObject({ provider: "openai", fallback_from: ["gateway"] });
    expect(events("provider_skipped")).toHaveLength(1);
    expect(events("provider_fallback")).toHaveLength(2); // one per real failure, none for the skip

    await new Promise((r) => setTimeout(r, 120));
    const back = await model.invoke("4");
    expect(back.response_metadata.provider).toBe("gateway");
    expect(breakers.state("gateway")).toBe("closed");
    expect(events("breaker_half_open")).toHaveLength(1);
    expect(events("breaker_closed")).toHaveLength(1);
  });

  it("reopens when the half-open probe fails", async () => {
    const { model, models, breakers, events } = setup(["gateway", "openai"], { failures: 1, cooldownMs: 50 });
    models[0].outcomes = [dnsError(), dnsError()];
    await model.invoke("1");
    await new Promise((r) => setTimeout(r, 80));
    expect((await model.invoke("2")).response_metadata.provider).toBe("openai");
    expect(breakers.state("gateway")).toBe("open");
    expect(events("breaker_open")).toHaveLength(2);
  });
});

describe("FallbackChatModel.stream", () => {
  it("falls back before the first chunk; provider and model_name appear once in the merged message", async () => {
    const { model, models } = setup();
    models[0].outcomes = [dnsError()];
    let merged: AIMessageChunk | undefined;
    for await (const chunk of await model.stream("hi")) merged = merged ? merged.concat(chunk) : chunk;
    expect(merged?.content).toBe("openai says hello");
    expect(merged?.response_metadata).toMatchObject({
      provider: "openai",
      model_name: "openai-model-2025",
      fallback_from: ["gateway"],
      finish_reason: "stop",
    });
  });

  it("raises an error after the first chunk instead of starting over elsewhere", async () => {
    const { model, models } = setup();
    models[0].outcomes = ["cut"];
    const seen: string[] = [];
    const consume = async () => {
      for await (const chunk of await model.stream("hi")) seen.push(String(chunk.content));
    };
    await expect(consume()).rejects.toBeInstanceOf(AIGatewayNetworkError);
    expect(seen[0]).toBe("gateway says ");
    expect(models[1].calls).toHaveLength(0);
  });
});

describe("bindTools and withStructuredOutput", () => {
  const lookup = tool(async () => "42", { name: "lookup", description: "Looks a thing up", schema: z.object({ answer: z.string() }) });

  it("binds the tools to every provider's model", async () => {
    const { model, models } = setup();
    models[0].outcomes = [dnsError()];
    const bound = model.bindTools([lookup], { tool_choice: "lookup" });
    const reply = await bound.invoke("use lookup");
    expect(reply.tool_calls?.[0]).toMatchObject({ name: "lookup", args: { answer: "openai" } });
    expect((models[0].calls[0].tools?.[0] as { name: string }).name).toBe("lookup");
    expect((models[1].calls[0].tools?.[0] as { name: string }).name).toBe("lookup");
    // The unbound model stays unbound.
    expect((await model.invoke("plain")).tool_calls).toEqual([]);
  });

  it("builds structured output per provider and falls back to the next one", async () => {
    const { model, models } = setup();
    models[0].outcomes = [dnsError()];
    const structured = model.withStructuredOutput(z.object({ answer: z.string() }), { name: "lookup", includeRaw: true });
    const { parsed, raw } = await structured.invoke("question");
    expect(parsed).toEqual({ answer: "openai" });
    expect(raw.response_metadata).toMatchObject({ provider: "openai", fallback_from: ["gateway"] });
  });
});
