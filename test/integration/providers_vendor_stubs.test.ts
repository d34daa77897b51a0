/**
 * Anthropic, Gemini and Ollama against a loopback stub: all three clients accept a base URL,
 * so construction, verify and a fallback chain through them are checked without the internet.
 * The stub records the path and headers each client sends.
 */
import { createServer, type IncomingHttpHeaders, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startEmulator } from "../../src/emulator/index.js";
import { loadProviderSdks, ProviderRegistry } from "../../src/providers/index.js";
import { captureLogger, CountingAgent } from "./providers_helpers.js";

// These registries are built with `new` (no discovery), so the vendor SDKs are loaded here.
await loadProviderSdks();

interface Seen {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: Record<string, unknown> | undefined;
}

const ANTHROPIC_KEY = "sk-ant-stub-key-0000-1111";
const GOOGLE_KEY = "AIza-stub-key-2222-3333";

/** How each vendor route answers in the current test. */
const behaviour = { anthropic: "ok" as "ok" | "overloaded", google: "ok" as "ok" | "unavailable" };
const seen: Seen[] = [];
let stubUrl = "";
let closeStub: () => Promise<void>;

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(JSON.stringify(body));
}

beforeAll(async () => {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const text = Buffer.concat(chunks).toString("utf8");
      const url = new URL(req.url ?? "/", "http://stub");
      const entry: Seen = { method: req.method ?? "", path: url.pathname + url.search, headers: req.headers, body: text ? (JSON.parse(text) as Record<string, unknown>) : undefined };
      seen.push(entry);
      // --- Anthropic ---
      if (url.pathname === "/v1/models") {
        if (req.headers["x-api-key"] !== ANTHROPIC_KEY) return json(res, 401, { type: "error", error: { type: "authentication_error", message: "invalid x-api-key" } });
        return json(res, 200, { data: [{ id: "claude-haiku-4-5", type: "model" }, { id: "claude-sonnet-4-6", type: "model" }], has_more: false });
      }
      if (url.pathname === "/v1/messages") {
        if (behaviour.anthropic === "overloaded") return json(res, 529, { type: "error", error: { type: "overloaded_error", message: "Overloaded" } });
        return json(res, 200, {
          id: "msg_stub",
          type: "message",
          role: "assistant",
          model: String(entry.body?.model),
          content: [{ type: "text", text: "stub answer from anthropic" }],
          stop_reason: "end_turn",
          stop_sequence: null,
          usage: { input_tokens: 3, output_tokens: 4 },
        });
      }
      // --- Gemini ---
      if (url.pathname === "/v1beta/models") {
        if (req.headers["x-goog-api-key"] !== GOOGLE_KEY) return json(res, 400, { error: { code: 400, message: "API key not valid.", status: "INVALID_ARGUMENT" } });
        return json(res, 200, { models: [{ name: "models/gemini-2.5-flash" }, { name: "models/gemini-2.5-pro" }, { name: "models/text-embedding-004" }] });
      }
      if (url.pathname.startsWith("/v1beta/models/") && url.pathname.endsWith(":generateContent")) {
        if (behaviour.google === "unavailable") return json(res, 503, { error: { code: 503, message: "The model is overloaded.", status: "UNAVAILABLE" } });
        return json(res, 200, {
          candidates: [{ content: { role: "model", parts: [{ text: "stub answer from gemini" }] }, finishReason: "STOP", index: 0 }],
          usageMetadata: { promptTokenCount: 3, candidatesTokenCount: 4, totalTokenCount: 7 },
        });
      }
      // --- Ollama ---
      if (url.pathname === "/api/tags") return json(res, 200, { models: [{ name: "llama3.1:latest" }, { name: "qwen3:4b" }] });
      if (url.pathname === "/api/chat") {
        const model = String(entry.body?.model);
        const at = "2025-01-01T00:00:00Z";
        res.writeHead(200, { "content-type": "application/x-ndjson" });
        res.write(JSON.stringify({ model, created_at: at, message: { role: "assistant", content: "stub answer " }, done: false }) + "\n");
        res.write(JSON.stringify({ model, created_at: at, message: { role: "assistant", content: "from ollama" }, done: false }) + "\n");
        res.end(
          JSON.stringify({ model, created_at: at, message: { role: "assistant", content: "" }, done: true, done_reason: "stop", prompt_eval_count: 3, eval_count: 2 }) + "\n",
        );
        return;
      }
      json(res, 404, { error: "not found" });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  stubUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  closeStub = () => new Promise((resolve) => server.close(() => resolve()));
});
afterAll(() => closeStub());
beforeEach(() => {
  seen.length = 0;
  behaviour.anthropic = "ok";
  behaviour.google = "ok";
});

function vendorEnv(order: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    PROVIDER_ORDER: order,
    ANTHROPIC_API_KEY: ANTHROPIC_KEY,
    ANTHROPIC_BASE_URL: stubUrl,
    GOOGLE_API_KEY: GOOGLE_KEY,
    GOOGLE_BASE_URL: stubUrl,
    OLLAMA_BASE_URL: stubUrl,
    ...extra,
  };
}

function registry(env: Record<string, string>) {
  const log = captureLogger();
  return { registry: new ProviderRegistry({ env, logger: log.logger, discovery: { enabled: false } }), ...log };
}

describe("verify against the vendors' models endpoints", () => {
  it("Anthropic: GET /v1/models with x-api-key and anthropic-version", async () => {
    const { registry: r } = registry(vendorEnv("anthropic"));
    expect(await r.verify("anthropic")).toMatchObject({ ok: true, modelCount: 2 });
    expect(seen[0]).toMatchObject({ method: "GET", path: "/v1/models?limit=1000" });
    expect(seen[0].headers).toMatchObject({ "x-api-key": ANTHROPIC_KEY, "anthropic-version": "2023-06-01" });

    const wrong = "sk-ant-wrong-key-9999-8888";
    const rejected = await r.verify("anthropic", { enabled: true, apiKey: wrong, baseUrl: stubUrl });
    expect(rejected).toMatchObject({ ok: false, error: { code: "auth", message: "Anthropic rejected the credentials (401). Check ANTHROPIC_API_KEY." } });
    expect(JSON.stringify(rejected)).not.toContain(wrong);
  });

  it("Gemini: GET /v1beta/models with x-goog-api-key (never in the query string)", async () => {
    const { registry: r } = registry(vendorEnv("google"));
    expect(await r.verify("google")).toMatchObject({ ok: true, modelCount: 3 });
    expect(seen[0]).toMatchObject({ method: "GET", path: "/v1beta/models?pageSize=1000" });
    expect(seen[0].headers["x-goog-api-key"]).toBe(GOOGLE_KEY);
    expect(seen[0].path).not.toContain(GOOGLE_KEY);
    const rejected = await r.verify("google", { enabled: true, apiKey: "AIza-wrong-key-7777", baseUrl: stubUrl });
    expect(rejected).toMatchObject({ ok: false, error: { code: "http_400" } });
  });

  it("Ollama: GET /api/tags", async () => {
    const { registry: r } = registry(vendorEnv("ollama"));
    expect(await r.verify("ollama")).toMatchObject({ ok: true, modelCount: 2 });
    expect(seen[0]).toMatchObject({ method: "GET", path: "/api/tags" });
  });

  it("reports a dead server as connection_refused", async () => {
    const dead = await startEmulator({ port: 0 });
    await dead.close();
    const { registry: r } = registry(vendorEnv("ollama"));
    const outcome = await r.verify("ollama", { enabled: true, baseUrl: dead.baseUrl });
    expect(outcome).toMatchObject({ ok: false, error: { code: "connection_refused" } });
  });
});

describe("chat through the vendor clients, pointed at the stub", () => {
  it.each([
    ["anthropic", "/v1/messages", "stub answer from anthropic", { "x-api-key": ANTHROPIC_KEY }],
    ["google", "/v1beta/models/gemini-2.5-flash:generateContent", "stub answer from gemini", { "x-goog-api-key": GOOGLE_KEY }],
    ["ollama", "/api/chat", "stub answer from ollama", {}],
  ] as const)("%s answers through its base URL", async (provider, path, text, headers) => {
    const { registry: r } = registry(vendorEnv(provider, { OLLAMA_MODEL: "llama3.1" }));
    const reply = await r.chatModel("fast").invoke("Hello");
    expect(reply.content).toBe(text);
    expect(reply.response_metadata.provider).toBe(provider);
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject({ method: "POST", path });
    expect(seen[0].headers).toMatchObject(headers);
  });

  it("falls back gateway -> Anthropic (529) -> Gemini (503) -> Ollama, one request each: no client retries", async () => {
    const dead = await startEmulator({ port: 0 });
    await dead.close();
    behaviour.anthropic = "overloaded";
    behaviour.google = "unavailable";
    const { registry: r, events } = registry(
      vendorEnv("gateway,anthropic,google,ollama", {
        AI_GATEWAY_BASE_URL: dead.baseUrl,
        AI_GATEWAY_CLIENT_ID: "agents",
        AI_GATEWAY_CLIENT_SECRET: "gw-secret-for-the-dead-one",
        AI_GATEWAY_MAX_RETRIES: "0",
        BREAKER_FAILURES: "5",
      }),
    );
    const reply = await r.chatModel("standard").invoke("Hello");
    expect(reply.content).toBe("stub answer from ollama");
    expect(reply.response_metadata).toMatchObject({ provider: "ollama", model_name: "llama3.1", fallback_from: ["gateway", "anthropic", "google"] });
    expect(seen.map((s) => s.path)).toEqual(["/v1/messages", "/v1beta/models/gemini-2.5-pro:generateContent", "/api/chat"]);
    expect(events("provider_fallback").map((e) => [e.provider, e.code])).toEqual([
      ["gateway", "connection_refused"],
      ["anthropic", "http_529"],
      ["google", "http_503"],
    ]);
  });
});


describe("configure with a dispatcher: the SSRF-guarded pool carries every SDK that takes one", () => {
  it.each(["anthropic", "ollama"] as const)("%s's calls go through the given dispatcher", async (provider) => {
    const { registry: r } = registry(vendorEnv(provider));
    const agent = new CountingAgent();
    try {
      await r.configure(provider, { ...r.providerSettings(provider) }, { dispatcher: agent });
      const reply = await r.chatModel("standard").invoke("Hello");
      expect(String(reply.content)).toContain("stub answer");
      expect(agent.requests).toBeGreaterThanOrEqual(1);
      expect(seen.length).toBe(agent.requests);
    } finally {
      await r.close();
      await agent.close();
    }
  });
});

