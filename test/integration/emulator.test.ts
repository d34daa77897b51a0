import { spawn } from "node:child_process";
import { request as httpRequest } from "node:http";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { startEmulator, type EmulatorHandle, type EmulatorOptions } from "../../src/emulator/index.js";

const started: EmulatorHandle[] = [];
async function emulator(options: EmulatorOptions = {}): Promise<EmulatorHandle> {
  const handle = await startEmulator(options);
  started.push(handle);
  return handle;
}
afterAll(async () => {
  await Promise.all(started.map((h) => h.close()));
});

function basic(id: string, secret: string): string {
  return `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString("base64")}`;
}

async function tokenResponse(h: EmulatorHandle, init: { auth?: string; form?: Record<string, string> } = {}): Promise<Response> {
  return fetch(h.tokenUrl, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", ...(init.auth ? { authorization: init.auth } : {}) },
    body: new URLSearchParams(init.form ?? { grant_type: "client_credentials" }),
  });
}

async function getToken(h: EmulatorHandle): Promise<string> {
  const res = await tokenResponse(h, { auth: basic(h.clientId, h.clientSecret) });
  expect(res.status).toBe(200);
  return ((await res.json()) as { access_token: string }).access_token;
}

const userMessage = (content: string) => [{ role: "user", content }];

function chat(h: EmulatorHandle, token: string, body: Record<string, unknown>, headers: Record<string, string> = {}, signal?: AbortSignal): Promise<Response> {
  return fetch(`${h.apiUrl}/chat/completions`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json", ...headers },
    body: JSON.stringify({ model: "gpt-4.1", messages: userMessage("Hello emulator"), ...body }),
    signal,
  });
}

interface Chunk {
  choices: { delta: { role?: string; content?: string | null; tool_calls?: { index: number; id?: string; function?: { name?: string; arguments?: string } }[] }; finish_reason: string | null }[];
  usage?: { prompt_tokens: number; completion_tokens: number; total_tokens: number } | null;
}

/** Splits an SSE body into data payloads (tolerating CRLF and comments). */
function dataLines(text: string): string[] {
  return text
    .split(/\r?\n/)
    .filter((line) => line.startsWith("data: "))
    .map((line) => line.slice("data: ".length));
}

async function until(check: () => boolean, timeoutMs = 2000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe("token endpoint", () => {
  let h: EmulatorHandle;
  beforeAll(async () => {
    h = await emulator({ clientId: "svc client", clientSecret: "s3cr:et+/%" });
  });

  it("issues a bearer token with client_secret_basic (form-encoded inside Basic)", async () => {
    const res = await tokenResponse(h, { auth: basic(h.clientId, h.clientSecret) });
    expect(res.status).toBe(200);
    expect(res.headers.get("cache-control")).toBe("no-store");
    expect(res.headers.get("x-request-id")).toMatch(/^req_/);
    const body = (await res.json()) as Record<string, unknown>;
    expect(body).toMatchObject({ token_type: "Bearer", expires_in: 3600 });
    expect(typeof body.access_token).toBe("string");
    expect(body).not.toHaveProperty("scope");
  });

  it("accepts client_secret_post and echoes scope; audience and resource are accepted", async () => {
    const res = await tokenResponse(h, {
      form: { grant_type: "client_credentials", client_id: h.clientId, client_secret: h.clientSecret, scope: "api://gw/.default", audience: "gw", resource: "https://gw" },
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ token_type: "Bearer", scope: "api://gw/.default" });
  });

  it("rejects bad or missing credentials with 401 invalid_client, and a wrong grant with 400", async () => {
    h.resetStats();
    const bad = await tokenResponse(h, { auth: basic(h.clientId, "wrong") });
    expect(bad.status).toBe(401);
    expect(bad.headers.get("www-authenticate")).toMatch(/^Basic/);
    const badBody = (await bad.json()) as { error: string; error_description: string };
    expect(badBody.error).toBe("invalid_client");
    expect(badBody.error_description).not.toContain(h.clientSecret);
    const missing = await tokenResponse(h);
    expect(missing.status).toBe(401);
    expect(((await missing.json()) as { error: string }).error).toBe("invalid_client");
    const grant = await tokenResponse(h, { auth: basic(h.clientId, h.clientSecret), form: { grant_type: "password" } });
    expect(grant.status).toBe(400);
    expect(((await grant.json()) as { error: string }).error).toBe("unsupported_grant_type");
    expect(h.stats()).toMatchObject({ tokenRequests: 3, unauthorized: 2 });
  });

  it("goes down on demand and for one enqueued request", async () => {
    h.setTokenEndpointDown(true);
    expect((await tokenResponse(h, { auth: basic(h.clientId, h.clientSecret) })).status).toBe(503);
    h.setTokenEndpointDown(false);
    h.enqueueFault("token-endpoint-down");
    const down = await tokenResponse(h, { auth: basic(h.clientId, h.clientSecret) });
    expect(down.status).toBe(503);
    expect(((await down.json()) as { error: string }).error).toBe("temporarily_unavailable");
    expect((await tokenResponse(h, { auth: basic(h.clientId, h.clientSecret) })).status).toBe(200);
  });

  it("omits expires_in when configured", async () => {
    const h2 = await emulator({ omitExpiresIn: true });
    const res = await tokenResponse(h2, { auth: basic(h2.clientId, h2.clientSecret) });
    expect(await res.json()).not.toHaveProperty("expires_in");
  });
});

describe("bearer authentication", () => {
  it("rejects missing, unknown, revoked and expired tokens with 401 invalid_token; accepts static keys", async () => {
    const h = await emulator({ tokenTtlSeconds: 1, staticApiKeys: ["static-key"] });
    const token = await getToken(h);
    const models = (t?: string) => fetch(`${h.apiUrl}/models`, { headers: t ? { authorization: `Bearer ${t}` } : {} });

    expect((await models(token)).status).toBe(200);
    expect((await models("static-key")).status).toBe(200);
    for (const t of [undefined, "not-a-token"]) {
      const res = await models(t);
      expect(res.status).toBe(401);
      expect(res.headers.get("www-authenticate")).toBe('Bearer error="invalid_token"');
      const body = (await res.json()) as { error: { code: string; type: string } };
      expect(body.error).toMatchObject({ code: "invalid_token", type: "invalid_request_error" });
    }
    await new Promise((r) => setTimeout(r, 1100));
    const expired = await models(token);
    expect(expired.status).toBe(401);
    expect(((await expired.json()) as { error: { message: string } }).error.message).toMatch(/expired/);

    const fresh = await getToken(h);
    h.revokeAllTokens();
    expect((await models(fresh)).status).toBe(401);
    expect(h.stats().unauthorized).toBe(4);
  });
});

describe("API", () => {
  let h: EmulatorHandle;
  let token: string;
  beforeAll(async () => {
    h = await emulator({ slowHeadersMs: 300 });
    token = await getToken(h);
  });
  afterEach(() => h.resetStats());

  it("lists models in the OpenAI shape", async () => {
    const res = await fetch(`${h.apiUrl}/models`, { headers: { authorization: `Bearer ${token}` } });
    const body = (await res.json()) as { object: string; data: { id: string; object: string; owned_by: string; created: number }[] };
    expect(body.object).toBe("list");
    expect(body.data.map((m) => m.id)).toContain("gpt-5.1-chat-latest");
    expect(body.data).toHaveLength(16);
    expect(body.data[0]).toMatchObject({ id: "gpt-5.1", object: "model", owned_by: "ai-gateway-emulator" });
    const one = await fetch(`${h.apiUrl}/models/gpt-4.1`, { headers: { authorization: `Bearer ${token}` } });
    expect(((await one.json()) as { id: string }).id).toBe("gpt-4.1");
    expect(h.stats().modelRequests).toBe(2);
  });

  it("answers a chat completion as JSON", async () => {
    const res = await chat(h, token, {});
    expect(res.status).toBe(200);
    expect(res.headers.get("x-request-id")).toMatch(/^req_/);
    const body = (await res.json()) as { id: string; object: string; model: string; created: number; choices: { message: { role: string; content: string }; finish_reason: string }[]; usage: { total_tokens: number } };
    expect(body.object).toBe("chat.completion");
    expect(body.id).toMatch(/^chatcmpl-/);
    expect(body.model).toBe("gpt-4.1");
    expect(body.choices[0].message).toMatchObject({ role: "assistant", content: "Simulated answer from gpt-4.1: Hello emulator" });
    expect(body.choices[0].finish_reason).toBe("stop");
    expect(body.usage.total_tokens).toBeGreaterThan(0);
  });

  it("streams SSE with a role chunk, one token per chunk, a usage chunk and [DONE]", async () => {
    const res = await chat(h, token, { stream: true, stream_options: { include_usage: true } });
    expect(res.headers.get("content-type")).toMatch(/^text\/event-stream/);
    const lines = dataLines(await res.text());
    expect(lines.at(-1)).toBe("[DONE]");
    const chunks = lines.slice(0, -1).map((l) => JSON.parse(l) as Chunk);
    expect(chunks[0].choices[0].delta.role).toBe("assistant");
    const usageChunk = chunks.at(-1)!;
    expect(usageChunk.choices).toEqual([]);
    const content = chunks.slice(1, -1);
    expect(content.map((c) => c.choices[0].delta.content).join("")).toBe("Simulated answer from gpt-4.1: Hello emulator");
    expect(content).toHaveLength(usageChunk.usage!.completion_tokens);
    expect(content.at(-1)!.choices[0].finish_reason).toBe("stop");
    expect(usageChunk.usage!.total_tokens).toBe(usageChunk.usage!.prompt_tokens + usageChunk.usage!.completion_tokens);
  });

  it("streams tool calls in fragments", async () => {
    const tools = [{ type: "function", function: { name: "calculator", description: "math", parameters: { type: "object", properties: { expression: { type: "string" } }, required: ["expression"] } } }];
    const res = await chat(h, token, { stream: true, tools, messages: userMessage("What is 12.5% of 3,480?") });
    const chunks = dataLines(await res.text()).slice(0, -1).map((l) => JSON.parse(l) as Chunk);
    const calls = chunks.flatMap((c) => c.choices[0].delta.tool_calls ?? []);
    expect(calls[0]).toMatchObject({ index: 0, function: { name: "calculator", arguments: "" } });
    expect(calls.length).toBeGreaterThan(2);
    expect(JSON.parse(calls.map((c) => c.function?.arguments ?? "").join(""))).toEqual({ expression: "12.5 / 100 * 3480" });
    expect(chunks.at(-1)!.choices[0].finish_reason).toBe("tool_calls");
  });

  it("applies the GPT-5 parameter rules", async () => {
    const reasoning = await chat(h, token, { model: "gpt-5.1", max_tokens: 50 });
    expect(reasoning.status).toBe(400);
    expect(await reasoning.json()).toEqual({
      error: {
        message: "Unsupported parameter: 'max_tokens' is not supported with this model. Use 'max_completion_tokens' instead.",
        type: "invalid_request_error",
        param: "max_tokens",
        code: "unsupported_parameter",
      },
    });
    expect((await chat(h, token, { model: "gpt-5.1-chat-latest", max_tokens: 50 })).status).toBe(200);
    const temp = await chat(h, token, { model: "gpt-5-mini", temperature: 0.5 });
    expect(temp.status).toBe(400);
    expect(((await temp.json()) as { error: { code: string } }).error.code).toBe("unsupported_value");
    const unknown = await chat(h, token, { model: "gpt-unknown" });
    expect(unknown.status).toBe(404);
    expect(((await unknown.json()) as { error: { code: string } }).error.code).toBe("model_not_found");
    expect((await chat(h, token, { messages: undefined })).status).toBe(400);
  });

  it("rejects bad JSON, huge bodies, unknown routes and wrong methods", async () => {
    const post = (body: string | Buffer) =>
      fetch(`${h.apiUrl}/chat/completions`, { method: "POST", headers: { authorization: `Bearer ${token}`, "content-type": "application/json" }, body });
    const badJson = await post("{nope");
    expect(badJson.status).toBe(400);
    expect(((await badJson.json()) as { error: { type: string } }).error.type).toBe("invalid_request_error");
    const huge = await post(Buffer.alloc(10 * 1024 * 1024 + 10, 0x20));
    expect(huge.status).toBe(413);
    const missing = await fetch(`${h.baseUrl}/nope`);
    expect(missing.status).toBe(404);
    expect(((await missing.json()) as { error: { message: string } }).error.message).toContain("/nope");
    expect((await fetch(`${h.apiUrl}/chat/completions`)).status).toBe(405);
  });

  it("answers scripted responses exactly once, FIFO", async () => {
    h.enqueueResponse({ content: "first scripted" });
    h.enqueueResponse({ toolCalls: [{ id: "call_fixed", name: "lookup", arguments: '{"q":"x"}' }], usage: { prompt_tokens: 7, completion_tokens: 3, cached_tokens: 5, reasoning_tokens: 2 } });
    const first = (await (await chat(h, token, {})).json()) as { choices: { message: { content: string } }[] };
    expect(first.choices[0].message.content).toBe("first scripted");
    const second = dataLines(await (await chat(h, token, { stream: true, stream_options: { include_usage: true } })).text());
    const chunks = second.slice(0, -1).map((l) => JSON.parse(l) as Chunk & { usage?: Record<string, unknown> });
    const calls = chunks.flatMap((c) => c.choices[0]?.delta.tool_calls ?? []);
    expect(calls[0]).toMatchObject({ id: "call_fixed", function: { name: "lookup" } });
    expect(chunks.at(-1)!.usage).toMatchObject({ prompt_tokens: 7, completion_tokens: 3, prompt_tokens_details: { cached_tokens: 5 }, completion_tokens_details: { reasoning_tokens: 2 } });
    const third = (await (await chat(h, token, {})).json()) as { choices: { message: { content: string } }[] };
    expect(third.choices[0].message.content).toMatch(/^Simulated answer/);
  });

  it("makes a plain answer exactly N tokens long (a 10,000-token stream)", async () => {
    const res = await chat(h, token, { stream: true, stream_options: { include_usage: true } }, { "X-Emulator-Answer-Tokens": "10000" });
    const lines = dataLines(await res.text());
    const chunks = lines.slice(0, -1).map((l) => JSON.parse(l) as Chunk);
    expect(chunks.slice(1, -1)).toHaveLength(10_000);
    expect(chunks[1].choices[0].delta.content).toBe("Simulated ");
    expect(chunks.at(-1)!.usage!.completion_tokens).toBe(10_000);
  });

  it("honours per-request latency headers (coarse lower bound)", async () => {
    const t0 = Date.now();
    const res = await chat(h, token, { stream: true }, { "x-emulator-ttft-ms": "150", "x-emulator-per-token-ms": "5" });
    const text = await res.text();
    expect(Date.now() - t0).toBeGreaterThanOrEqual(140);
    expect(dataLines(text).at(-1)).toBe("[DONE]");
  });

  it("supports odd SSE framings: CRLF and keep-alive comments", async () => {
    const crlf = await (await chat(h, token, { stream: true }, { "x-emulator-sse-crlf": "1", "x-emulator-sse-comments": "1" })).text();
    expect(crlf).toContain(": keep-alive\r\n\r\n");
    expect(crlf.replace(/\r\n/g, "")).not.toContain("\n");
    expect(dataLines(crlf).at(-1)).toBe("[DONE]");
  });

  it("splits events inside multi-byte characters across network chunks", async () => {
    const pieces: Buffer[] = await new Promise((resolve, reject) => {
      const req = httpRequest(`${h.apiUrl}/chat/completions`, {
        method: "POST",
        headers: { authorization: `Bearer ${token}`, "content-type": "application/json", "x-emulator-split-utf8": "1" },
      });
      req.on("response", (res) => {
        const got: Buffer[] = [];
        res.on("data", (b: Buffer) => got.push(b));
        res.on("end", () => resolve(got));
        res.on("error", reject);
      });
      req.on("error", reject);
      req.end(JSON.stringify({ model: "gpt-4.1", stream: true, messages: userMessage("hi") }));
    });
    const strictDecode = (b: Buffer) => new TextDecoder("utf-8", { fatal: true }).decode(b);
    expect(pieces.some((p) => { try { strictDecode(p); return false; } catch { return true; } })).toBe(true);
    const text = strictDecode(Buffer.concat(pieces));
    const content = dataLines(text).slice(1, -1).map((l) => (JSON.parse(l) as Chunk).choices[0].delta.content).join("");
    expect(content).toContain("héllo wörld — ✓ 日本 🎉");
  });

  it("gives every response its own x-request-id", async () => {
    const ids = new Set<string | null>();
    for (let i = 0; i < 3; i++) ids.add((await chat(h, token, {})).headers.get("x-request-id"));
    ids.add((await fetch(`${h.baseUrl}/nope`)).headers.get("x-request-id"));
    expect(ids.size).toBe(4);
    expect([...ids].every((id) => id?.startsWith("req_"))).toBe(true);
  });
});

describe("faults", () => {
  let h: EmulatorHandle;
  let token: string;
  beforeAll(async () => {
    h = await emulator({ slowHeadersMs: 300, retryAfterSeconds: 3 });
    token = await getToken(h);
  });

  it("429 carries Retry-After (and retry-after-ms when asked) and rate_limit_exceeded", async () => {
    h.resetStats();
    h.enqueueFault("429");
    h.enqueueFault("429", { retryAfterSeconds: 2, retryAfterMs: 1500 });
    const a = await chat(h, token, {});
    expect(a.status).toBe(429);
    expect(a.headers.get("retry-after")).toBe("3");
    expect(((await a.json()) as { error: { code: string } }).error.code).toBe("rate_limit_exceeded");
    const b = await chat(h, token, {});
    expect(b.headers.get("retry-after")).toBe("2");
    expect(b.headers.get("retry-after-ms")).toBe("1500");
    expect((await chat(h, token, {})).status).toBe(200);
    expect(h.stats()).toMatchObject({ faultsInjected: 2, faultsByKind: { "429": 2 } });
  });

  it.each(["500", "502", "503"])("%s answers that status with an OpenAI error body", async (kind) => {
    const res = await chat(h, token, {}, { "x-emulator-fault": kind });
    expect(res.status).toBe(Number(kind));
    const body = (await res.json()) as { error: { message: string; type: string } };
    expect(body.error.type).toBe("server_error");
    expect(body.error.message).toContain("simulated");
  });

  it("reset destroys the socket without a response", async () => {
    await expect(chat(h, token, {}, { "x-emulator-fault": "reset" })).rejects.toThrow();
    expect((await chat(h, token, {})).status).toBe(200);
  });

  it("slow-headers delays the headers, then answers normally", async () => {
    const t0 = Date.now();
    const res = await chat(h, token, {}, { "x-emulator-fault": "slow-headers" });
    expect(res.status).toBe(200);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(250);
    await expect(chat(h, token, {}, { "x-emulator-fault": "slow-headers" }, AbortSignal.timeout(50))).rejects.toThrow();
  });

  it("stall sends the first content chunk and then nothing, until the client gives up", async () => {
    h.resetStats();
    const controller = new AbortController();
    const res = await chat(h, token, { stream: true }, { "x-emulator-fault": "stall" }, controller.signal);
    const reader = res.body!.getReader();
    let text = "";
    while (dataLines(text).length < 2) text += new TextDecoder().decode((await reader.read()).value);
    const first = dataLines(text).map((l) => JSON.parse(l) as Chunk);
    expect(first[1].choices[0].delta.content).toBe("Simulated ");
    expect(first[1].choices[0].finish_reason).toBeNull();
    const next = await Promise.race([reader.read().then(() => "data"), new Promise((r) => setTimeout(() => r("silence"), 300))]);
    expect(next).toBe("silence");
    controller.abort();
    await until(() => h.stats().clientAbortedStreams === 1);
  });

  it("cut-before-first-token sends 200 headers then breaks the body (stream and JSON)", async () => {
    for (const stream of [true, false]) {
      const res = await chat(h, token, { stream }, { "x-emulator-fault": "cut-before-first-token" });
      expect(res.status).toBe(200);
      await expect(res.text()).rejects.toThrow();
    }
  });

  it("cut-after-first-token ends the body cleanly without finish_reason or [DONE]", async () => {
    const res = await chat(h, token, { stream: true }, { "x-emulator-fault": "cut-after-first-token" });
    const lines = dataLines(await res.text());
    expect(lines).toHaveLength(2);
    expect(lines).not.toContain("[DONE]");
    expect(lines.map((l) => (JSON.parse(l) as Chunk).choices[0].finish_reason)).toEqual([null, null]);
  });

  it("malformed-chunk sends a broken data line", async () => {
    const lines = dataLines(await (await chat(h, token, { stream: true }, { "x-emulator-fault": "malformed-chunk" })).text());
    expect(lines).toEqual([expect.any(String), "{not json"]);
    expect(() => JSON.parse(lines[1])).toThrow();
  });

  it("stream-error sends a content chunk then an error event", async () => {
    const lines = dataLines(await (await chat(h, token, { stream: true }, { "x-emulator-fault": "stream-error" })).text());
    expect(JSON.parse(lines.at(-1)!)).toEqual({ error: { message: "simulated upstream failure", type: "server_error", code: "upstream_error" } });
    expect(lines).not.toContain("[DONE]");
  });

  it("keeps a scripted answer queued across a fault that delivered nothing", async () => {
    h.enqueueFault("503");
    h.enqueueResponse({ content: "after the retry" });
    expect((await chat(h, token, {})).status).toBe(503);
    const body = (await (await chat(h, token, {})).json()) as { choices: { message: { content: string } }[] };
    expect(body.choices[0].message.content).toBe("after the retry");
  });

  it("rejects an unknown x-emulator-fault", async () => {
    const res = await chat(h, token, {}, { "x-emulator-fault": "meteor" });
    expect(res.status).toBe(400);
  });

  it("draws random faults reproducibly from the seed", async () => {
    const statuses = async (seed: number) => {
      const e = await emulator({ faultRate: 0.5, faultSeed: seed, faultKinds: ["429", "503"], retryAfterSeconds: 0 });
      const t = await getToken(e);
      const out: number[] = [];
      for (let i = 0; i < 12; i++) out.push((await chat(e, t, {})).status);
      return { out, stats: e.stats() };
    };
    const a = await statuses(42);
    const b = await statuses(42);
    expect(a.out).toEqual(b.out);
    expect(new Set(a.out).size).toBeGreaterThan(1);
    expect(a.stats.faultsInjected).toBe(a.out.filter((s) => s !== 200).length);
  });

  it("close() destroys open sockets, stalled streams included", async () => {
    const e = await startEmulator();
    const t = await getToken(e);
    const res = await chat(e, t, { stream: true }, { "x-emulator-fault": "stall" });
    expect(e.stats().openConnections).toBeGreaterThan(0);
    const body = res.text();
    await e.close();
    await expect(body).rejects.toThrow();
    expect(e.stats().clientAbortedStreams).toBe(0);
  });
});

describe("control plane", () => {
  it("scripts, injects faults, reports and resets stats over HTTP", async () => {
    const h = await emulator();
    const token = await getToken(h);
    const auth = { "x-emulator-token": h.controlToken };
    const post = (path: string, body?: unknown) =>
      fetch(`${h.baseUrl}/_emulator/${path}`, { method: "POST", headers: { "content-type": "application/json", ...auth }, body: body === undefined ? undefined : JSON.stringify(body) });

    // Without the token, or with a wrong one, nothing is scripted or read.
    for (const headers of [{}, { "x-emulator-token": `${h.controlToken}x` }, { "x-emulator-token": "" }] as Record<string, string>[]) {
      expect((await fetch(`${h.baseUrl}/_emulator/stats`, { headers })).status).toBe(401);
      expect((await fetch(`${h.baseUrl}/_emulator/script`, { method: "POST", headers, body: "{}" })).status).toBe(401);
    }

    expect((await post("script", { content: "from the control plane" })).status).toBe(200);
    expect((await post("fault", { kind: "429", retryAfterSeconds: 4 })).status).toBe(200);
    expect((await post("fault", { kind: "bogus" })).status).toBe(400);
    expect((await post("script", { content: 5 })).status).toBe(400);

    const limited = await chat(h, token, {});
    expect(limited.status).toBe(429);
    expect(limited.headers.get("retry-after")).toBe("4");
    const scripted = (await (await chat(h, token, {})).json()) as { choices: { message: { content: string } }[] };
    expect(scripted.choices[0].message.content).toBe("from the control plane");

    const stats = (await (await fetch(`${h.baseUrl}/_emulator/stats`, { headers: auth })).json()) as Record<string, unknown>;
    expect(stats).toMatchObject({ tokenRequests: 1, chatRequests: 2, faultsInjected: 1, faultsByKind: { "429": 1 } });
    expect((await post("reset-stats")).status).toBe(200);
    expect(h.stats()).toMatchObject({ tokenRequests: 0, chatRequests: 0, faultsInjected: 0, faultsByKind: {} });
  });
});

describe("CLI", () => {
  /** Starts the CLI and resolves with the parsed "ready" line plus accessors for output and exit. */
  async function launch(command: string, args: string[], detached: boolean) {
    const child = spawn(command, [...args, "src/emulator/cli.ts", "--port", "0", "--token-ttl", "120"], {
      cwd: process.cwd(),
      stdio: ["ignore", "pipe", "pipe"],
      detached,
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (b: Buffer) => (stdout += b.toString()));
    child.stderr.on("data", (b: Buffer) => (stderr += b.toString()));
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on("exit", (code, signal) => resolve({ code, signal })));
    await until(() => stdout.includes("\n") || child.exitCode !== null, 25_000);
    const info = JSON.parse(stdout.trim()) as { baseUrl: string; apiUrl: string; tokenUrl: string; clientId: string; clientSecret: string };
    return { child, info, exited, stdout: () => stdout, stderr: () => stderr };
  }

  async function checkServes(info: { tokenUrl: string; clientId: string; clientSecret: string }) {
    const res = await fetch(info.tokenUrl, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", authorization: basic(info.clientId, info.clientSecret) },
      body: "grant_type=client_credentials",
    });
    expect(await res.json()).toMatchObject({ token_type: "Bearer", expires_in: 120 });
  }

  it("starts through npx tsx, prints exactly one JSON line and a simulated-gateway notice", async () => {
    // npx (npm exec) does not relay SIGTERM to its children, so the test signals the whole process group.
    const run = await launch("npx", ["tsx"], true);
    try {
      expect(run.info.apiUrl).toBe(`${run.info.baseUrl}/v1`);
      expect(run.info.tokenUrl).toBe(`${run.info.baseUrl}/oauth2/token`);
      await checkServes(run.info);
      expect(run.stderr()).toMatch(/simulated/i);
      process.kill(-run.child.pid!, "SIGTERM");
      await run.exited;
      expect(run.stdout().trim().split("\n")).toHaveLength(1);
      // The emulator process itself closes its port shortly after (no orphan left behind).
      let closed = false;
      for (let i = 0; i < 100 && !closed; i++) {
        closed = await fetch(run.info.tokenUrl, { method: "POST" }).then(() => false, () => true);
        if (!closed) await new Promise((r) => setTimeout(r, 50));
      }
      expect(closed).toBe(true);
    } finally {
      if (run.child.exitCode === null) process.kill(-run.child.pid!, "SIGKILL");
    }
  }, 30_000);

  it("closes and exits 0 on SIGTERM", async () => {
    const run = await launch(process.execPath, ["--import", "tsx"], false);
    try {
      await checkServes(run.info);
      run.child.kill("SIGTERM");
      expect(await run.exited).toEqual({ code: 0, signal: null });
    } finally {
      if (run.child.exitCode === null) run.child.kill("SIGKILL");
    }
  }, 30_000);
});
