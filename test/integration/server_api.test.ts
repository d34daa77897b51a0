import { MemorySaver } from "@langchain/langgraph";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { API_KEY, build, countingServer, tempDir } from "./server_helpers.js";

const tmp = tempDir();
let app: FastifyInstance;

beforeAll(async () => {
  // Nothing configured: the server runs on its in-process emulator and says so.
  app = await build(tmp.dir, { SERVER_BODY_LIMIT_BYTES: "2048" });
});
afterAll(async () => {
  await app.close();
  tmp.cleanup();
});

const post = (url: string, payload: unknown, headers: Record<string, string> = {}) => app.inject({ method: "POST", url, payload: payload as object, headers });

describe("health and readiness", () => {
  it("GET /healthz answers ok", async () => {
    const res = await app.inject("/healthz");
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ status: "ok" });
  });

  it("GET /readyz reports the token and the discovery source of each tier", async () => {
    const res = await app.inject("/readyz");
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body).toMatchObject({ status: "ready", simulated: true, providers: ["gateway"], gateway: { active: true, token: "valid", discovery: { ok: true } } });
    expect(body.gateway.tiers.fast).toEqual({ model: "gpt-5-mini", source: "discovered" });
  });

  it("GET /readyz answers 503 when the only provider cannot be reached", async () => {
    const closed = await countingServer(() => undefined);
    const url = closed.url;
    await closed.close();
    const d = tempDir();
    const down = await build(d.dir, {
      AI_GATEWAY_BASE_URL: url,
      AI_GATEWAY_CLIENT_ID: "client",
      AI_GATEWAY_CLIENT_SECRET: "secret-for-a-closed-port",
      AI_GATEWAY_MAX_RETRIES: "0",
      DISCOVERY_TIMEOUT_MS: "2000",
    });
    try {
      const res = await down.inject("/readyz");
      expect(res.statusCode).toBe(503);
      expect(res.json()).toMatchObject({ status: "not_ready", simulated: false, gateway: { token: "failed", discovery: { ok: false } } });
      expect(res.json().reasons[0]).toMatch(/only provider/);
      // Liveness is not readiness.
      expect((await down.inject("/healthz")).statusCode).toBe(200);
    } finally {
      await down.close();
      d.cleanup();
    }
  });
});

describe("GET /api/providers and /api/models", () => {
  it("shows the registry status, breaker state and masked secrets", async () => {
    const res = await app.inject("/api/providers");
    expect(res.statusCode).toBe(200);
    const gateway = res.json().providers.find((p: { provider: string }) => p.provider === "gateway");
    expect(gateway).toMatchObject({ configured: true, enabled: true, breaker: "closed", source: "env", guarded: false });
    expect(gateway.settings.clientSecret).toMatch(/^…(.{4})?$/);
    expect(res.json().simulated).toBe(true);
  });

  it("shows the tier mapping and where each model came from", async () => {
    const res = await app.inject("/api/models");
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.tiers.map((t: { tier: string }) => t.tier)).toEqual(["fast", "standard", "premium"]);
    expect(body.tiers[1]).toMatchObject({ model: "gpt-5.1", source: "discovered", candidates: [{ provider: "gateway", model: "gpt-5.1" }] });
    expect(body.discovery.ok).toBe(true);
    expect(body.discovery.models).toContain("gpt-5.1");
  });
});

describe("runs and threads", () => {
  it("POST /api/runs runs a task synchronously and the thread keeps its messages", async () => {
    const res = await post("/api/runs", { task: "What is 12.5% of 3,480?" });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.threadId).toMatch(/^[0-9a-f-]{36}$/);
    expect(body.route).toMatchObject({ tier: "fast", source: "rule" });
    expect(body.result).toMatchObject({ tier: "fast", provider: "gateway", simulated: true });
    expect(body.result.answer).toContain("435");
    expect(body.usage.total.total).toBeGreaterThan(0);
    expect(body.escalations).toEqual([]);

    const thread = await app.inject(`/api/threads/${body.threadId}`);
    expect(thread.statusCode).toBe(200);
    const roles = thread.json().messages.map((m: { role: string }) => m.role);
    expect(roles).toEqual(["user", "assistant", "tool", "assistant"]);
    expect(thread.json().messages[1].toolCalls[0].name).toBe("calculator");
    expect(thread.json().messages[2]).toMatchObject({ role: "tool", content: "435", name: "calculator" });

    // Continuing the thread adds to it.
    const again = await post("/api/runs", { threadId: body.threadId, messages: [{ role: "user", content: "What is 2 + 2?" }], tier: "standard" });
    expect(again.statusCode).toBe(200);
    expect(again.json().route).toMatchObject({ tier: "standard", source: "explicit" });
    const longer = await app.inject(`/api/threads/${body.threadId}`);
    expect(longer.json().messages.length).toBeGreaterThan(4);
  });

  it("GET /api/threads/:id answers 404 for an unknown thread and 400 for a bad id", async () => {
    const missing = await app.inject("/api/threads/no-such-thread");
    expect(missing.statusCode).toBe(404);
    expect(missing.json().error.code).toBe("thread_not_found");
    const bad = await app.inject("/api/threads/%20bad%20id");
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.fields[0].path).toBe("id");
  });
});

describe("validation and errors", () => {
  it("lists a message per bad field and rejects unknown fields", async () => {
    const res = await post("/api/runs", { task: "x", tier: "huge", routingMode: 3, extra: true });
    expect(res.statusCode).toBe(400);
    const { error } = res.json();
    expect(error.code).toBe("invalid_request");
    const byPath = Object.fromEntries(error.fields.map((f: { path: string; message: string }) => [f.path, f.message]));
    expect(byPath.tier).toBe("must be one of fast, standard, premium");
    expect(byPath.routingMode).toMatch(/must be one of/);
    expect(byPath.extra).toBe("is not a known field");
  });

  it("requires a task or a user message", async () => {
    const res = await post("/api/runs", {});
    expect(res.statusCode).toBe(400);
    expect(res.json().error.fields).toEqual([{ path: "task", message: "is required (or send messages)" }]);
    const noUser = await post("/api/runs", { messages: [{ role: "assistant", content: "hi" }] });
    expect(noUser.json().error.fields[0].path).toBe("messages");
  });

  it("answers 400 to malformed JSON, 413 to a body over the limit, 415 to other media types", async () => {
    const malformed = await app.inject({ method: "POST", url: "/api/runs", payload: '{"task": ', headers: { "content-type": "application/json" } });
    expect(malformed.statusCode).toBe(400);
    expect(malformed.json().error.code).toBe("invalid_json");
    const big = await post("/api/runs", { task: "x".repeat(4_000) });
    expect(big.statusCode).toBe(413);
    expect(big.json().error).toEqual({ code: "payload_too_large", message: "The request body is larger than the limit of 2048 bytes." });
    const text = await app.inject({ method: "POST", url: "/api/runs", payload: "task", headers: { "content-type": "text/plain" } });
    expect(text.statusCode).toBe(415);
    expect(text.json().error.code).toBe("unsupported_media_type");
  });

  it("answers unknown routes with a JSON 404", async () => {
    const res = await app.inject("/api/nothing?secret=1");
    expect(res.statusCode).toBe(404);
    expect(res.headers["content-type"]).toMatch(/application\/json/);
    expect(res.json()).toEqual({ error: { code: "not_found", message: "No route for GET /api/nothing." } });
  });

  it("never returns a stack trace; the error is logged instead", async () => {
    class BrokenSaver extends MemorySaver {
      override async getTuple(): Promise<undefined> {
        throw new Error("database exploded at /srv/secret/path");
      }
    }
    const d = tempDir();
    const broken = await build(d.dir, {}, { checkpointer: new BrokenSaver() });
    try {
      const res = await broken.inject("/api/threads/some-thread");
      expect(res.statusCode).toBe(500);
      expect(res.json().error).toMatchObject({ code: "internal_error", requestId: expect.any(String) });
      expect(res.body).not.toMatch(/exploded|\/srv\/secret|\n\s+at /);
    } finally {
      await broken.close();
      d.cleanup();
    }
  });
});

describe("data-plane API key", () => {
  let guarded: FastifyInstance;
  const d = tempDir();
  beforeAll(async () => {
    guarded = await build(d.dir, { API_KEY });
  });
  afterAll(async () => {
    await guarded.close();
    d.cleanup();
  });

  it.each(["/api/models", "/api/providers", "/api/threads/abc"])("GET %s needs the key", async (url) => {
    const missing = await guarded.inject(url);
    expect(missing.statusCode).toBe(401);
    expect(missing.headers["www-authenticate"]).toMatch(/^Bearer/);
    expect((await guarded.inject({ url, headers: { "x-api-key": "short" } })).statusCode).toBe(401);
    expect((await guarded.inject({ url, headers: { authorization: `Bearer ${API_KEY.replace(/.$/, "X")}` } })).statusCode).toBe(401);
    expect((await guarded.inject({ url, headers: { "x-api-key": API_KEY } })).statusCode).not.toBe(401);
  });

  it("POST /api/runs needs the key, given as x-api-key or a bearer token", async () => {
    expect((await guarded.inject({ method: "POST", url: "/api/runs", payload: { task: "What is 2 + 2?" } })).statusCode).toBe(401);
    const ok = await guarded.inject({ method: "POST", url: "/api/runs", payload: { task: "What is 2 + 2?" }, headers: { authorization: `Bearer ${API_KEY}` } });
    expect(ok.statusCode).toBe(200);
    const stream = await guarded.inject({ method: "POST", url: "/api/runs/stream", payload: { task: "hi" } });
    expect(stream.statusCode).toBe(401);
  });

  it("leaves liveness and readiness open, and the admin key is not a data-plane key", async () => {
    expect((await guarded.inject("/healthz")).statusCode).toBe(200);
    expect((await guarded.inject("/readyz")).statusCode).toBe(200);
    expect((await guarded.inject({ url: "/api/models", headers: { "x-api-key": "test-admin-key-0123456789abcdef" } })).statusCode).toBe(401);
  });
});
