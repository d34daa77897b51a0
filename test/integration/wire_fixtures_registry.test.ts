/**
 * ProviderRegistry with a gateway that answers vendor wire fixtures (test/fixtures/wire) and an
 * emulator behind OPENAI_* as the fallback: which answers fail over and charge the gateway's
 * breaker, which fail over without charging it, which are the caller's and are rethrown, and
 * discovery from a LiteLLM-shaped model list of Claude and Gemini ids.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startEmulator, type EmulatorHandle } from "../../src/emulator/index.js";
import { AIGatewayHTTPError } from "../../src/gateway/index.js";
import { ProviderRegistry, describeModelFailure } from "../../src/providers/index.js";
import { startReplayServer, type ReplayServer } from "../helpers/wire_replay.js";
import { captureLogger } from "./providers_helpers.js";

const KEY = "sk-wire-fallback-0123456789";
const CHAT = "POST /v1/chat/completions";
let secondary: EmulatorHandle;
let replay: ReplayServer;
let registry: ProviderRegistry | undefined;

beforeAll(async () => {
  secondary = await startEmulator({ port: 0, staticApiKeys: [KEY] });
});
afterAll(async () => {
  await secondary.close();
});
beforeEach(async () => {
  replay = await startReplayServer();
});
afterEach(async () => {
  await registry?.close();
  registry = undefined;
  await replay.close();
  secondary.resetStats();
});

async function create(discovery = false) {
  const log = captureLogger();
  registry = await ProviderRegistry.create({
    env: {
      AI_GATEWAY_BASE_URL: replay.baseUrl,
      AI_GATEWAY_API_KEY: "wire-gateway-key-0003",
      AI_GATEWAY_MAX_RETRIES: "1",
      AI_GATEWAY_RETRY_BASE_DELAY_MS: "1",
      OPENAI_BASE_URL: secondary.apiUrl,
      OPENAI_API_KEY: KEY,
      PROVIDER_ORDER: "gateway,openai",
      BREAKER_FAILURES: "1",
      BREAKER_COOLDOWN_MS: "60000",
    },
    logger: log.logger,
    discovery: { enabled: discovery },
  });
  return { registry, ...log };
}

const breakerOf = (r: ProviderRegistry, provider: string) => r.status().find((s) => s.provider === provider)?.breaker;

describe("failing over from gateway answers", () => {
  it.each([
    ["a 200 HTML login page (not JSON)", "proxy/ok_200_html_login", "invalid_response"],
    ["an HTML 502 page", "proxy/error_502_html", "http_502"],
    ["APIM's 401 {statusCode, message}", "apim/error_401_subscription_key", "apim_subscription_key_invalid"],
  ])("%s: the fallback answers and the gateway's breaker opens", async (_name, fixture, code) => {
    replay.answer(CHAT, fixture);
    const { registry, events } = await create();
    const reply = await registry.chatModel("standard").invoke("What is the capital of France?");
    expect(reply.response_metadata).toMatchObject({ provider: "openai", fallback_from: ["gateway"] });
    expect(events("provider_fallback")[0]).toMatchObject({ provider: "gateway", next: "openai", code });
    expect(breakerOf(registry, "gateway")).toBe("open");
    expect(secondary.stats().chatRequests).toBe(1);
  });

  it('a 404 {"error": "<sentence>"}: the fallback answers, the breaker stays closed (the gateway is up)', async () => {
    replay.answer(CHAT, "ollama/error_404_string");
    const { registry } = await create();
    const reply = await registry.chatModel("fast").invoke("Hello");
    expect(reply.response_metadata).toMatchObject({ provider: "openai", fallback_from: ["gateway"] });
    expect(breakerOf(registry, "gateway")).toBe("closed");
    expect(replay.count(CHAT)).toBe(1);
  });

  it("a prompt refused by Azure's content filter is the caller's: rethrown, no fallback, breaker closed", async () => {
    replay.answer(CHAT, "azure_openai/error_content_filter_400");
    const { registry } = await create();
    const error = await registry.chatModel("standard").invoke("Something filtered").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AIGatewayHTTPError);
    expect(describeModelFailure(error)).toMatchObject({ kind: "content_filter" });
    expect(secondary.stats().chatRequests).toBe(0);
    expect(breakerOf(registry, "gateway")).toBe("closed");
  });

  it("a 200 HTML login page to a streaming request: the stream fails over before any token reaches the caller", async () => {
    replay.answer(CHAT, "proxy/ok_200_html_login");
    const { registry } = await create();
    const chunks = [];
    for await (const chunk of await registry.chatModel("standard").stream("What is the capital of France?")) chunks.push(chunk);
    expect(chunks.map((c) => c.content).join("")).toContain("Simulated answer");
    expect(chunks.some((c) => c.response_metadata.provider === "openai")).toBe(true);
    expect(secondary.stats().chatRequests).toBe(1);
    expect(breakerOf(registry, "gateway")).toBe("open");
  });

  it("an Azure stream that opens with choices: [] is answered by the gateway itself", async () => {
    replay.answer(CHAT, "azure_openai/stream_prompt_filter");
    const { registry } = await create();
    let text = "";
    for await (const chunk of await registry.chatModel("standard").stream("What is the capital of France?")) text += chunk.content;
    expect(text).toBe("Paris is the capital of France.");
    expect(secondary.stats().chatRequests).toBe(0);
  });
});

describe("discovery from a LiteLLM model list of Claude and Gemini ids", () => {
  it("picks the tiers from them, leaving out the embedding model", async () => {
    replay.answer("GET /v1/models", "litellm/models_claude_gemini");
    const { registry, lines } = await create(true);
    expect(registry.gatewaySelections()).toEqual({
      fast: { model: "anthropic/claude-haiku-4-5", source: "discovered" },
      standard: { model: "anthropic/claude-sonnet-4-5", source: "discovered" },
      premium: { model: "anthropic/claude-opus-4-5", source: "discovered" },
    });
    expect(registry.discoveryResult()?.models).toEqual([
      "anthropic/claude-opus-4-5",
      "anthropic/claude-sonnet-4-5",
      "anthropic/claude-haiku-4-5",
      "gemini/gemini-2.5-pro",
      "gemini/gemini-2.5-flash",
    ]);
    expect(lines.filter((l) => l.level === 40)).toEqual([]);
    replay.answer(CHAT, "azure_openai/completion_content_filter");
    await registry.chatModel("premium").invoke("Hello");
    const sent = JSON.parse(replay.requests.filter((r) => r.path === "/v1/chat/completions")[0].body) as { model: string };
    expect(sent.model).toBe("anthropic/claude-opus-4-5");
  });
});
