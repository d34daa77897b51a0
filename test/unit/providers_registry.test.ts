import { ChatAnthropic } from "@langchain/anthropic";
import { ChatGoogleGenerativeAI } from "@langchain/google-genai";
import { ChatOllama } from "@langchain/ollama";
import { ChatOpenAI } from "@langchain/openai";
import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { ChatAIGateway } from "../../src/models/index.js";
import { createLogger } from "../../src/logging/index.js";
import { loadTiersFile } from "../../src/policy/index.js";
import { DEFAULT_PROVIDER_MODELS, ProviderRegistry, loadProviderSdks, maskSecret, type ProviderStatus } from "../../src/providers/index.js";

// These registries are built with `new` (no discovery), so the vendor SDKs are loaded here.
await loadProviderSdks();

const silent = createLogger({ level: "silent", format: "json" });

const ALL = {
  AI_GATEWAY_BASE_URL: "https://gateway.example.com",
  AI_GATEWAY_CLIENT_ID: "agents",
  AI_GATEWAY_CLIENT_SECRET: "gw-secret-abcdefgh-1234",
  OPENAI_API_KEY: "sk-test-openai-0000-abcd",
  OPENAI_BASE_URL: "http://127.0.0.1:9/v1",
  ANTHROPIC_API_KEY: "sk-ant-test-0000-wxyz",
  ANTHROPIC_BASE_URL: "http://127.0.0.1:9",
  GOOGLE_API_KEY: "AIza-test-0000-gggg",
  GOOGLE_BASE_URL: "http://127.0.0.1:9",
  OLLAMA_BASE_URL: "http://127.0.0.1:9",
  OLLAMA_MODEL: "qwen3:4b",
};

/** The AsyncCaller's retry count of a LangChain model (its own retry layer, which must be off). */
const callerRetries = (model: unknown) => (model as { caller: { maxRetries: number } }).caller.maxRetries;

function registry(env: Record<string, string | undefined>) {
  return new ProviderRegistry({ env, logger: silent, discovery: { enabled: false } });
}

describe("ProviderRegistry construction", () => {
  it("takes every configured provider, in PROVIDER_ORDER, each with its tier model and its own retries off", () => {
    const r = registry({ ...ALL, PROVIDER_ORDER: "ollama,anthropic,google,openai,gateway" });
    const line = r.candidates("fast");
    expect(line.map((c) => c.provider)).toEqual(["ollama", "anthropic", "google", "openai", "gateway"]);
    expect(line.map((c) => c.model)).toEqual(["qwen3:4b", DEFAULT_PROVIDER_MODELS.anthropic.fast, "gemini-2.5-flash", "gpt-5-mini", "gpt-5.1-chat-latest"]);

    const [ollama, anthropic, google, openai, gateway] = line.map((c) => c.chatModel);
    expect(ollama).toBeInstanceOf(ChatOllama);
    expect((ollama as ChatOllama).baseUrl).toBe("http://127.0.0.1:9");
    expect(anthropic).toBeInstanceOf(ChatAnthropic);
    expect((anthropic as ChatAnthropic).apiUrl).toBe("http://127.0.0.1:9");
    expect(google).toBeInstanceOf(ChatGoogleGenerativeAI);
    expect((google as ChatGoogleGenerativeAI).baseUrl).toBe("http://127.0.0.1:9");
    expect(openai).toBeInstanceOf(ChatOpenAI);
    expect((openai as ChatOpenAI).clientConfig.baseURL).toBe("http://127.0.0.1:9/v1");
    expect(gateway).toBeInstanceOf(ChatAIGateway);
    for (const m of [ollama, anthropic, google, openai, gateway]) expect(callerRetries(m)).toBe(0);
    expect((anthropic as ChatAnthropic).maxTokens).toBe(r.tierSettings("fast").maxTokens);
  });

  it("shares one gateway client between the tiers", () => {
    const r = registry(ALL);
    const fast = r.providerModel("gateway", "fast") as ChatAIGateway;
    const premium = r.providerModel("gateway", "premium") as ChatAIGateway;
    expect(fast.client).toBe(premium.client);
    expect(fast.model).toBe("gpt-5.1-chat-latest");
  });

  it("leaves out providers without credentials, switched off, or missing from the order", () => {
    expect(registry({ OPENAI_API_KEY: "sk-only-openai-123456" }).candidates("standard").map((c) => c.provider)).toEqual(["openai"]);
    expect(registry({ ...ALL, AI_GATEWAY_ENABLED: "false" }).candidates("standard").map((c) => c.provider)).not.toContain("gateway");
    expect(registry({ ...ALL, PROVIDER_ORDER: "openai,gateway" }).candidates("standard").map((c) => c.provider)).toEqual(["openai", "gateway"]);
    expect(registry({}).candidates("standard")).toEqual([]);
  });

  it("hands out one FallbackChatModel per tier, the default tier when none is named", () => {
    const r = registry({ ...ALL, DEFAULT_TIER: "premium" });
    expect(r.chatModel()).toBe(r.chatModel("premium"));
    expect(r.chatModel("fast")).not.toBe(r.chatModel("premium"));
    expect(r.chatModel("fast").tier).toBe("fast");
  });
});

describe("the tiers file", () => {
  it("a registry built without its tier models says TIERS_CONFIG does not reach it, naming the fix", () => {
    const lines: string[] = [];
    const logger = createLogger({ level: "warn", format: "json", destination: new Writable({ write: (c, _e, cb) => (lines.push(String(c)), cb()) }) });
    const env = { AI_GATEWAY_BASE_URL: "https://gateway.example.com", AI_GATEWAY_API_KEY: "gw-key-abcdefgh-1234", TIERS_CONFIG: "/etc/agents/tiers.yaml" };
    new ProviderRegistry({ env, logger, discovery: { enabled: false } });
    new ProviderRegistry({ env, logger, discovery: { enabled: false }, tierConfig: loadTiersFile({}).models });
    expect(lines.map((l) => JSON.parse(l) as { event: string; msg: string })).toEqual([
      expect.objectContaining({ event: "tiers_file_not_applied", msg: expect.stringContaining("loadTiersFile(env).models") }),
    ]);
  });
});

describe("status()", () => {
  it("reports each provider with its breaker, models and masked secrets", () => {
    const r = registry({ ...ALL, PROVIDER_ORDER: "gateway,openai", AI_GATEWAY_PREMIUM_MODEL: "gpt-5-pro" });
    const status = r.status();
    const byName = Object.fromEntries(status.map((s) => [s.provider, s])) as Record<string, ProviderStatus>;
    expect(status.map((s) => s.provider)).toEqual(["gateway", "openai", "anthropic", "google", "ollama"]);
    expect(byName.gateway).toMatchObject({
      configured: true,
      enabled: true,
      position: 0,
      breaker: "closed",
      models: { fast: "gpt-5.1-chat-latest", standard: "gpt-5.1", premium: "gpt-5-pro" },
      modelSources: { fast: "default", standard: "default", premium: "env" },
      settings: { baseUrl: "https://gateway.example.com", clientId: "agents", clientSecret: "…1234" },
    });
    expect(byName.openai.settings).toEqual({ baseUrl: "http://127.0.0.1:9/v1", apiKey: "…abcd" });
    expect(byName.anthropic.position).toBe(-1);
    const text = JSON.stringify(status);
    for (const secret of [ALL.AI_GATEWAY_CLIENT_SECRET, ALL.OPENAI_API_KEY, ALL.ANTHROPIC_API_KEY, ALL.GOOGLE_API_KEY]) expect(text).not.toContain(secret);
  });

  it("masks short secrets entirely", () => {
    expect(maskSecret("sk-123")).toBe("…");
    expect(maskSecret(undefined)).toBeUndefined();
  });
});

describe("configure()", () => {
  it("swaps a provider's settings and rebuilds its models; models handed out follow", async () => {
    const r = registry({ OPENAI_API_KEY: "sk-first-key-000000" });
    const model = r.chatModel("standard");
    const before = r.candidates("standard")[0].chatModel as ChatOpenAI;
    await r.configure("openai", { enabled: true, apiKey: "sk-second-key-111111", baseUrl: "http://127.0.0.1:9/v2" });
    const after = r.candidates("standard")[0].chatModel as ChatOpenAI;
    expect(after).not.toBe(before);
    expect(after.clientConfig.baseURL).toBe("http://127.0.0.1:9/v2");
    expect(model.candidates()[0].chatModel).toBe(after);

    await r.configure("anthropic", { enabled: true, apiKey: "sk-ant-new-key-222222" });
    expect(model.candidates().map((c) => c.provider)).toEqual(["openai", "anthropic"]);
    await r.configure("openai", { enabled: false, apiKey: "sk-second-key-111111" });
    expect(model.candidates().map((c) => c.provider)).toEqual(["anthropic"]);
  });

  it("rejects a bad order", () => {
    const r = registry(ALL);
    expect(() => r.setOrder(["openai", "openai"])).toThrow(/distinct/);
    expect(() => r.setOrder(["openai", "openai"])).toThrow(expect.objectContaining({ name: "ConfigurationError", code: "invalid_option" }));
    r.setOrder(["openai"]);
    expect(r.candidates("fast").map((c) => c.provider)).toEqual(["openai"]);
  });

  it("verify() of an unconfigured provider says so without a request", async () => {
    const outcome = await registry({}).verify("anthropic");
    expect(outcome).toEqual({ ok: false, latencyMs: 0, error: { code: "not_configured", message: "Provider 'anthropic' is not configured." } });
  });
});
