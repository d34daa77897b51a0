/**
 * Fallback across two emulators: one plays the AI gateway (OAuth2, ChatAIGateway), the other an
 * OpenAI-compatible secondary reached through ChatOpenAI with a static API key.
 */
import { randomBytes } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import type { AIMessageChunk } from "@langchain/core/messages";
import { tool } from "@langchain/core/tools";
import { createAgent } from "langchain";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { startEmulator, type EmulatorHandle } from "../../src/emulator/index.js";
import { AIGatewayHTTPError, AIGatewayStreamError } from "../../src/gateway/index.js";
import { ProviderRegistry } from "../../src/providers/index.js";
import { captureLogger, controlledDnsAgent, fallbackEnv, timed } from "./providers_helpers.js";

const KEY = `sk-secondary-${randomBytes(8).toString("hex")}`;
const QUESTION = "What is the capital of France?";
// Fast backoffs for the gateway client: the issue asks for the first fallback within 1 s.
const FAST_RETRY = { retry: { maxRetries: 2, baseDelayMs: 20 } };

let secondary: EmulatorHandle;
const cleanups: (() => Promise<unknown>)[] = [];

beforeAll(async () => {
  secondary = await startEmulator({ port: 0, staticApiKeys: [KEY] });
});
afterAll(async () => {
  await secondary.close();
});
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()?.();
  secondary.resetStats();
});

/** A gateway emulator that was started and closed again: its port refuses connections. */
async function deadGateway(): Promise<{ baseUrl: string; port: number; clientId: string; clientSecret: string }> {
  const clientSecret = `gw-${randomBytes(12).toString("hex")}`;
  const emu = await startEmulator({ port: 0, clientSecret });
  await emu.close();
  return { baseUrl: emu.baseUrl, port: Number(new URL(emu.baseUrl).port), clientId: emu.clientId, clientSecret };
}

async function liveGateway(): Promise<EmulatorHandle> {
  const emu = await startEmulator({ port: 0 });
  cleanups.push(() => emu.close());
  return emu;
}

async function registryFor(env: Record<string, string>, options: Parameters<typeof ProviderRegistry.create>[0] = {}) {
  const log = captureLogger();
  const registry = await ProviderRegistry.create({ env, logger: log.logger, gatewayClientOptions: FAST_RETRY, ...options });
  cleanups.push(() => registry.close());
  return { registry, ...log };
}

const breakerOf = (registry: ProviderRegistry, provider: string) => registry.status().find((s) => s.provider === provider)?.breaker;

describe("gateway down: connection refused", () => {
  it("answers from the secondary within 1 s, skips the gateway while its breaker is open, and returns to it once it recovers", async () => {
    const dead = await deadGateway();
    const { registry, events, lines } = await registryFor(fallbackEnv(dead, secondary, KEY, { BREAKER_COOLDOWN_MS: "400" }));
    expect(events("discovery_failed")).toHaveLength(1);
    expect(events("discovery_failed")[0].code).toBe("connection_refused");
    const model = registry.chatModel("standard");

    const first = await timed(() => model.invoke(QUESTION));
    expect(first.ms).toBeLessThan(1000);
    expect(first.value.content).toContain("Simulated answer from gpt-5.1");
    expect(first.value.response_metadata).toMatchObject({ provider: "openai", model_name: "gpt-5.1", fallback_from: ["gateway"] });
    expect(events("provider_fallback")).toHaveLength(1);
    expect(events("provider_fallback")[0]).toMatchObject({ provider: "gateway", next: "openai", code: "connection_refused" });
    expect(events("breaker_open")).toHaveLength(1);
    expect(breakerOf(registry, "gateway")).toBe("open");

    // While open, the gateway is skipped at once: no new fallback line, nothing tried.
    const second = await model.invoke(QUESTION);
    expect(second.response_metadata).toMatchObject({ provider: "openai", fallback_from: ["gateway"] });
    expect(events("provider_fallback")).toHaveLength(1);
    expect(secondary.stats().chatRequests).toBe(2);

    // The gateway comes back on the same address; after the cool-down one probe closes the breaker.
    const revived = await startEmulator({ port: dead.port, clientSecret: dead.clientSecret });
    cleanups.push(() => revived.close());
    await sleep(450);
    const back = await model.invoke(QUESTION);
    expect(back.response_metadata.provider).toBe("gateway");
    expect(back.response_metadata.fallback_from).toBeUndefined();
    expect(revived.stats().chatRequests).toBe(1);
    expect(breakerOf(registry, "gateway")).toBe("closed");
    expect(events("breaker_half_open")).toHaveLength(1);
    expect(events("breaker_closed")).toHaveLength(1);
    expect(secondary.stats().chatRequests).toBe(2);

    const logText = JSON.stringify(lines);
    expect(logText).not.toContain(dead.clientSecret);
    expect(logText).not.toContain(KEY);
  });
});

describe("gateway down: host name does not resolve (VPN down)", () => {
  it("falls back within 1 s without any DNS query leaving the machine, then uses the gateway once DNS works again", async () => {
    const gateway = await liveGateway();
    const { agent, dns } = controlledDnsAgent();
    cleanups.push(() => agent.close());
    const port = new URL(gateway.baseUrl).port;
    const env = fallbackEnv(
      { baseUrl: `http://gateway.vpn.example:${port}`, clientId: gateway.clientId, clientSecret: gateway.clientSecret },
      secondary,
      KEY,
      { BREAKER_COOLDOWN_MS: "300", AI_GATEWAY_ALLOW_INSECURE_HTTP: "true" },
    );
    const { registry, events } = await registryFor(env, { gatewayClientOptions: { ...FAST_RETRY, dispatcher: agent } });
    expect(events("discovery_failed")[0]).toMatchObject({ code: "dns" });
    expect(String(events("discovery_failed")[0].msg)).toContain("Could not resolve the host 'gateway.vpn.example");
    const model = registry.chatModel("fast");

    const first = await timed(() => model.invoke(QUESTION));
    expect(first.ms).toBeLessThan(1000);
    expect(first.value.response_metadata).toMatchObject({ provider: "openai", model_name: "gpt-5-mini", fallback_from: ["gateway"] });
    expect(events("provider_fallback")[0]).toMatchObject({ code: "dns" });

    const lookups = dns.lookups;
    await model.invoke(QUESTION);
    expect(dns.lookups).toBe(lookups); // breaker open: not even a lookup
    expect(gateway.stats().chatRequests).toBe(0);

    dns.up = true;
    await sleep(350);
    const back = await model.invoke(QUESTION);
    expect(back.response_metadata.provider).toBe("gateway");
    expect(back.content).toContain("Simulated answer from gpt-5.1-chat-latest");
    expect(gateway.stats().chatRequests).toBe(1);
  });
});

describe("gateway answering 503 (still failing after its retries)", () => {
  it("falls back, sends the gateway nothing while the breaker is open, and probes it after the cool-down", async () => {
    const gateway = await liveGateway();
    const { registry } = await registryFor(fallbackEnv(gateway, secondary, KEY, { BREAKER_COOLDOWN_MS: "300" }), {
      gatewayClientOptions: { retry: { maxRetries: 1, baseDelayMs: 10 } },
    });
    expect(registry.gatewaySelections().standard).toEqual({ model: "gpt-5.1", source: "discovered" });
    gateway.enqueueFault("503");
    gateway.enqueueFault("503");
    const model = registry.chatModel("standard");

    expect((await model.invoke(QUESTION)).response_metadata.provider).toBe("openai");
    expect(gateway.stats().chatRequests).toBe(2); // first attempt + one retry, in the client
    expect((await model.invoke(QUESTION)).response_metadata.provider).toBe("openai");
    expect((await model.invoke(QUESTION)).response_metadata.provider).toBe("openai");
    expect(gateway.stats().chatRequests).toBe(2);

    await sleep(350);
    expect((await model.invoke(QUESTION)).response_metadata.provider).toBe("gateway");
    expect(gateway.stats().chatRequests).toBe(3);
  });

  it("does not fall back for a caller error (400): the secondary gets nothing", async () => {
    const gateway = await liveGateway();
    const { registry } = await registryFor(fallbackEnv(gateway, secondary, KEY), {
      gatewayClientOptions: { ...FAST_RETRY, headers: { "x-emulator-fault": "no-such-fault" } },
    });
    await expect(registry.chatModel("standard").invoke(QUESTION)).rejects.toBeInstanceOf(AIGatewayHTTPError);
    expect(secondary.stats().chatRequests).toBe(0);
    expect(breakerOf(registry, "gateway")).toBe("closed");
  });
});

describe("streaming", () => {
  async function collect(stream: AsyncIterable<AIMessageChunk>): Promise<{ merged?: AIMessageChunk; count: number }> {
    let merged: AIMessageChunk | undefined;
    let count = 0;
    for await (const chunk of stream) {
      count++;
      merged = merged ? merged.concat(chunk) : chunk;
    }
    return { merged, count };
  }

  it("falls back when the gateway's stream breaks before the first token", async () => {
    const gateway = await liveGateway();
    const { registry } = await registryFor(fallbackEnv(gateway, secondary, KEY), {
      gatewayClientOptions: { ...FAST_RETRY, headers: { "x-emulator-fault": "cut-before-first-token" } },
    });
    const { merged, count } = await collect(await registry.chatModel("standard").stream(QUESTION));
    expect(count).toBeGreaterThan(2);
    expect(merged?.content).toContain("Simulated answer from gpt-5.1");
    expect(merged?.response_metadata).toMatchObject({ provider: "openai", model_name: "gpt-5.1", fallback_from: ["gateway"] });
    expect(gateway.stats().chatRequests).toBe(3); // the client retried the cut stream twice, then the fallback took over
    expect(secondary.stats().chatRequests).toBe(1);
  });

  it("falls back when the gateway is down before the stream starts", async () => {
    const dead = await deadGateway();
    const { registry } = await registryFor(fallbackEnv(dead, secondary, KEY));
    const { merged } = await collect(await registry.chatModel("premium").stream(QUESTION));
    expect(merged?.response_metadata).toMatchObject({ provider: "openai", fallback_from: ["gateway"] });
    expect(merged?.content).toContain("Simulated answer from gpt-5.1");
  });

  it("raises when the stream breaks after the first token, and the secondary gets no request", async () => {
    const gateway = await liveGateway();
    const { registry } = await registryFor(fallbackEnv(gateway, secondary, KEY), {
      gatewayClientOptions: { ...FAST_RETRY, headers: { "x-emulator-fault": "cut-after-first-token" } },
    });
    const seen: string[] = [];
    const consume = async () => {
      for await (const chunk of await registry.chatModel("standard").stream(QUESTION)) seen.push(String(chunk.content));
    };
    await expect(consume()).rejects.toBeInstanceOf(AIGatewayStreamError);
    expect(seen.join("")).not.toBe("");
    expect(secondary.stats().chatRequests).toBe(0);
    expect(gateway.stats().chatRequests).toBe(1);
  });
});

describe("tools and structured output through the fallback", () => {
  let registry: ProviderRegistry;
  beforeAll(async () => {
    const dead = await deadGateway();
    registry = await ProviderRegistry.create({ env: fallbackEnv(dead, secondary, KEY), logger: captureLogger("silent").logger, gatewayClientOptions: FAST_RETRY });
  });
  afterAll(async () => {
    await registry.close();
  });

  const weather = tool(async ({ city }: { city: string }) => `Sunny in ${city}`, {
    name: "get_weather",
    description: "Get the current weather for a city",
    schema: z.object({ city: z.string() }),
  });

  it("bindTools: the secondary's model has the tools bound and calls one", async () => {
    const bound = registry.chatModel("standard").bindTools([weather]);
    const reply = await bound.invoke("What is the weather in Paris?");
    expect(reply.response_metadata).toMatchObject({ provider: "openai", fallback_from: ["gateway"] });
    expect(reply.tool_calls?.[0]?.name).toBe("get_weather");
    expect(typeof reply.tool_calls?.[0]?.args.city).toBe("string");

    let merged: AIMessageChunk | undefined;
    for await (const chunk of await bound.stream("What is the weather in Paris?")) merged = merged ? merged.concat(chunk) : chunk;
    expect(merged?.tool_calls?.[0]?.name).toBe("get_weather");
  });

  const City = z.object({ city: z.string(), population: z.number().int() });

  it.each(["functionCalling", "jsonSchema"] as const)("withStructuredOutput (%s) is answered by the secondary", async (method) => {
    const structured = registry.chatModel("standard").withStructuredOutput(City, { name: "city_facts", method, includeRaw: true });
    const { parsed, raw } = await structured.invoke("Give facts about Paris.");
    expect(City.parse(parsed)).toEqual(parsed);
    expect(raw.response_metadata).toMatchObject({ provider: "openai", fallback_from: ["gateway"] });
    const plain = await registry.chatModel("standard").withStructuredOutput(City, { method }).invoke("Give facts about Lyon.");
    expect(City.safeParse(plain).success).toBe(true);
  });
});

describe("inside a LangChain agent", () => {
  it("createAgent runs its tool loop on the fallback model, and stream mode 'messages' shows each token once", async () => {
    const dead = await deadGateway();
    const { registry } = await registryFor(fallbackEnv(dead, secondary, KEY));
    const weather = tool(async ({ city }: { city: string }) => `Sunny in ${city}`, {
      name: "get_weather",
      description: "Get the current weather for a city",
      schema: z.object({ city: z.string() }),
    });
    const agent = createAgent({ model: registry.chatModel("standard"), tools: [weather] });
    const result = await agent.invoke({ messages: [{ role: "user", content: "What is the weather in Paris?" }] });
    const types = result.messages.map((m) => m.getType());
    expect(types).toEqual(["human", "ai", "tool", "ai"]);
    const final = result.messages[3];
    expect(final.content).toContain("get_weather: Sunny in");
    expect(final.response_metadata).toMatchObject({ provider: "openai", fallback_from: ["gateway"] });

    let streamed = "";
    const ids = new Set<string | undefined>();
    for await (const [chunk] of await agent.stream({ messages: [{ role: "user", content: "What is the weather in Paris?" }] }, { streamMode: "messages" })) {
      if (chunk.getType() !== "ai") continue;
      streamed += String(chunk.content);
      ids.add(chunk.id);
    }
    expect(streamed).toBe(String(final.content));
    expect(ids.size).toBe(2); // one id per model turn: the tool call, then the answer
  });
});

describe("verify()", () => {
  it("checks the gateway and the secondary with a model list, and reports failures without secrets", async () => {
    const gateway = await liveGateway();
    const { registry } = await registryFor(fallbackEnv(gateway, secondary, KEY), { discovery: { enabled: false } });
    const ok = await registry.verify("gateway");
    expect(ok).toMatchObject({ ok: true, modelCount: 16 });
    expect(await registry.verify("openai")).toMatchObject({ ok: true, modelCount: 16 });

    const badKey = `sk-wrong-${randomBytes(8).toString("hex")}`;
    const rejected = await registry.verify("openai", { enabled: true, apiKey: badKey, baseUrl: secondary.apiUrl });
    expect(rejected).toMatchObject({ ok: false, error: { code: "auth" } });
    expect(JSON.stringify(rejected)).not.toContain(badKey);

    const wrongSecret = `gw-wrong-${randomBytes(8).toString("hex")}`;
    const current = registry.providerSettings("gateway");
    const denied = await registry.verify("gateway", { ...current, gateway: { ...current.gateway, clientSecret: wrongSecret } });
    expect(denied).toMatchObject({ ok: false, error: { code: "invalid_client" } });
    expect(JSON.stringify(denied)).not.toContain(wrongSecret);

    const dead = await deadGateway();
    const down = await registry.verify("gateway", { ...current, gateway: { ...current.gateway, baseUrl: dead.baseUrl, tokenUrl: undefined } });
    expect(down).toMatchObject({ ok: false, error: { code: "connection_refused" } });
  });
});
