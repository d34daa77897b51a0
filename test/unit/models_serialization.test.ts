import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { AIGatewayClient } from "../../src/gateway/index.js";
import { ChatAIGateway, resolveGatewayConfig } from "../../src/models/index.js";

const SECRET = "unit-client-secret-4f2a9c";
const API_KEY = "unit-static-key-77b1e0";
const GATEWAY_VARS = [
  "AI_GATEWAY_BASE_URL",
  "AI_GATEWAY_CLIENT_ID",
  "AI_GATEWAY_CLIENT_SECRET",
  "AI_GATEWAY_API_KEY",
  "AI_GATEWAY_TOKEN_URL",
  "AI_GATEWAY_ISSUER",
];

beforeEach(() => {
  // Each test decides what the environment holds; "" counts as unset in the config schema.
  for (const name of GATEWAY_VARS) vi.stubEnv(name, "");
});
afterEach(() => vi.unstubAllEnvs());

describe("ChatAIGateway serialisation", () => {
  it("declares its secrets and LangChain identity", () => {
    const chat = new ChatAIGateway({ model: "gpt-5.1" });
    expect(chat.lc_secrets).toEqual({ clientSecret: "AI_GATEWAY_CLIENT_SECRET", apiKey: "AI_GATEWAY_API_KEY" });
    expect(chat.lc_serializable).toBe(true);
    expect(ChatAIGateway.lc_name()).toBe("ChatAIGateway");
    expect(chat._llmType()).toBe("ai_gateway");
    expect(chat.lc_namespace).toEqual(["langchain", "chat_models", "ai_gateway"]);
    expect(chat.lc_id).toEqual(["langchain", "chat_models", "ai_gateway", "ChatAIGateway"]);
  });

  it("toJSON keeps settings but replaces secrets with references and leaves out the client", () => {
    const client = new AIGatewayClient({ baseUrl: "https://gw.example.com", clientId: "cid", clientSecret: SECRET });
    const chat = new ChatAIGateway({
      model: "gpt-5.1",
      client,
      baseUrl: "https://gw.example.com",
      clientId: "cid",
      clientSecret: SECRET,
      apiKey: API_KEY,
      headers: { authorization: `Bearer ${API_KEY}` },
      temperature: 1,
      maxTokens: 64,
    });
    const json = JSON.stringify(chat.toJSON());
    expect(json).not.toContain(SECRET);
    expect(json).not.toContain(API_KEY);
    const serialized = chat.toJSON() as { id: string[]; kwargs: Record<string, unknown> };
    expect(serialized.id).toEqual(["langchain", "chat_models", "ai_gateway", "ChatAIGateway"]);
    expect(serialized.kwargs).toMatchObject({
      model: "gpt-5.1",
      max_tokens: 64,
      client_id: "cid",
      client_secret: { lc: 1, type: "secret", id: ["AI_GATEWAY_CLIENT_SECRET"] },
      api_key: { lc: 1, type: "secret", id: ["AI_GATEWAY_API_KEY"] },
    });
    expect(serialized.kwargs).not.toHaveProperty("client");
    expect(serialized.kwargs).not.toHaveProperty("headers");
  });

  it("does no I/O and does not throw at construction with an empty environment", () => {
    expect(() => new ChatAIGateway({ model: "gpt-5.1" })).not.toThrow();
    expect(() => new ChatAIGateway("gpt-4.1", { temperature: 0 })).not.toThrow();
  });

  it("fails the first call with a clear error when no gateway is configured", async () => {
    const chat = new ChatAIGateway({ model: "gpt-5.1" });
    await expect(chat.invoke("hi")).rejects.toThrow(/AI_GATEWAY_BASE_URL/);
    const noCreds = new ChatAIGateway({ model: "gpt-5.1", baseUrl: "http://127.0.0.1:9" });
    await expect(noCreds.invoke("hi")).rejects.toThrow(/AI_GATEWAY_CLIENT_ID and AI_GATEWAY_CLIENT_SECRET .*or AI_GATEWAY_API_KEY/);
  });

  it("rejects an already-aborted signal before building anything", async () => {
    const chat = new ChatAIGateway({ model: "gpt-5.1" });
    const ac = new AbortController();
    ac.abort();
    await expect(chat.invoke("hi", { signal: ac.signal })).rejects.toThrow();
  });
});

describe("resolveGatewayConfig", () => {
  it("fills what the model was not given from the environment", () => {
    vi.stubEnv("AI_GATEWAY_BASE_URL", "https://env.example.com");
    vi.stubEnv("AI_GATEWAY_CLIENT_ID", "env-id");
    vi.stubEnv("AI_GATEWAY_CLIENT_SECRET", "env-secret-123");
    const cfg = resolveGatewayConfig({ tokenUrl: "https://idp.example.com/token" });
    expect(cfg).toMatchObject({ baseUrl: "https://env.example.com", clientId: "env-id", tokenUrl: "https://idp.example.com/token" });
  });

  it("lets an explicit apiKey win over OAuth credentials from the environment", () => {
    vi.stubEnv("AI_GATEWAY_BASE_URL", "https://env.example.com");
    vi.stubEnv("AI_GATEWAY_CLIENT_ID", "env-id");
    vi.stubEnv("AI_GATEWAY_CLIENT_SECRET", "env-secret-123");
    const cfg = resolveGatewayConfig({ apiKey: API_KEY });
    expect(cfg.apiKey).toBe(API_KEY);
    expect(cfg.clientId).toBeUndefined();
    expect(cfg.clientSecret).toBeUndefined();
  });

  it("does not read the environment when the fields are complete", () => {
    vi.stubEnv("AI_GATEWAY_MAX_RETRIES", "not-a-number");
    expect(resolveGatewayConfig({ baseUrl: "https://gw.example.com", apiKey: API_KEY }).baseUrl).toBe("https://gw.example.com");
    expect(() => resolveGatewayConfig({})).toThrow(/AI_GATEWAY_MAX_RETRIES/);
  });
});
